/**
 * Breakout rooms with real WebRTC peers (@roamhq/wrtc) through the SFU: in a room one hears and sees the people of that
 * room only — not the other room, not the main meeting — over the same connections (nobody publishes or subscribes
 * again: only the SFU's forwarding changes), and everyone hears everyone again once the rooms close, by the host or by
 * the timer. Runs only in a loopback-only network namespace (scripts/test.ts: unshare -n).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RestClient } from '../../sdk/rest-client.ts';
import { closeAll, instantMeeting, joinAs, restFor } from '../support/live.ts';
import { eventually, sleep } from '../support/eventually.ts';
import { skipUnlessIsolated, startMediaServer } from '../support/media.ts';
import type { TestServer } from '../support/server.ts';
import { WrtcParticipant } from '../support/wrtc-peer.ts';

/** Audio energy and video frames `viewer` receives from `from` over `ms` (0 when no slot carries `from`). */
async function received(viewer: WrtcParticipant, from: string, ms = 600): Promise<{ energy: number; frames: number }> {
  const read = async () => {
    const stats = await viewer.inbound();
    return { energy: stats.get(viewer.midOf('audio', from) ?? '')?.energy ?? 0, frames: stats.get(viewer.midOf('video', from) ?? '')?.frames ?? 0 };
  };
  const a = await read();
  await sleep(ms);
  const b = await read();
  return { energy: b.energy - a.energy, frames: b.frames - a.frames };
}

/** Everything `viewer`'s slots receive over `ms` apart from the slots carrying `allowed` (packets, all kinds). */
async function strayPackets(viewer: WrtcParticipant, allowed: readonly string[], ms = 1000): Promise<number> {
  const carrying = () => {
    const mids = new Set<string>();
    for (const kind of ['audio', 'video'] as const) viewer.slots?.[kind].forEach((uuid, i) => uuid !== '' && allowed.includes(uuid) && mids.add(viewer.layout![kind][i]!));
    return mids;
  };
  const before = await viewer.inbound();
  await sleep(ms);
  const later = await viewer.inbound();
  const ok = carrying();
  let stray = 0;
  for (const [mid, stats] of later) if (!ok.has(mid) && mid !== viewer.layout?.content) stray += stats.packets - (before.get(mid)?.packets ?? 0);
  return stray;
}

const hears = async (viewer: WrtcParticipant, from: WrtcParticipant) =>
  eventually(async () => {
    const got = await received(viewer, from.uuid);
    assert.ok(got.energy > 0.001 && got.frames > 0, `${viewer.uuid} hears and sees ${from.uuid}: ${JSON.stringify(got)}`);
  }, 15_000);

describe('breakout rooms: separate media per room through the SFU', { skip: skipUnlessIsolated() }, () => {
  let t: TestServer;
  let number = '';
  let host: RestClient;
  const peers: WrtcParticipant[] = [];
  let owner: WrtcParticipant, a1: WrtcParticipant, a2: WrtcParticipant, b1: WrtcParticipant, b2: WrtcParticipant;
  let rooms: string[] = [];
  let answers: string[] = [];

  before(async () => {
    t = await startMediaServer();
    await t.createUser('bo-media-owner', 'owner-pw-1');
    const token = await t.signIn('bo-media-owner', 'owner-pw-1', 'bom-owner');
    const meeting = await instantMeeting(t, token, 'bom-owner');
    number = meeting.meeting_number;
    host = restFor(t, 'bom-owner', token);
    const join = async (clientId: string, name: string, extra: { token?: string } = {}) =>
      new WrtcParticipant(await joinAs(t, { meeting_number: number, client_id: clientId, display_name: name, passcode: meeting.meeting_password, ...extra }));
    owner = await join('bom-owner', 'Olga', { token });
    a1 = await join('bom-a1', 'Ann');
    a2 = await join('bom-a2', 'Abe');
    b1 = await join('bom-b1', 'Ben');
    b2 = await join('bom-b2', 'Bea');
    peers.push(owner, a1, a2, b1, b2);
    await Promise.all(peers.map((p) => p.start()));
    answers = peers.map((p) => p.answerSdp);
  });
  after(async () => {
    for (const p of peers) p.close();
    await closeAll(peers.map((p) => p.signal));
    await t?.close();
  });

  it('before the rooms open, everyone hears everyone', async () => {
    await hears(a1, b1);
    await hears(b2, a2);
  });

  it('in room 1 one hears and sees room 1 only: not room 2, not the main meeting', async () => {
    await host.createBreakouts(number, 2);
    rooms = (await host.breakouts(number)).rooms.map((r) => r.id);
    await host.assignBreakouts(number, { [a1.uuid]: rooms[0]!, [a2.uuid]: rooms[0]!, [b1.uuid]: rooms[1]!, [b2.uuid]: rooms[1]! });
    await host.openBreakouts(number, 0);
    const members = { [a1.uuid]: [a2.uuid], [a2.uuid]: [a1.uuid], [b1.uuid]: [b2.uuid], [b2.uuid]: [b1.uuid], [owner.uuid]: [] as string[] };
    // The slots now carry room members only …
    for (const viewer of peers) {
      await eventually(() => {
        const carried = [...(viewer.slots?.audio ?? []), ...(viewer.slots?.video ?? [])].filter((u) => u !== '');
        assert.deepEqual([...new Set(carried)].sort(), [...members[viewer.uuid]!].sort(), `${viewer.uuid}'s slots: ${JSON.stringify(viewer.slots)}`);
      });
    }
    await hears(a1, a2);
    await hears(a2, a1);
    await hears(b1, b2);
    // … and nothing else arrives on any slot: the SFU forwards no packet across rooms.
    for (const viewer of peers) assert.equal(await strayPackets(viewer, members[viewer.uuid]!), 0, `${viewer.uuid} receives nothing from outside its room`);
    // Moving took no new connection: nobody published again (same answers), and media flowed on the old ones.
    assert.deepEqual(peers.map((p) => p.answerSdp), answers);
  });

  it('a host who visits room 2 hears and sees room 2, and is heard there; back in the main meeting, nothing', async () => {
    await owner.signal.visitBreakout(rooms[1]!);
    await hears(owner, b1);
    await hears(b2, owner);
    assert.equal(owner.midOf('audio', a1.uuid), undefined, 'room 1 is not heard in room 2');
    await owner.signal.visitBreakout('');
    await eventually(() => assert.equal(b1.midOf('audio', owner.uuid), undefined, 'the host left room 2'));
  });

  it('closing brings everyone back: room 1 hears room 2 and the main meeting again', async () => {
    await host.closeBreakouts(number, 0);
    await hears(a1, b1);
    await hears(b2, a2);
    await hears(a1, owner);
  });

  it('the timer closes the rooms by itself, and after the grace period everyone is back', async () => {
    a1.signal.mark();
    await host.openBreakouts(number, 2, 1);
    await eventually(() => assert.equal(a1.midOf('audio', b1.uuid), undefined, 'room 1 no longer hears room 2'));
    const closing = await a1.signal.waitFor('breakout', (e) => e.state === 'closing', 10_000);
    assert.equal(closing.your_room, rooms[0]);
    await a1.signal.waitFor('breakout', (e) => e.state === 'planned', 10_000);
    await hears(a1, b1);
    await hears(b1, a2);
  });
});

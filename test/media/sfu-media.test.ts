/**
 * The SFU with real WebRTC peers (@roamhq/wrtc in this process: libwebrtc encoding VP8 and Opus) joined through the
 * signalling protocol: media flows between participants, and the host's controls act on the media itself. Runs only
 * in a loopback-only network namespace (scripts/test.ts: unshare -n).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { RestClient } from '../../sdk/rest-client.ts';
import { closeAll, instantMeeting, joinAs, restFor } from '../support/live.ts';
import { eventually, sleep } from '../support/eventually.ts';
import { mediaWorkerPids, skipUnlessIsolated, startMediaServer } from '../support/media.ts';
import { SignalError } from '../../sdk/signal-client.ts';
import type { TestServer } from '../support/server.ts';
import { WrtcParticipant, type SlotStats } from '../support/wrtc-peer.ts';

const OWNER = { username: 'sfu-owner', password: 'owner-pw-1' };


/** Packets received on the slot carrying `from`'s media at `viewer`, twice `ms` apart: [before, after]. */
async function flow(viewer: WrtcParticipant, kind: 'audio' | 'video', from: string, ms = 1000): Promise<[number, number]> {
  const count = async () => {
    const mid = viewer.midOf(kind, from);
    const stats: SlotStats | undefined = mid === undefined ? undefined : (await viewer.inbound()).get(mid);
    return stats?.packets ?? 0;
  };
  const a = await count();
  await sleep(ms);
  return [a, await count()];
}

describe('SFU: media between participants, enforced by the host controls', { skip: skipUnlessIsolated() }, () => {
  let t: TestServer;
  let number = '';
  let passcode = '';
  let host: RestClient;
  const peers: WrtcParticipant[] = [];

  before(async () => {
    t = await startMediaServer();
    await t.createUser(OWNER.username, OWNER.password);
    const token = await t.signIn(OWNER.username, OWNER.password, 'sfu-owner-device');
    const meeting = await instantMeeting(t, token, 'sfu-owner-device');
    number = meeting.meeting_number;
    passcode = meeting.meeting_password;
    host = restFor(t, 'sfu-owner-device', token);
    const join = async (clientId: string, name: string, extra: { token?: string } = {}) =>
      new WrtcParticipant(await joinAs(t, { meeting_number: number, client_id: clientId, display_name: name, passcode: meeting.meeting_password, ...extra }));
    peers.push(await join('sfu-owner-device', 'Olga', { token }), await join('sfu-b', 'Bo'), await join('sfu-c', 'Cy'));
    await Promise.all(peers.map((p) => p.start()));
  });
  after(async () => {
    for (const p of peers) p.close();
    await closeAll(peers.map((p) => p.signal));
    await t?.close();
  });

  it('the publish answer caps each video at the meeting’s call rate (2048K by default)', () => {
    for (const p of peers) {
      const video = p.answerSdp.slice(p.answerSdp.indexOf('m=video'));
      assert.match(video, /\r\nb=AS:2048\r\n/);
      assert.match(video, /\r\nb=TIAS:2048000\r\n/);
    }
  });

  it('every participant receives the others’ audio and video (and never its own)', async () => {
    for (const viewer of peers) {
      for (const other of peers) {
        if (other === viewer) {
          assert.equal(viewer.midOf('video', other.uuid), undefined, 'nobody is sent their own video');
          continue;
        }
        await eventually(async () => {
          const mid = viewer.midOf('video', other.uuid);
          assert.ok(mid, `${viewer.uuid} has a video slot for ${other.uuid}: ${JSON.stringify(viewer.slots)}`);
          const stats = (await viewer.inbound()).get(mid);
          assert.ok((stats?.frames ?? 0) > 0, `${viewer.uuid} decodes ${other.uuid}'s video: ${JSON.stringify(stats)}`);
        });
        await eventually(async () => {
          const [a, b] = await flow(viewer, 'audio', other.uuid, 500);
          assert.ok(b > a, `${viewer.uuid} receives ${other.uuid}'s audio (${a} → ${b})`);
        });
      }
    }
  });

  it('the media worker receives each publisher on a socket with an enlarged receive buffer (2 MiB, capped by rmem_max)', () => {
    const [worker] = mediaWorkerPids();
    assert.ok(worker, 'the media worker runs');
    // The kernel doubles what it grants (for its bookkeeping): min(2 MiB, net.core.rmem_max) × 2.
    const expected = Math.min(2 * 1024 * 1024, Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'))) * 2;
    const sockets = execFileSync('ss', ['-uanmp'], { encoding: 'utf8' })
      .split('\n')
      .filter((line, i, lines) => line.includes(`pid=${worker},`) || lines[i - 1]?.includes(`pid=${worker},`));
    const buffers = sockets.join(' ').match(/rb(\d+)/g)?.map((m) => Number(m.slice(2))) ?? [];
    // Three publishers: three sockets with the larger buffer; the others (subscriber connections) keep the default.
    assert.equal(buffers.filter((rb) => rb === expected).length, 3, `receive buffers of the worker's sockets: ${buffers.join(', ')}`);
  });

  it('GET /api/v1/system/status shows the media worker ready and carrying the meeting (the console’s System page)', async () => {
    const r = await t.call('GET', '/api/v1/system/status', { query: { client_id: 'admin-console', token: await t.adminToken() } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.media.enabled, true);
    assert.equal(r.body.media.running, true);
    assert.equal(r.body.media.workers.length, 1, r.text);
    assert.deepEqual({ ...r.body.media.workers[0], rss: 0 }, { id: r.body.media.workers[0].id, state: 'ready', rooms: 1, rss: 0 });
  });

  it('a participant who only watches (subscribes, publishes nothing) receives everyone at once', async () => {
    const watcher = new WrtcParticipant(await joinAs(t, { meeting_number: number, client_id: 'sfu-watcher', display_name: 'Wat', passcode }));
    try {
      await watcher.subscribe();
      for (const other of peers) {
        await eventually(async () => {
          const mid = watcher.midOf('video', other.uuid);
          assert.ok(mid, `a tile for ${other.uuid}: ${JSON.stringify(watcher.slots)}`);
          assert.ok(((await watcher.inbound()).get(mid)?.frames ?? 0) > 0, 'its frames decode');
        });
      }
    } finally {
      watcher.close();
      await closeAll([watcher.signal]);
    }
  });

  it('a participant muted by the host is heard by nobody, whatever its client sends; unmuted, it is heard again', async () => {
    const [owner, bo, cy] = peers as [WrtcParticipant, WrtcParticipant, WrtcParticipant];
    // Bo's client keeps sending audio: the SFU must drop it.
    await host.mute(number, [bo.uuid]);
    for (const viewer of [owner, cy]) {
      await eventually(() => assert.equal(viewer.midOf('audio', bo.uuid), undefined, `no audio slot of ${viewer.uuid} carries Bo`));
    }
    // Every audio slot that is still fed carries someone else: nothing of Bo's arrives anywhere.
    const before = await cy.inbound();
    await sleep(1000);
    const later = await cy.inbound();
    const carrying = new Set(cy.layout!.audio.filter((_, i) => cy.slots!.audio[i] !== ''));
    for (const mid of cy.layout!.audio) {
      if (carrying.has(mid)) continue;
      assert.equal(later.get(mid)?.packets ?? 0, before.get(mid)?.packets ?? 0, `audio slot ${mid} is silent`);
    }
    await host.unmute(number, [bo.uuid]);
    await eventually(async () => {
      const [a, b] = await flow(cy, 'audio', bo.uuid, 500);
      assert.ok(b > a, `Cy hears Bo again (${a} → ${b})`);
    });
  });

  it('a pin puts the pinned participant in every viewer’s large slot (video slot 0)', async () => {
    const [owner, bo, cy] = peers as [WrtcParticipant, WrtcParticipant, WrtcParticipant];
    await host.pin(number, cy.uuid);
    for (const viewer of [owner, bo]) {
      await eventually(() => assert.equal(viewer.slots?.video[0], cy.uuid, `${viewer.uuid}'s large slot shows Cy`));
      await eventually(async () => {
        const stats = (await viewer.inbound()).get(viewer.layout!.video[0]!);
        assert.ok((stats?.frames ?? 0) > 0);
      });
    }
    await host.unpin(number);
    await host.setLecturer(number, bo.uuid);
    for (const viewer of [owner, cy]) await eventually(() => assert.equal(viewer.slots?.video[0], bo.uuid, 'the lecturer is large'));
  });

  it('a participant who turns the camera off is shown to nobody (the SFU stops forwarding it)', async () => {
    const [owner, bo, cy] = peers as [WrtcParticipant, WrtcParticipant, WrtcParticipant];
    await host.unpin(number).catch(() => undefined);
    await host.setLecturer(number, '').catch(() => undefined);
    await cy.signal.mute({ video: true });
    for (const viewer of [owner, bo]) await eventually(() => assert.equal(viewer.midOf('video', cy.uuid), undefined, 'no tile carries Cy'));
    await cy.signal.mute({ video: false });
    for (const viewer of [owner, bo]) await eventually(() => assert.ok(viewer.midOf('video', cy.uuid), 'Cy is back'));
  });

  it('a screen share reaches the others in their content slot; stopping empties it', async () => {
    const [owner, bo, cy] = peers as [WrtcParticipant, WrtcParticipant, WrtcParticipant];
    await bo.share(true);
    for (const viewer of [owner, cy]) {
      await eventually(() => assert.equal(viewer.slots?.content, bo.uuid));
      await eventually(async () => assert.ok(((await viewer.inbound()).get(viewer.layout!.content)?.frames ?? 0) > 0, 'content frames decode'));
    }
    assert.equal(bo.slots?.content, '', 'the sharer is not sent its own share');
    await bo.share(false);
    for (const viewer of [owner, cy]) await eventually(() => assert.equal(viewer.slots?.content, ''));
  });

  it('when the host lets only hosts share, a guest’s screen reaches nobody although its client keeps sending it; a host’s does', async () => {
    const [owner, bo, cy] = peers as [WrtcParticipant, WrtcParticipant, WrtcParticipant];
    await bo.share(true);
    for (const viewer of [owner, cy]) await eventually(() => assert.equal(viewer.slots?.content, bo.uuid));
    await host.setSharePolicy(number, 'hosts');
    for (const viewer of [owner, cy]) await eventually(() => assert.equal(viewer.slots?.content, ''));
    // Bo's content track is still on its publisher connection: nothing of it arrives on the content slot.
    const before = (await cy.inbound()).get(cy.layout!.content)?.packets ?? 0;
    await sleep(1000);
    assert.equal((await cy.inbound()).get(cy.layout!.content)?.packets ?? 0, before, 'the content slot is silent');
    await assert.rejects(bo.share(true), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000006' && /only hosts/.test(e.message));
    await owner.share(true);
    await eventually(() => assert.equal(cy.slots?.content, owner.uuid));
    await eventually(async () => assert.ok(((await cy.inbound()).get(cy.layout!.content)?.packets ?? 0) > before, 'the host’s screen arrives'));
    await owner.share(false);
    await bo.share(false);
    await host.setSharePolicy(number, 'everyone');
  });

  it('refuses a publish offer that is not SDP with a clear error, and the connection stays usable', async () => {
    const bo = peers[1]!;
    await assert.rejects(bo.signal.publish('not an sdp'), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000001' && /sdp/.test(e.message));
    await bo.signal.ping();
  });

  it('a media worker that dies takes no meeting down: everyone is told to reconnect and media flows again', async () => {
    const [owner, bo, cy] = peers as [WrtcParticipant, WrtcParticipant, WrtcParticipant];
    const [pid] = mediaWorkerPids();
    assert.ok(pid, 'the media worker runs');
    const restarts = peers.map((p) => p.signal.waitFor('media.restart', undefined, 15_000));
    process.kill(pid, 'SIGKILL');
    await Promise.all(restarts);
    for (const p of peers) assert.equal(p.signal.connected, true, 'signalling stays up');
    // A replacement worker starts after a short backoff; the clients publish and subscribe again.
    await eventually(async () => {
      await Promise.all(peers.map((p) => p.start()));
    }, 20_000);
    await eventually(async () => {
      const [a, b] = await flow(owner, 'audio', cy.uuid, 500);
      assert.ok(b > a, 'the owner hears Cy again');
    });
    await eventually(async () => assert.ok(((await bo.inbound()).get(bo.midOf('video', owner.uuid) ?? '')?.frames ?? 0) > 0, 'Bo sees the owner again'));
  });
});
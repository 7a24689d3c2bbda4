import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { listLiveMeetings, liveMeetingDetail } from '../../contract/rest/meeting-control.ts';
import type { EventOf, EventType, ServerEvent } from '../../contract/signal/protocol.ts';
import { type RestClient, RestError } from '../../sdk/rest-client.ts';
import { JoinError, type SignalClient, SignalError } from '../../sdk/signal-client.ts';
import { closeAll, instantMeeting, joinAs, restFor } from '../support/live.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * The meeting-control API (contract/rest/meeting-control.ts) against participants connected over the signalling
 * protocol: every call is seen by exactly the participants docs/protocol.md's last table names, and by nobody else.
 * Absence is asserted after the positive events arrived and a ping round trip per participant: the server sends a
 * call's events before it answers the call, so anything still missing after the pong was never sent. SQLite only:
 * nothing here depends on the database.
 */

const OWNER = { username: 'ctl-owner', password: 'owner-pw-1' };
const OPERATOR = { username: 'ctl-operator', password: 'operator-pw-1' };
const OUTSIDER = { username: 'ctl-outsider', password: 'outsider-pw-1' };
const USERS = [1, 2, 3].map((i) => ({ username: `ctl-user${i}`, password: `user-pw-${i}` }));

let t: TestServer;
const tokens = { owner: '', operator: '', outsider: '', admin: '', users: [] as string[] };
let operator: RestClient;

before(async () => {
  t = await startTestServer('sqlite');
  await t.createUser(OWNER.username, OWNER.password);
  await t.createUser(OPERATOR.username, OPERATOR.password, 'MeetingOperator');
  await t.createUser(OUTSIDER.username, OUTSIDER.password);
  for (const u of USERS) await t.createUser(u.username, u.password);
  tokens.owner = await t.signIn(OWNER.username, OWNER.password, 'owner-device');
  tokens.operator = await t.signIn(OPERATOR.username, OPERATOR.password, 'operator-console');
  tokens.outsider = await t.signIn(OUTSIDER.username, OUTSIDER.password, 'outsider-device');
  tokens.admin = await t.adminToken();
  for (const u of USERS) tokens.users.push(await t.signIn(u.username, u.password, `${u.username}-device`));
  operator = restFor(t, 'operator-console', tokens.operator);
});
after(() => t.close());

/** A live instant meeting of OWNER with its participants connected; stopped and disconnected when the test ends. */
interface Meeting {
  number: string;
  password: string;
  owner: SignalClient;
  /** SystemAdmin in the meeting (a host that is not the owner), when asked for. */
  admin?: SignalClient;
  users: SignalClient[];
  guests: SignalClient[];
  /** Everyone connected at the start, owner first. */
  all: SignalClient[];
  /** The owner's REST client, with the owner's participant client_id. */
  host: RestClient;
  /** Joins one more participant (cleaned up with the rest). */
  join(clientId: string, displayName: string, token?: string): Promise<SignalClient>;
}

const id = (c: SignalClient): string => c.self!.uuid;
const ids = (cs: SignalClient[]): string[] => cs.map(id);

async function meeting(ctx: TestContext, prefix: string, options: { users?: number; guests?: number; admin?: boolean } = {}): Promise<Meeting> {
  const ownerId = `${prefix}-owner`;
  const { meeting_number: number, meeting_password: password } = await instantMeeting(t, tokens.owner, ownerId, `${prefix} meeting`);
  const extra: SignalClient[] = [];
  const host = restFor(t, ownerId, tokens.owner);
  ctx.after(async () => {
    await host.stop(number).catch(() => undefined);
    await closeAll([...all, ...extra]);
  });
  const join = async (clientId: string, displayName: string, token?: string) => {
    const c = await joinAs(t, { meeting_number: number, client_id: clientId, display_name: displayName, passcode: password, ...(token ? { token } : {}) });
    extra.push(c);
    return c;
  };
  const all: SignalClient[] = [];
  const owner = await joinAs(t, { meeting_number: number, client_id: ownerId, display_name: 'Owner', token: tokens.owner });
  all.push(owner);
  const [admin, users, guests] = await Promise.all([
    options.admin ? joinAs(t, { meeting_number: number, client_id: `${prefix}-admin`, display_name: 'Admin', token: tokens.admin }) : undefined,
    Promise.all(
      Array.from({ length: options.users ?? 2 }, (_, i) =>
        joinAs(t, { meeting_number: number, client_id: `${prefix}-u${i + 1}`, display_name: `User ${i + 1}`, token: tokens.users[i % USERS.length]!, passcode: password }),
      ),
    ),
    Promise.all(
      Array.from({ length: options.guests ?? 3 }, (_, i) =>
        joinAs(t, { meeting_number: number, client_id: `${prefix}-g${i + 1}`, display_name: `Guest ${i + 1}`, passcode: password }),
      ),
    ),
  ]);
  if (admin) all.push(admin);
  all.push(...users, ...guests);
  await everyoneSees(all, all.length);
  // A roster batch of the last joins may still be on its way (batches leave 20 ms after the change): let it land.
  await new Promise((resolve) => setTimeout(resolve, 60));
  await quiet(all);
  return { number, password, owner, ...(admin ? { admin } : {}), users, guests, all, host, join };
}

/** Resolves once `test()` holds for the client's state, checking after each event of `types`. */
function until(c: SignalClient, types: EventType[], test: () => boolean, timeoutMs = 5000): Promise<void> {
  if (test()) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const offs: Array<() => void> = [];
    const done = (error?: Error) => {
      clearTimeout(timer);
      for (const off of offs) off();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`${c.self?.uuid}: state not reached within ${timeoutMs} ms`)), timeoutMs);
    for (const type of types) offs.push(c.on(type, () => test() && done()));
  });
}

/** Waits until every client was told the meeting has `n` participants and holds a roster of `n`. */
async function everyoneSees(clients: SignalClient[], n: number): Promise<void> {
  await Promise.all(clients.map((c) => until(c, ['participant.count', 'roster'], () => c.participantCount === n && c.roster.size === n)));
}

/** The events each client receives from now on; also mark()s every client for waitFor(). */
class Watch {
  private readonly start = new Map<SignalClient, number>();

  constructor(clients: SignalClient[]) {
    for (const c of clients) {
      this.start.set(c, c.events.length);
      c.mark();
    }
  }

  of<T extends EventType>(c: SignalClient, type: T): EventOf<T>[] {
    const from = this.start.get(c) ?? 0;
    return c.events.slice(from).filter((e: ServerEvent): e is EventOf<T> => e.type === type);
  }

  /** Asserts that none of `clients` received an event of `type` (call after quiet()). */
  none(clients: SignalClient[], type: EventType): void {
    for (const c of clients) assert.deepEqual(this.of(c, type), [], `${id(c)} must not receive ${type}`);
  }
}

/** One ping round trip per connected client: every event sent before it has been received. */
async function quiet(clients: SignalClient[]): Promise<void> {
  await Promise.all(clients.filter((c) => c.connected).map((c) => c.ping()));
}

async function rejectsWith(p: Promise<unknown>, status: number, errorCode: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof RestError, String(e));
    assert.equal(e.status, status, e.message);
    assert.equal(e.errorCode, errorCode, e.message);
    return true;
  });
}

const without = (all: SignalClient[], ...out: SignalClient[]) => all.filter((c) => !out.includes(c));

describe('meeting control: mute', () => {
  it('mute_all by an operator outside the meeting mutes everyone but the hosts and the exclusions; joiners are muted; unmute_all lifts it', async (ctx) => {
    const m = await meeting(ctx, 'muteall', { admin: true, users: 2, guests: 3 });
    const [g1, g2, g3] = m.guests as [SignalClient, SignalClient, SignalClient];
    const spared = [m.owner, m.admin!, g3];
    const targets = without(m.all, ...spared);
    const w = new Watch(m.all);

    await operator.muteAll(m.number, { exclusions: [id(g3)] });
    const locks = await Promise.all(targets.map((c) => c.waitFor('mute.lock')));
    for (const e of locks) assert.deepEqual({ muted: e.muted, allow: e.allow_self_unmute }, { muted: true, allow: true }, 'allow_self_unmute defaults to true');
    const rosters = await Promise.all(m.all.map((c) => c.waitFor('roster', (e) => e.all_audio_mute !== undefined)));
    for (const r of rosters) {
      assert.equal(r.full, false);
      assert.deepEqual({ ...r.all_audio_mute!, except: [...r.all_audio_mute!.except].sort() }, { muted: true, except: ids(spared).sort() });
    }
    await quiet(m.all);
    w.none(spared, 'mute.lock');
    for (const c of targets) assert.equal(w.of(c, 'mute.lock').length, 1, `${id(c)}: one mute.lock`);
    for (const c of m.all) {
      for (const p of m.all) assert.equal(c.roster.get(id(p))?.audio_mute, targets.includes(p), `${id(c)} sees ${id(p)}`);
    }

    // A participant joining while mute_all holds is muted on entry; a host is not.
    const late = await m.join('muteall-late', 'Late guest');
    assert.equal(late.self?.audio_mute, true);
    assert.deepEqual(late.muteLock && { muted: late.muteLock.muted, allow: late.muteLock.allow_self_unmute }, { muted: true, allow: true });
    const lateHost = await m.join('muteall-operator', 'Operator', tokens.operator);
    assert.equal(lateHost.self?.audio_mute, false);
    assert.equal(lateHost.muteLock, undefined);

    // Allowed to unmute themselves (the default): g1 does, which lifts its host mute.
    g1.mark();
    await g1.mute({ audio: false });
    assert.deepEqual(await g1.waitFor('mute.lock'), { type: 'mute.lock', muted: false, allow_self_unmute: true });
    const now = [...m.all, late, lateHost];
    await everyoneSees(now, now.length);
    await Promise.all(now.map((c) => (c.roster.get(id(g1))?.audio_mute === false ? undefined : c.waitFor('roster', (e) => e.participants.some((p) => p.uuid === id(g1))))));

    // unmute_all: those still under a host mute get mute.lock unmuted; the rest hear nothing but the roster.
    const w2 = new Watch(now);
    await operator.unmuteAll(m.number);
    const stillMuted = [...without(targets, g1), late];
    for (const c of stillMuted) assert.deepEqual(await c.waitFor('mute.lock'), { type: 'mute.lock', muted: false, allow_self_unmute: true });
    await Promise.all(now.map((c) => c.waitFor('roster', (e) => e.all_audio_mute?.muted === false)));
    await quiet(now);
    w2.none(without(now, ...stillMuted), 'mute.lock');
    for (const c of now) for (const p of now) assert.equal(c.roster.get(id(p))?.audio_mute, false, `${id(c)} sees ${id(p)} unmuted`);

    // After unmute_all, joiners are no longer muted.
    const after = await m.join('muteall-after', 'After guest');
    assert.equal(after.self?.audio_mute, false);
    assert.equal(after.muteLock, undefined);
    assert.ok(g2.connected);
  });

  it('mute without allow_self_unmute defaults to true; with false the target cannot unmute itself (0x10000006); unmute lifts it', async (ctx) => {
    const m = await meeting(ctx, 'mute', { users: 2, guests: 2 });
    const [u1, u2] = m.users as [SignalClient, SignalClient];
    const [g1] = m.guests as [SignalClient];

    // allow_self_unmute false: u1 and g1 are locked.
    let w = new Watch(m.all);
    await m.host.mute(m.number, [id(u1), id(g1)], false);
    for (const c of [u1, g1]) assert.deepEqual(await c.waitFor('mute.lock'), { type: 'mute.lock', muted: true, allow_self_unmute: false });
    await Promise.all(m.all.map((c) => c.waitFor('roster', (e) => e.participants.filter((p) => p.audio_mute).length === 2)));
    await quiet(m.all);
    w.none(without(m.all, u1, g1), 'mute.lock');
    for (const c of m.all) assert.deepEqual([...c.roster.values()].filter((p) => p.audio_mute).map((p) => p.uuid).sort(), ids([u1, g1]).sort());
    for (const c of [u1, g1]) {
      await assert.rejects(c.mute({ audio: false }), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000006');
    }
    // The camera is still theirs.
    await g1.mute({ video: true });

    // Without the flag (the Windows app): allowed to unmute itself.
    w = new Watch(m.all);
    await m.host.mute(m.number, [id(u2)]);
    assert.deepEqual(await u2.waitFor('mute.lock'), { type: 'mute.lock', muted: true, allow_self_unmute: true });
    await quiet(m.all);
    w.none(without(m.all, u2), 'mute.lock');
    await u2.mute({ audio: false });
    assert.deepEqual(await u2.waitFor('mute.lock'), { type: 'mute.lock', muted: false, allow_self_unmute: true });
    await Promise.all(m.all.map((c) => c.waitFor('roster', (e) => e.participants.some((p) => p.uuid === id(u2) && !p.audio_mute))));

    // unmute: the locked ones are told, nobody else.
    w = new Watch(m.all);
    await m.host.unmute(m.number, [id(u1), id(g1)]);
    for (const c of [u1, g1]) assert.deepEqual(await c.waitFor('mute.lock'), { type: 'mute.lock', muted: false, allow_self_unmute: true });
    await Promise.all(m.all.map((c) => c.waitFor('roster', (e) => e.participants.some((p) => p.uuid === id(g1) && !p.audio_mute))));
    await quiet(m.all);
    w.none(without(m.all, u1, g1), 'mute.lock');
    for (const c of m.all) assert.deepEqual([...c.roster.values()].filter((p) => p.audio_mute), []);
    assert.equal(m.owner.roster.get(id(g1))?.video_mute, true);

    // Unknown participant → 404; a non-host signed-in participant → 403; no token → 401.
    await rejectsWith(m.host.mute(m.number, ['nobody-here']), 404, '0x10000004');
    await rejectsWith(restFor(t, id(u1), tokens.users[0]).mute(m.number, [id(u2)]), 403, '0x10000003');
    await rejectsWith(restFor(t, id(g1)).mute(m.number, [id(u2)]), 401, '0x10000002');
  });

  it('mute_all with ~30 participants: each non-host gets one mute.lock, everyone one compact roster delta', async (ctx) => {
    const m = await meeting(ctx, 'crowd', { users: 3, guests: 26 });
    assert.equal(m.all.length, 30);
    const excluded = m.guests.slice(0, 2);
    const spared = [m.owner, ...excluded];
    const targets = without(m.all, ...spared);
    const w = new Watch(m.all);
    await m.host.muteAll(m.number, { allow_self_unmute: false, exclusions: ids(excluded) });
    await Promise.all(targets.map((c) => c.waitFor('mute.lock', (e) => e.muted && !e.allow_self_unmute)));
    await Promise.all(m.all.map((c) => c.waitFor('roster', (e) => e.all_audio_mute?.muted === true)));
    await quiet(m.all);
    w.none(spared, 'mute.lock');
    for (const c of m.all) {
      assert.equal(w.of(c, 'mute.lock').length, targets.includes(c) ? 1 : 0);
      const deltas = w.of(c, 'roster');
      assert.equal(deltas.length, 1, `${id(c)}: one roster delta, not one per participant`);
      assert.deepEqual(deltas[0]!.participants, []);
      assert.equal([...c.roster.values()].filter((p) => p.audio_mute).length, targets.length);
    }
    await assert.rejects(targets[5]!.mute({ audio: false }), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000006');
    const late = await m.join('crowd-late', 'Late');
    assert.deepEqual(late.muteLock && { muted: late.muteLock.muted, allow: late.muteLock.allow_self_unmute }, { muted: true, allow: false });
  });
});

describe('meeting control: asking for the floor', () => {
  it('request_unmute (REST, token-less guest) and hand → unmute.requested to the hosts only; allow_unmute and allow_unmute_all → unmute.allowed to the requesters', async (ctx) => {
    const m = await meeting(ctx, 'floor', { admin: true, users: 2, guests: 2 });
    const [u1, u2] = m.users as [SignalClient, SignalClient];
    const [g1, g2] = m.guests as [SignalClient, SignalClient];
    const hosts = [m.owner, m.admin!];
    const nonHosts = without(m.all, ...hosts);
    // Locked so that the grant matters: nobody may unmute themselves yet.
    await m.host.muteAll(m.number, { allow_self_unmute: false });
    await Promise.all(nonHosts.map((c) => c.waitFor('mute.lock')));
    await assert.rejects(g1.mute({ audio: false }), SignalError);

    let w = new Watch(m.all);
    await restFor(t, id(g1)).requestUnmute(m.number);
    for (const h of hosts) assert.deepEqual((await h.waitFor('unmute.requested')).requests, [{ uuid: id(g1), display_name: 'Guest 1' }]);
    await u1.raiseHand();
    for (const h of hosts) {
      const e = await h.waitFor('unmute.requested', (r) => r.requests.length === 2);
      assert.deepEqual(e.requests.map((r) => r.uuid).sort(), ids([g1, u1]).sort());
    }
    await Promise.all(m.all.map((c) => c.waitFor('roster', (e) => e.participants.some((p) => p.uuid === id(u1) && p.hand_raised))));
    await quiet(m.all);
    w.none(nonHosts, 'unmute.requested');
    assert.equal(m.owner.roster.get(id(g1))?.hand_raised, true);

    // A participant asks for itself only: a signed-in user's REST request names its own client_id; others → 403.
    await rejectsWith(restFor(t, 'floor-not-in-meeting').requestUnmute(m.number), 403, '0x10000003');

    // allow_unmute: g1 only.
    w = new Watch(m.all);
    await operator.allowUnmute(m.number, [id(g1)]);
    await g1.waitFor('unmute.allowed');
    assert.deepEqual(await g1.waitFor('mute.lock'), { type: 'mute.lock', muted: true, allow_self_unmute: true });
    for (const h of hosts) assert.deepEqual((await h.waitFor('unmute.requested')).requests, [{ uuid: id(u1), display_name: 'User 1' }]);
    await quiet(m.all);
    w.none(without(m.all, g1), 'unmute.allowed');
    w.none(without(m.all, g1), 'mute.lock');
    w.none(nonHosts, 'unmute.requested');
    await g1.mute({ audio: false });
    await assert.rejects(g2.mute({ audio: false }), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000006');

    // allow_unmute_all: the open requests (u1), nobody else.
    w = new Watch(m.all);
    await m.host.allowUnmuteAll(m.number);
    await u1.waitFor('unmute.allowed');
    for (const h of hosts) assert.deepEqual((await h.waitFor('unmute.requested')).requests, []);
    await quiet(m.all);
    w.none(without(m.all, u1), 'unmute.allowed');
    await u1.mute({ audio: false });
    await assert.rejects(u2.mute({ audio: false }), SignalError);
    await Promise.all(m.all.map((c) => c.waitFor('roster', (e) => e.participants.some((p) => p.uuid === id(u1) && !p.audio_mute && !p.hand_raised))));
  });
});

describe('meeting control: names, overlay, lecturer, pins, layout', () => {
  it('participant: a host renames anyone, a guest renames itself without a token, not others (403)', async (ctx) => {
    const m = await meeting(ctx, 'rename', { users: 2, guests: 3 });
    const [u1, u2] = m.users as [SignalClient, SignalClient];
    const [g1, g2, g3] = m.guests as [SignalClient, SignalClient, SignalClient];

    let w = new Watch(m.all);
    await m.host.rename(m.number, id(g1), 'Renamed by host');
    assert.equal((await g1.waitFor('meeting.info')).display_name, 'Renamed by host');
    await Promise.all(m.all.map((c) => c.waitFor('roster', (e) => e.participants.some((p) => p.uuid === id(g1) && p.display_name === 'Renamed by host'))));
    await quiet(m.all);
    w.none(without(m.all, g1), 'meeting.info');
    assert.equal(g1.self?.display_name, 'Renamed by host');

    w = new Watch(m.all);
    await restFor(t, id(g2)).rename(m.number, id(g2), '  Guest two  ');
    assert.equal((await g2.waitFor('meeting.info')).display_name, 'Guest two');
    await Promise.all(m.all.map((c) => c.waitFor('roster', (e) => e.participants.some((p) => p.uuid === id(g2) && p.display_name === 'Guest two'))));
    await quiet(m.all);
    w.none(without(m.all, g2), 'meeting.info');

    // Renaming someone else without host rights: 403, and nothing changes.
    await rejectsWith(restFor(t, id(g2)).rename(m.number, id(g3), 'Hijacked'), 403, '0x10000003');
    await rejectsWith(restFor(t, id(u1), tokens.users[0]).rename(m.number, id(u2), 'Hijacked'), 403, '0x10000003');
    await rejectsWith(m.host.rename(m.number, 'nobody-here', 'Ghost'), 404, '0x10000004');
    await rejectsWith(m.host.rename(m.number, id(g3), '   '), 400, '0x10000009');
    const detail = await m.host.liveMeeting(m.number);
    assert.equal(detail.participants.find((p) => p.client_uuid === id(g3))?.name, 'Guest 3');
    // A signed-in participant renames itself too.
    await restFor(t, id(u1), tokens.users[0]).rename(m.number, id(u1), 'User one');
    assert.equal((await u1.waitFor('meeting.info', (e) => e.display_name === 'User one')).display_name, 'User one');
  });

  it('overlay: start (position, repeat forced to 1 without scrolling, display_speed) and stop reach everyone; joiners see the current one', async (ctx) => {
    const m = await meeting(ctx, 'overlay', { users: 1, guests: 2 });
    let w = new Watch(m.all);
    await m.host.startOverlay(m.number, { content: 'Static notice', position: 50, repeat: 5, enable_scroll: false });
    for (const c of m.all) {
      const e = await c.waitFor('overlay');
      assert.deepEqual(
        { enabled: e.enabled, text: e.text, vertical_position: e.vertical_position, display_repetition: e.display_repetition, display_speed: e.display_speed },
        { enabled: true, text: 'Static notice', vertical_position: 50, display_repetition: 1, display_speed: 'static' },
      );
      assert.equal(e.text_overlay_type, 'global');
    }
    await quiet(m.all);
    for (const c of m.all) assert.equal(w.of(c, 'overlay').length, 1);

    await operator.startOverlay(m.number, { content: 'Scrolling notice', position: 100, repeat: 7 });
    for (const c of m.all) {
      const e = await c.waitFor('overlay', (o) => o.text === 'Scrolling notice');
      assert.deepEqual([e.vertical_position, e.display_repetition, e.display_speed], [100, 7, 'slow']);
    }
    await m.host.startOverlay(m.number, { content: 'Defaults' });
    const d = await m.owner.waitFor('overlay', (o) => o.text === 'Defaults');
    assert.deepEqual([d.vertical_position, d.display_repetition, d.display_speed], [0, 3, 'slow']);

    const late = await m.join('overlay-late', 'Late');
    const shown = late.events.filter((e) => e.type === 'overlay');
    assert.equal(shown.length, 1);
    assert.equal((shown[0] as EventOf<'overlay'>).text, 'Defaults');

    const everyone = [...m.all, late];
    w = new Watch(everyone);
    await m.host.stopOverlay(m.number);
    for (const c of everyone) assert.equal((await c.waitFor('overlay')).enabled, false);
    await rejectsWith(m.host.startOverlay(m.number, { content: 'x', position: 30 as 0 }), 400, '0x10000001');
  });

  it('lecturer set/unset → layout.setting to everyone (rendered per viewer); layout_change → that viewer only', async (ctx) => {
    const m = await meeting(ctx, 'lecturer', { users: 2, guests: 2 });
    const [u1] = m.users as [SignalClient];
    const [g1, g2] = m.guests as [SignalClient, SignalClient];

    let w = new Watch(m.all);
    await m.host.layoutChange(m.number, id(g2), 1, 'speaker');
    assert.deepEqual(await g2.waitFor('layout.setting'), { type: 'layout.setting', lecturer: '', lectures: [], max_cell_count: 1, layout: 'speaker' });
    await quiet(m.all);
    w.none(without(m.all, g2), 'layout.setting');

    w = new Watch(m.all);
    await operator.setLecturer(m.number, id(u1));
    for (const c of m.all) {
      const e = await c.waitFor('layout.setting');
      assert.deepEqual([e.lecturer, e.lectures], [id(u1), [id(u1)]]);
      assert.deepEqual([e.max_cell_count, e.layout], c === g2 ? [1, 'speaker'] : [9, 'auto']);
    }
    const detail = await m.host.liveMeeting(m.number);
    assert.deepEqual(detail.participants.filter((p) => p.lecture).map((p) => p.client_uuid), [id(u1)]);

    await m.host.unsetLecturer(m.number);
    for (const c of m.all) assert.deepEqual((await c.waitFor('layout.setting')).lectures, []);
    await quiet(m.all);
    for (const c of m.all) assert.equal(w.of(c, 'layout.setting').length, 2);
    await rejectsWith(m.host.setLecturer(m.number, 'nobody-here'), 404, '0x10000004');
    await rejectsWith(m.host.layoutChange(m.number, 'nobody-here', 9), 404, '0x10000004');
    assert.ok(g1.connected);
  });

  it('meeting pin → viewers without a pin of their own; per-participant pin/unpin → that viewer only', async (ctx) => {
    const m = await meeting(ctx, 'pin', { users: 2, guests: 2 });
    const [u1, u2] = m.users as [SignalClient, SignalClient];
    const [g1, g2] = m.guests as [SignalClient, SignalClient];

    let w = new Watch(m.all);
    await m.host.pinFor(m.number, id(u1), id(g1));
    assert.deepEqual(await u1.waitFor('pin.changed'), { type: 'pin.changed', pin_speaker_uuid: id(g1), scope: 'participant' });
    await quiet(m.all);
    w.none(without(m.all, u1), 'pin.changed');

    w = new Watch(m.all);
    await operator.pin(m.number, id(g2));
    const followers = without(m.all, u1);
    for (const c of followers) assert.deepEqual(await c.waitFor('pin.changed'), { type: 'pin.changed', pin_speaker_uuid: id(g2), scope: 'meeting' });
    await quiet(m.all);
    w.none([u1], 'pin.changed');

    // Clearing u1's own pin: it follows the meeting pin again.
    w = new Watch(m.all);
    await m.host.unpinFor(m.number, id(u1));
    assert.deepEqual(await u1.waitFor('pin.changed'), { type: 'pin.changed', pin_speaker_uuid: id(g2), scope: 'meeting' });
    await quiet(m.all);
    w.none(followers, 'pin.changed');

    // pinFor with an empty list clears too; a viewer cannot pin itself.
    await m.host.pinFor(m.number, id(u2), id(g1));
    await u2.waitFor('pin.changed', (e) => e.scope === 'participant');
    await m.host.pinFor(m.number, id(u2));
    assert.deepEqual(await u2.waitFor('pin.changed'), { type: 'pin.changed', pin_speaker_uuid: id(g2), scope: 'meeting' });
    await rejectsWith(m.host.pinFor(m.number, id(u2), id(u2)), 400, '0x10000001');

    w = new Watch(m.all);
    await m.host.unpin(m.number);
    for (const c of m.all) assert.deepEqual(await c.waitFor('pin.changed'), { type: 'pin.changed', pin_speaker_uuid: '', scope: 'none' });
    await rejectsWith(m.host.pin(m.number, 'nobody-here'), 404, '0x10000004');
  });
});

describe('meeting control: removing people, lock, stop', () => {
  it('disconnect → RemovedFromMeeting to the target, roster `left` to the others', async (ctx) => {
    const m = await meeting(ctx, 'kick', { users: 2, guests: 2 });
    const [g1] = m.guests as [SignalClient];
    const rest = without(m.all, g1);
    const w = new Watch(m.all);
    await m.host.disconnect(m.number, [id(g1)]);
    const status = await g1.waitFor('meeting.status');
    assert.deepEqual([status.status, status.reason, status.reason_code], ['disconnected', 'RemovedFromMeeting', 19]);
    assert.equal((await g1.closed).code, 4000);
    await Promise.all(rest.map((c) => c.waitFor('roster', (e) => e.left.includes(id(g1)))));
    await everyoneSees(rest, rest.length);
    await quiet(rest);
    w.none(rest, 'meeting.status');
    for (const c of rest) assert.equal(c.roster.has(id(g1)), false);
    await rejectsWith(m.host.disconnect(m.number, [id(g1)]), 404, '0x10000004');
  });

  it('disconnect_all removes everyone but the caller, who stays in the meeting', async (ctx) => {
    const m = await meeting(ctx, 'clear', { admin: true, users: 2, guests: 3 });
    const others = without(m.all, m.owner);
    await m.host.disconnectAll(m.number);
    for (const c of others) {
      const s = await c.waitFor('meeting.status');
      assert.deepEqual([s.status, s.reason], ['disconnected', 'RemovedFromMeeting']);
    }
    await everyoneSees([m.owner], 1);
    assert.ok(m.owner.connected);
    assert.deepEqual([...m.owner.roster.keys()], [id(m.owner)]);
    const detail = await operator.liveMeeting(m.number);
    assert.deepEqual(detail.participants.map((p) => p.client_uuid), [id(m.owner)]);
  });

  it('lock/unlock → meeting.info locked to all; a locked meeting refuses new guests and users (MeetingLocked) but not hosts', async (ctx) => {
    const m = await meeting(ctx, 'lock', { users: 1, guests: 2 });
    let w = new Watch(m.all);
    await m.host.lock(m.number);
    for (const c of m.all) assert.equal((await c.waitFor('meeting.info')).locked, true);
    await quiet(m.all);
    for (const c of m.all) assert.equal(w.of(c, 'meeting.info').length, 1);
    assert.equal((await operator.liveMeeting(m.number)).locked, true);

    await assert.rejects(m.join('lock-new-guest', 'New guest'), (e: unknown) => e instanceof JoinError && e.reason === 'MeetingLocked' && e.reason_code === 7);
    await assert.rejects(m.join('lock-new-user', 'New user', tokens.users[2]), (e: unknown) => e instanceof JoinError && e.reason === 'MeetingLocked');
    const op = await m.join('lock-operator', 'Operator', tokens.operator);
    assert.equal(op.info?.locked, true);

    const everyone = [...m.all, op];
    w = new Watch(everyone);
    await operator.unlock(m.number);
    for (const c of everyone) assert.equal((await c.waitFor('meeting.info')).locked, false);
    const guest = await m.join('lock-new-guest', 'New guest');
    assert.equal(guest.info?.locked, false);
  });

  it('stop → MeetingStop to everyone; the meeting may be joined again (rejoin defaults to true)', async (ctx) => {
    const m = await meeting(ctx, 'stop', { admin: true, users: 2, guests: 2 });
    await operator.stop(m.number);
    for (const c of m.all) {
      const s = await c.waitFor('meeting.status');
      assert.deepEqual([s.status, s.reason, s.reason_code], ['disconnected', 'MeetingStop', 10]);
      assert.equal((await c.closed).code, 4000);
    }
    assert.ok(!(await operator.liveMeetings()).meetings.some((x) => x.meeting_number === m.number));
    const again = await m.join('stop-again', 'Again', tokens.owner);
    assert.ok(again.connected);
  });
});

describe('meeting control: reading and moving live meetings', () => {
  it('GET and POST /api/v1/meeting: an operator sees every live meeting, an owner its own, another Normal user none', async (ctx) => {
    const m = await meeting(ctx, 'list', { users: 1, guests: 1 });
    const adminMeeting = await instantMeeting(t, tokens.admin, 'admin-console', 'Admin meeting');
    const adminHere = await joinAs(t, { meeting_number: adminMeeting.meeting_number, client_id: 'admin-console', display_name: 'Admin', token: tokens.admin });
    ctx.after(async () => {
      await restFor(t, 'admin-console', tokens.admin).stop(adminMeeting.meeting_number).catch(() => undefined);
      await closeAll([adminHere]);
    });
    const numbers = async (client: RestClient) => {
      const viaGet = (await client.liveMeetings()).meetings;
      const viaPost = (await client.call(listLiveMeetings, { method: 'POST' })).meetings;
      assert.deepEqual(viaPost.map((x) => x.meeting_number).sort(), viaGet.map((x) => x.meeting_number).sort());
      return viaGet;
    };
    const seenByOperator = await numbers(operator);
    assert.ok(seenByOperator.some((x) => x.meeting_number === m.number));
    assert.ok(seenByOperator.some((x) => x.meeting_number === adminMeeting.meeting_number));
    const mine = seenByOperator.find((x) => x.meeting_number === m.number)!;
    assert.deepEqual(
      { name: mine.meeting_name, status: mine.status, owner: mine.owner_name, locked: mine.locked, count: mine.participant_count },
      { name: 'list meeting', status: 'STARTED', owner: OWNER.username, locked: false, count: 3 },
    );
    const seenByOwner = await numbers(m.host);
    assert.ok(seenByOwner.some((x) => x.meeting_number === m.number));
    assert.ok(seenByOwner.every((x) => x.owner_id === mine.owner_id));
    assert.deepEqual(await numbers(restFor(t, 'outsider-device', tokens.outsider)), []);
    const paged = await operator.call(listLiveMeetings, { method: 'GET', query: { page_num: 1, page_size: 1 } });
    assert.equal(paged.meetings.length, 1);
    assert.equal(paged.total_size, seenByOperator.length);
    assert.equal(paged.total_page_num, seenByOperator.length);
    await rejectsWith(restFor(t, 'anonymous').liveMeetings(), 401, '0x10000002');
  });

  it('GET and POST /api/v1/meeting/{mn}: the detail with its participants; POST end_time moves the end and tells everyone', async (ctx) => {
    const m = await meeting(ctx, 'detail', { users: 1, guests: 2 });
    const [u1] = m.users as [SignalClient];
    const [g1] = m.guests as [SignalClient];
    await g1.mute({ audio: true, video: true });
    await m.host.setLecturer(m.number, id(u1));
    await everyoneSees(m.all, m.all.length);
    await m.owner.waitFor('roster', (e) => e.participants.some((p) => p.uuid === id(g1) && p.video_mute));
    const viaGet = await operator.liveMeeting(m.number);
    const viaPost = await m.host.call(liveMeetingDetail, { params: { meeting_number: m.number }, method: 'POST' });
    assert.deepEqual(viaPost, viaGet);
    assert.equal(viaGet.meeting_number, m.number);
    assert.equal(viaGet.meeting_password, m.password);
    assert.equal(viaGet.status, 'STARTED');
    const rows = Object.fromEntries(viaGet.participants.map((p) => [p.client_uuid, [p.name, p.type, p.mute_audio, p.mute_video, p.lecture]]));
    assert.deepEqual(rows, {
      [id(m.owner)]: ['Owner', 'USER', false, false, false],
      [id(u1)]: ['User 1', 'USER', false, false, true],
      [id(g1)]: ['Guest 1', 'GUEST', true, true, false],
      [id(m.guests[1]!)]: ['Guest 2', 'GUEST', false, false, false],
    });
    // The roster is paged (issue 11: bounded answers): in order of joining, participant_count is everyone.
    assert.equal(viaGet.participant_count, 4);
    const joined = [...viaGet.participants].sort((a, b) => a.joined_time - b.joined_time || (a.client_uuid < b.client_uuid ? -1 : 1));
    assert.deepEqual(viaGet.participants.map((p) => p.client_uuid), joined.map((p) => p.client_uuid));
    const pages = await Promise.all([1, 2].map((n) => m.host.call(liveMeetingDetail, { params: { meeting_number: m.number }, query: { page_num: n, page_size: 3 }, method: 'GET' })));
    assert.deepEqual(pages.map((p) => p.participants.map((x) => x.client_uuid)), [joined.slice(0, 3), joined.slice(3)].map((l) => l.map((p) => p.client_uuid)));
    assert.deepEqual(pages.map((p) => p.participant_count), [4, 4]);

    const w = new Watch(m.all);
    const end = viaGet.end_time + 3_600_000;
    const moved = await m.host.setEndTime(m.number, end);
    assert.equal(moved.end_time, end);
    for (const c of m.all) assert.equal((await c.waitFor('meeting.info')).end_time, end);
    await quiet(m.all);
    for (const c of m.all) assert.equal(w.of(c, 'meeting.info').length, 1);
    await rejectsWith(m.host.setEndTime(m.number, Date.now() - 60_000), 400, '0x10000001');
    assert.equal((await operator.liveMeeting(m.number)).end_time, end);

    await rejectsWith(restFor(t, 'outsider-device', tokens.outsider).liveMeeting(m.number), 403, '0x10000003');
    await rejectsWith(restFor(t, id(u1), tokens.users[0]).liveMeeting(m.number), 403, '0x10000003');
    await rejectsWith(operator.liveMeeting('999999999999'), 404, '0x10000004');
  });
});

describe('meeting control: recording, live streaming, cascading; unknown and not-live meetings', () => {
  it('recording/live/cascading: without media, §6.3 answers to a host; 0x10000004 for an unknown number; 0x10000007 for a scheduled meeting not live', async (ctx) => {
    const m = await meeting(ctx, 'media', { users: 1, guests: 1 });
    // This server runs without media workers: a start is "service missing", a stop "not running".
    for (const client of [m.host, operator]) {
      await rejectsWith(client.recording(m.number, true), 503, '0x0000f005');
      await rejectsWith(client.recording(m.number, false), 409, '0x0000f100');
      await rejectsWith(client.cascading(m.number), 503, '0x10002001');
    }
    // Live streaming is for MeetingOperator and SystemAdmin only, as the apps show it: not for a Normal owner.
    await rejectsWith(m.host.liveStreaming(m.number, true), 403, '0x10000003');
    await rejectsWith(operator.liveStreaming(m.number, true), 503, '0x00010005');
    await rejectsWith(operator.liveStreaming(m.number, false), 409, '0x00010100');
    await rejectsWith(operator.liveStreaming(m.number, true, { live_password: '12' }), 400, '0x10000001');
    const unavailable = (client: RestClient, number: string) => [
      client.recording(number, true),
      client.recording(number, false),
      client.liveStreaming(number, true),
      client.liveStreaming(number, false),
      client.cascading(number),
    ];
    for (const p of unavailable(restFor(t, 'outsider-device', tokens.outsider), m.number)) await rejectsWith(p, 403, '0x10000003');
    for (const p of unavailable(m.host, '999999999999')) await rejectsWith(p, 404, '0x10000004');

    const start = Date.now() + 2 * 86_400_000;
    const r = await t.call('POST', '/api/v1/meeting_schedule', {
      query: { client_id: 'owner-device', token: tokens.owner },
      body: { meeting_type: 'reservation', meeting_name: 'Later', schedule_start_time: start, schedule_end_time: start + 3_600_000 },
    });
    assert.equal(r.status, 200, r.text);
    const later = String(r.body.meeting_number);
    const owner = restFor(t, 'owner-device', tokens.owner);
    for (const p of unavailable(owner, later)) await rejectsWith(p, 409, '0x10000007');
    await rejectsWith(owner.muteAll(later), 409, '0x10000007');
    await rejectsWith(owner.liveMeeting(later), 409, '0x10000007');
    await rejectsWith(owner.lock('999999999999'), 404, '0x10000004');
    // The meeting's participants saw none of it.
    await quiet(m.all);
    for (const c of m.all) assert.equal(c.events.filter((e) => e.type === 'meeting.status').length, 1);
  });
});

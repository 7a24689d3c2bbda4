/**
 * Live meetings over a real server (HTTPS + WebSocket signalling, SDK clients): the join rules and their reasons
 * (client contract §6.4, docs/protocol.md), the passcode prompt and its limits, mute upon entry, how meetings end
 * (end time, emptiness, stop), holding a place for a resume, taking a place over, the heartbeat, the session history
 * across restarts, and who may use the meeting-control API (§9).
 *
 * Time is a ManualClock: tests move it and wait for the server's once-a-second sweep instead of sleeping.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { SIGNAL_PATH } from '../../contract/signal/protocol.ts';
import { REASON_CODES, type Reason } from '../../contract/signal/reasons.ts';
import { type RestClient, RestError } from '../../sdk/rest-client.ts';
import { JoinError, type JoinParams, SignalClient, SignalError } from '../../sdk/signal-client.ts';
import { type Clock, ManualClock, systemClock } from '../../src/kernel/clock.ts';
import { testDialects } from '../support/dialects.ts';
import { closeAll, instantMeeting, joinAs, restFor, signalFor } from '../support/live.ts';
import { createTestStorage, METRICS_AUTH, removeStorage, startServerProcess, startTestServer, type TestServer } from '../support/server.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** Longest a test waits for something the 1 s sweep does (it usually comes within a second). */
const SWEEP_WAIT_MS = 2500;

interface Who {
  id: string;
  username: string;
  token: string;
  clientId: string;
}

async function person(t: TestServer, username: string, role = 'Normal'): Promise<Who> {
  const password = `${username}-Passw0rd`;
  const id = await t.createUser(username, password, role, { real_name: username.toUpperCase() });
  const clientId = `app-${username}`;
  return { id, username, token: await t.signIn(username, password, clientId), clientId };
}

async function adminWho(t: TestServer): Promise<Who> {
  const r = await t.call('GET', '/api/v1/user/info', { query: { client_id: 'admin-console', token: await t.adminToken() } });
  assert.equal(r.status, 200, r.text);
  return { id: r.body.user_id, username: 'admin', token: await t.adminToken(), clientId: 'admin-console' };
}

/** A reservation (no password, guests allowed, joinable at once unless `extra` says otherwise); returns its number. */
async function reservation(t: TestServer, clock: Clock, owner: Who, extra: Record<string, unknown> = {}): Promise<string> {
  const now = clock.now();
  const r = await t.call('POST', '/api/v1/meeting_schedule', {
    query: { client_id: owner.clientId, token: owner.token },
    body: {
      meeting_type: 'reservation',
      meeting_name: 'Lifecycle test',
      schedule_start_time: now - 10 * MINUTE,
      schedule_end_time: now + 60 * MINUTE,
      meeting_password: '',
      time_to_join: -1,
      ...extra,
    },
  });
  assert.equal(r.status, 200, r.text);
  return String(r.body.meeting_number);
}

/** Asserts that joining is refused with `reason` (the server's join.failed, not a local give-up). */
async function refused(t: TestServer, params: JoinParams, reason: Reason): Promise<JoinError> {
  let error: unknown;
  try {
    const c = await joinAs(t, params);
    await c.leave();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof JoinError, `expected JoinError ${reason}, got ${String(error)}`);
  assert.equal(error.reason, reason, error.message);
  assert.equal(error.reason_code, REASON_CODES[reason]);
  assert.equal(error.local, false);
  return error;
}

/** Asserts that the REST call fails with this HTTP status and FRTC errorCode. */
async function deniedWith(call: Promise<unknown>, status: number, errorCode: string, what: string): Promise<void> {
  await assert.rejects(call, (e: unknown) => {
    assert.ok(e instanceof RestError, `${what}: ${String(e)}`);
    assert.equal(e.status, status, `${what}: ${e.message}`);
    assert.equal(e.errorCode, errorCode, `${what}: ${e.message}`);
    return true;
  });
}

const disconnected = (c: SignalClient, reason: Reason) =>
  c.waitFor('meeting.status', (e) => e.status === 'disconnected' && e.reason === reason, SWEEP_WAIT_MS);

/**
 * The server notes a lost connection (and when: the resume window starts then) a moment after the client sees it
 * closed; before moving the clock, give it that moment.
 */
const serverSeesDrop = () => new Promise((r) => setTimeout(r, 200));

const leftIn = (c: SignalClient, uuid: string): boolean => c.events.some((e) => e.type === 'roster' && e.left.includes(uuid));

/** Polls `check` (up to SWEEP_WAIT_MS) until it returns a value. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + SWEEP_WAIT_MS;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${SWEEP_WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const clients: SignalClient[] = [];
const track = (c: SignalClient): SignalClient => {
  clients.push(c);
  return c;
};
const join = async (t: TestServer, params: JoinParams) => track(await joinAs(t, params));
afterEach(() => closeAll(clients.splice(0)));

describe('live meetings: join reasons, lifecycle, reconnect [sqlite]', () => {
  const clock = new ManualClock();
  let t: TestServer;
  let owner: Who;
  let member: Who;
  let operator: Who;
  before(async () => {
    t = await startTestServer(
      'sqlite',
      {
        CONVENE_END_GRACE_SECONDS: '0',
        CONVENE_EMPTY_MEETING_SECONDS: '60',
        CONVENE_RESUME_SECONDS: '30',
        CONVENE_HEARTBEAT_SECONDS: '1',
        CONVENE_LOG_LEVEL: 'warn',
      },
      { clock },
    );
    [owner, member, operator] = await Promise.all([person(t, 'olivia'), person(t, 'mark'), person(t, 'oscar', 'MeetingOperator')]);
  });
  after(() => t.close());

  it('a server running without media (CONVENE_MEDIA=false) answers media commands 503 and keeps the meeting going', async () => {
    const created = await instantMeeting(t, owner.token, owner.clientId, 'No media');
    const c = await join(t, { meeting_number: created.meeting_number, client_id: 'g-nomedia', display_name: 'N', passcode: created.meeting_password });
    const sdp = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:x\r\na=fingerprint:sha-256 00\r\n';
    for (const attempt of [c.publish(sdp), c.subscribe(), c.accept(sdp), c.iceServers()]) {
      await assert.rejects(attempt, (e: unknown) => e instanceof SignalError && e.errorCode === '0x10002001' && /media/.test(e.message));
    }
    await c.share(true);
    await c.ping();
  });

  it('editing a live reservation (name, end time) reaches its participants as meeting.info', async () => {
    const now = clock.now();
    const created = await t.call('POST', '/api/v1/meeting_schedule', {
      query: { client_id: owner.clientId, token: owner.token },
      body: { meeting_type: 'reservation', meeting_name: 'Before', schedule_start_time: now - 10 * MINUTE, schedule_end_time: now + 60 * MINUTE, meeting_password: '', time_to_join: -1 },
    });
    assert.equal(created.status, 200, created.text);
    const guest = await join(t, { meeting_number: created.body.meeting_number, client_id: 'g-edited', display_name: 'G' });
    assert.equal(guest.info?.meeting_name, 'Before');
    const newEnd = now + 90 * MINUTE;
    const edited = await t.call('POST', `/api/v1/meeting_schedule/${created.body.reservation_id}`, {
      query: { client_id: owner.clientId, token: owner.token },
      body: { meeting_name: 'After', schedule_start_time: now - 10 * MINUTE, schedule_end_time: newEnd },
    });
    assert.equal(edited.status, 200, edited.text);
    const info = await guest.waitFor('meeting.info', (e) => e.meeting_name === 'After');
    assert.equal(info.end_time, newEnd);
    const detail = await restFor(t, owner.clientId, owner.token).liveMeeting(created.body.meeting_number);
    assert.equal(detail.meeting_name, 'After');
    assert.equal(detail.end_time, newEnd);
  });

  describe('join reasons', () => {
    it('an unknown number → MeetingNoExist for a signed-in user (guests are asked for a passcode: test/live/guarding.test.ts)', async () => {
      await refused(t, { meeting_number: '100000001', client_id: 'm-noexist', display_name: 'M', token: member.token }, 'MeetingNoExist');
    });

    it('a reservation in 2 h with time_to_join 30 → MeetingNoStarted; with time_to_join -1 it is joinable', async () => {
      const start = clock.now() + 120 * MINUTE;
      const times = { schedule_start_time: start, schedule_end_time: start + 60 * MINUTE };
      const early = await reservation(t, clock, owner, { ...times, time_to_join: 30 });
      const err = await refused(t, { meeting_number: early, client_id: 'g-early', display_name: 'G' }, 'MeetingNoStarted');
      assert.match(err.message, /30 minutes/);
      const anytime = await reservation(t, clock, owner, { ...times, time_to_join: -1 });
      const c = await join(t, { meeting_number: anytime, client_id: 'g-anytime', display_name: 'G' });
      assert.equal(c.connected, true);
    });

    it('a reservation whose end has passed → MeetingExpired', async () => {
      const n = await reservation(t, clock, owner, { schedule_end_time: clock.now() + 5 * MINUTE });
      clock.advance(6 * MINUTE);
      await refused(t, { meeting_number: n, client_id: 'g-late', display_name: 'G' }, 'MeetingExpired');
    });

    it('a locked meeting → MeetingLocked for others, hosts still join', async () => {
      const n = await reservation(t, clock, owner);
      await join(t, { meeting_number: n, client_id: 'own-lock', display_name: 'Owner', token: owner.token });
      await restFor(t, owner.clientId, owner.token).lock(n);
      await refused(t, { meeting_number: n, client_id: 'g-locked', display_name: 'G' }, 'MeetingLocked');
      await refused(t, { meeting_number: n, client_id: 'm-locked', display_name: 'M', token: member.token }, 'MeetingLocked');
      const op = await join(t, { meeting_number: n, client_id: 'op-locked', display_name: 'Op', token: operator.token });
      assert.equal((await op.waitFor('meeting.info')).locked, true);
      // Someone already in takes their place back after a lost connection, lock or not: a guest by resume, a signed-in
      // user also by joining again as itself.
      await restFor(t, owner.clientId, owner.token).unlock(n);
      const inside = await join(t, { meeting_number: n, client_id: 'g-inside', display_name: 'Inside' });
      const signedIn = await join(t, { meeting_number: n, client_id: 'm-inside', display_name: 'Member', token: member.token });
      await restFor(t, owner.clientId, owner.token).lock(n);
      await inside.close();
      await serverSeesDrop();
      assert.equal((await inside.resume()).resumed, true);
      await signedIn.close();
      const back = await join(t, { meeting_number: n, client_id: 'm-inside', display_name: 'Member', token: member.token });
      assert.equal(back.connected, true);
    });

    it('guest_dial_in false → GuestUnallowed for guests; a signed-in user may join', async () => {
      const n = await reservation(t, clock, owner, { guest_dial_in: false });
      await refused(t, { meeting_number: n, client_id: 'g-noguests', display_name: 'G' }, 'GuestUnallowed');
      const m = await join(t, { meeting_number: n, client_id: 'm-noguests', display_name: 'M', token: member.token });
      assert.equal(m.self?.role, 'participant');
      assert.equal(m.self?.user_id, member.id);
    });

    it('a token that is not valid → AuthenticationFail', async () => {
      const n = await reservation(t, clock, owner);
      await refused(t, { meeting_number: n, client_id: 'g-badtoken', display_name: 'G', token: 'not-a-token' }, 'AuthenticationFail');
    });
  });

  describe('mute upon entry', () => {
    it('mute_upon_entry mutes joining non-hosts (mute.lock, roster audio_mute) but not the owner', async () => {
      const n = await reservation(t, clock, owner, { mute_upon_entry: 'ENABLE' });
      const host = await join(t, { meeting_number: n, client_id: 'own-mue', display_name: 'Owner', token: owner.token });
      assert.equal(host.self?.audio_mute, false);
      assert.equal(host.count('mute.lock'), 0);
      const guest = await join(t, { meeting_number: n, client_id: 'g-mue', display_name: 'Guest', audio_mute: false });
      const lock = await guest.waitFor('mute.lock');
      assert.deepEqual({ muted: lock.muted, allow: lock.allow_self_unmute }, { muted: true, allow: true });
      assert.equal(guest.self?.audio_mute, true);
      const m = await join(t, { meeting_number: n, client_id: 'm-mue', display_name: 'Member', token: member.token });
      assert.equal((await m.waitFor('mute.lock')).muted, true);
      await host.waitFor('roster', () => host.roster.get('m-mue')?.audio_mute === true);
      assert.equal(host.roster.get('g-mue')?.audio_mute, true);
      assert.equal(host.roster.get('own-mue')?.audio_mute, false);
      // Self-unmute is allowed after mute upon entry.
      await guest.mute({ audio: false });
      await host.waitFor('roster', () => host.roster.get('g-mue')?.audio_mute === false);
    });
  });

  describe('how meetings end', () => {
    it('end time + grace passing → MeetingExpired; a host moving end_time keeps the meeting going', async () => {
      const end = { schedule_end_time: clock.now() + 2 * MINUTE };
      const [ends, moved] = await Promise.all([reservation(t, clock, owner, end), reservation(t, clock, owner, end)]);
      const endsHost = await join(t, { meeting_number: ends, client_id: 'own-ends', display_name: 'Owner', token: owner.token });
      const endsGuest = await join(t, { meeting_number: ends, client_id: 'g-ends', display_name: 'G' });
      const movedHost = await join(t, { meeting_number: moved, client_id: 'own-moved', display_name: 'Owner', token: owner.token });
      const movedGuest = await join(t, { meeting_number: moved, client_id: 'g-moved', display_name: 'G' });

      const newEnd = clock.now() + 60 * MINUTE;
      const detail = await restFor(t, owner.clientId, owner.token).setEndTime(moved, newEnd);
      assert.equal(detail.end_time, newEnd);
      await movedGuest.waitFor('meeting.info', (e) => e.end_time === newEnd);

      clock.advance(2 * MINUTE);
      await Promise.all([disconnected(endsHost, 'MeetingExpired'), disconnected(endsGuest, 'MeetingExpired')]);
      assert.equal((await endsGuest.closed).code, 4000);
      // The same sweep saw the moved meeting: it is still on.
      assert.equal(movedHost.connected, true);
      assert.equal(movedGuest.connected, true);
      const history = await restFor(t, owner.clientId, owner.token).history(ends);
      assert.equal(history.sessions[0]!.end_reason, 'end time passed');
    });

    it('an instant meeting empty for CONVENE_EMPTY_MEETING_SECONDS ends (history: empty); a reservation does not', async () => {
      const rest = restFor(t, owner.clientId, owner.token);
      const instant = (await instantMeeting(t, owner.token, owner.clientId)).meeting_number;
      const booked = await reservation(t, clock, owner);
      for (const n of [instant, booked]) {
        const c = await joinAs(t, { meeting_number: n, client_id: `own-empty-${n}`, display_name: 'Owner', token: owner.token });
        await c.leave();
      }
      clock.advance(61 * SECOND);
      const ended = await eventually('instant meeting ended', async () => {
        const s = (await rest.history(instant)).sessions[0]!;
        return s.end_time > 0 ? s : undefined;
      });
      assert.equal(ended.end_reason, 'empty');
      assert.equal(ended.attendance[0]!.left_reason, 'left');
      await deniedWith(rest.liveMeeting(instant), 409, '0x10000007', 'instant meeting no longer live');
      const stillLive = await rest.liveMeeting(booked);
      assert.deepEqual(stillLive.participants, []);
      assert.equal((await rest.history(booked)).sessions[0]!.end_time, 0);
    });

    it('a lobby does not hold an empty instant meeting open: those waiting are told no host came, and it ends', async () => {
      const created = await t.call('POST', '/api/v1/meeting_schedule', {
        query: { client_id: owner.clientId, token: owner.token },
        body: { meeting_type: 'instant', meeting_name: 'Nobody to admit', lobby: 'guests' },
      });
      assert.equal(created.status, 200, created.text);
      const n = String(created.body.meeting_number);
      const ownerIn = await joinAs(t, { meeting_number: n, client_id: `own-lobby-${n}`, display_name: 'Owner', token: owner.token });
      await ownerIn.leave();
      const guest = signalFor(t);
      let waiting!: () => void;
      const inLobby = new Promise<void>((r) => (waiting = r));
      const joined = guest.join({ meeting_number: n, client_id: 'g-lobby-empty', display_name: 'Wendy', passcode: String(created.body.meeting_password) }, { onLobby: () => waiting() });
      joined.catch(() => undefined);
      await inLobby;
      clock.advance(61 * SECOND);
      await assert.rejects(joined, (e: unknown) => e instanceof JoinError && e.reason === 'MeetingStop' && /no host came/.test(e.message));
      const rest = restFor(t, owner.clientId, owner.token);
      const ended = await eventually('the meeting ended', async () => {
        const s = (await rest.history(n)).sessions[0]!;
        return s.end_time > 0 ? s : undefined;
      });
      assert.equal(ended.end_reason, 'empty');
      await guest.close();
    });

    it('stop with rejoin → everyone gets MeetingStop; joining again starts a new session', async () => {
      const n = await reservation(t, clock, owner);
      const rest = restFor(t, owner.clientId, owner.token);
      const host = await join(t, { meeting_number: n, client_id: 'own-stop', display_name: 'Owner', token: owner.token });
      const guest = await join(t, { meeting_number: n, client_id: 'g-stop', display_name: 'G' });
      await rest.stop(n, true);
      await Promise.all([disconnected(host, 'MeetingStop'), disconnected(guest, 'MeetingStop')]);
      const again = await join(t, { meeting_number: n, client_id: 'g-stop-2', display_name: 'G2' });
      assert.equal((await again.waitFor('participant.count')).count, 1, 'alone in the new session');
      const sessions = (await rest.history(n)).sessions;
      assert.equal(sessions.length, 2);
      // (The ManualClock stands still here: both sessions started at the same ms, so their order is not asserted.)
      const current = sessions.find((s) => s.end_time === 0);
      const stopped = sessions.find((s) => s.end_time !== 0);
      assert.equal(stopped?.end_reason, 'stopped by host');
      assert.deepEqual(stopped.attendance.map((a) => [a.client_uuid, a.left_reason]).sort(), [['g-stop', 'stopped by host'], ['own-stop', 'stopped by host']]);
      assert.deepEqual(current?.attendance.map((a) => a.client_uuid), ['g-stop-2']);
    });

    it('stop without rejoin → joining is refused MeetingStop', async () => {
      const n = await reservation(t, clock, owner);
      const host = await join(t, { meeting_number: n, client_id: 'own-stop-nr', display_name: 'Owner', token: owner.token });
      await restFor(t, owner.clientId, owner.token).stop(n, false);
      await disconnected(host, 'MeetingStop');
      await refused(t, { meeting_number: n, client_id: 'g-stop-nr', display_name: 'G' }, 'MeetingStop');
      await refused(t, { meeting_number: n, client_id: 'own-stop-nr', display_name: 'Owner', token: owner.token }, 'MeetingStop');
    });
  });

  describe('reconnect and takeover', () => {
    it('a dropped connection keeps its place and resume() takes it back within CONVENE_RESUME_SECONDS', async () => {
      const n = await reservation(t, clock, owner);
      const watcher = await join(t, { meeting_number: n, client_id: 'own-resume', display_name: 'Owner', token: owner.token });
      const dropper = await join(t, { meeting_number: n, client_id: 'g-resume', display_name: 'Dropper' });
      await watcher.waitFor('participant.count', (e) => e.count === 2);
      const firstToken = dropper.resumeToken;
      await dropper.close();
      await serverSeesDrop();
      clock.advance(25 * SECOND);
      await new Promise((r) => setTimeout(r, 1100)); // a sweep within the window removes nobody
      assert.ok(watcher.roster.has('g-resume'), 'still in the roster while the place is held');
      dropper.mark();
      const status = await dropper.resume();
      assert.equal(status.resumed, true);
      assert.equal(status.self?.uuid, 'g-resume');
      assert.notEqual(status.resume_token, firstToken, 'a new resume token');
      await dropper.waitFor('roster', (e) => e.full);
      assert.equal(leftIn(watcher, 'g-resume'), false, 'others never saw it leave');
      assert.equal(watcher.participantCount, 2);
      // The place is taken back: mute from the resumed connection reaches the others.
      await dropper.mute({ video: true });
      await watcher.waitFor('roster', () => watcher.roster.get('g-resume')?.video_mute === true);
    });

    it('after the resume window others see the participant leave and resume() fails MeetingInterrupt', async () => {
      const n = await reservation(t, clock, owner);
      const watcher = await join(t, { meeting_number: n, client_id: 'own-expire', display_name: 'Owner', token: owner.token });
      const dropper = await join(t, { meeting_number: n, client_id: 'g-expire', display_name: 'Dropper' });
      await watcher.waitFor('participant.count', (e) => e.count === 2);
      await dropper.close();
      await serverSeesDrop();
      watcher.mark();
      clock.advance(31 * SECOND);
      await watcher.waitFor('roster', (e) => e.left.includes('g-expire'), SWEEP_WAIT_MS);
      assert.equal((await watcher.waitFor('participant.count')).count, 1);
      await assert.rejects(dropper.resume(), (e: unknown) => e instanceof JoinError && e.reason === 'MeetingInterrupt' && !e.local);
      const attendance = (await restFor(t, owner.clientId, owner.token).history(n)).sessions[0]!.attendance;
      assert.equal(attendance.find((a) => a.client_uuid === 'g-expire')?.left_reason, 'connection lost');
    });

    it('the same signed-in user joining again with its client_id takes over (old socket 4003); nobody else may, a guest’s place only by resume', async () => {
      const n = await reservation(t, clock, owner);
      const watcher = await join(t, { meeting_number: n, client_id: 'own-takeover', display_name: 'Owner', token: owner.token });
      const first = await join(t, { meeting_number: n, client_id: 'm-takeover', display_name: 'First', token: member.token });
      await watcher.waitFor('participant.count', (e) => e.count === 2);
      const second = await join(t, { meeting_number: n, client_id: 'm-takeover', display_name: 'Second', token: member.token });
      assert.equal((await first.closed).code, 4003);
      assert.equal(second.connected, true);
      await watcher.waitFor('roster', () => watcher.roster.get('m-takeover')?.display_name === 'Second');
      assert.equal(leftIn(watcher, 'm-takeover'), false);
      assert.equal(watcher.participantCount, 2);
      // A signed-in user's place is not a guest's, nor another user's, to take.
      await refused(t, { meeting_number: n, client_id: 'm-takeover', display_name: 'Guest' }, 'ServerReject');
      await refused(t, { meeting_number: n, client_id: 'm-takeover', display_name: 'Oscar', token: operator.token }, 'ServerReject');
      // A guest's place is taken back only with its resume token: its client_id is in everyone's roster (and the
      // address of a shared network proves nothing), while the place is held and while it is connected alike.
      const guest = await join(t, { meeting_number: n, client_id: 'g-takeover', display_name: 'Guest' });
      const err = await refused(t, { meeting_number: n, client_id: 'g-takeover', display_name: 'Impostor' }, 'ServerReject');
      assert.match(err.message, /resume/);
      await refused(t, { meeting_number: n, client_id: 'g-takeover', display_name: 'Mark', token: member.token }, 'ServerReject');
      assert.equal(guest.connected, true);
      await guest.close();
      await serverSeesDrop();
      await refused(t, { meeting_number: n, client_id: 'g-takeover', display_name: 'Impostor' }, 'ServerReject');
      assert.equal((await guest.resume()).resumed, true);
      assert.equal(watcher.roster.get('g-takeover')?.display_name, 'Guest');
      assert.equal(second.connected, true);
    });

    it('with CONVENE_HEARTBEAT_SECONDS=1 a client that does not answer pings is dropped (and its place held)', async () => {
      const n = await reservation(t, clock, owner);
      const watcher = await join(t, { meeting_number: n, client_id: 'own-hb', display_name: 'Owner', token: owner.token });
      // ws ≥ 8.17: autoPong false = the client never answers the server's pings.
      const silent = track(
        new SignalClient({ url: t.url.replace(/^https:/, 'wss:') + SIGNAL_PATH, WebSocket, webSocketOptions: { rejectUnauthorized: false, autoPong: false } }),
      );
      const started = Date.now();
      await silent.join({ meeting_number: n, client_id: 'g-hb', display_name: 'Silent' });
      const { code } = await silent.closed;
      const took = Date.now() - started;
      assert.equal(silent.terminated, false, 'the server, not the client, closed it');
      assert.notEqual(code, 4000);
      assert.ok(took < 3500, `dropped after ${took} ms`);
      // A lost connection, not a leave: others keep seeing it until the resume window passes.
      assert.ok(watcher.roster.has('g-hb'));
      await serverSeesDrop();
      clock.advance(31 * SECOND);
      await watcher.waitFor('roster', (e) => e.left.includes('g-hb'), SWEEP_WAIT_MS);
    });
  });
});

describe('live meetings: capacity [sqlite]', () => {
  let t: TestServer;
  let owner: Who;
  let admin: Who;
  const clock = new ManualClock();
  before(async () => {
    t = await startTestServer('sqlite', { CONVENE_MAX_CALLS: '3', CONVENE_MAX_PARTICIPANTS_PER_MEETING: '2', CONVENE_LOG_LEVEL: 'warn' }, { clock });
    owner = await person(t, 'olivia');
    admin = await adminWho(t);
  });
  after(() => t.close());

  const currentCalls = async (): Promise<number> => {
    const r = await t.call('GET', '/api/v1/system/capacity', { query: { client_id: admin.clientId, token: admin.token } });
    assert.equal(r.status, 200, r.text);
    return r.body.system.current_calls;
  };

  it('MeetingFull at CONVENE_MAX_PARTICIPANTS_PER_MEETING, LicenseLimitReached at CONVENE_MAX_CALLS; capacity counts live participants', async () => {
    const [a, b] = await Promise.all([reservation(t, clock, owner), reservation(t, clock, owner)]);
    assert.equal(await currentCalls(), 0);
    await join(t, { meeting_number: a, client_id: 'a1', display_name: 'A1' });
    const a2 = await join(t, { meeting_number: a, client_id: 'a2', display_name: 'A2' });
    assert.equal(await currentCalls(), 2);
    await refused(t, { meeting_number: a, client_id: 'a3', display_name: 'A3' }, 'MeetingFull');
    await refused(t, { meeting_number: a, client_id: 'a-owner', display_name: 'Owner', token: owner.token }, 'MeetingFull');
    await join(t, { meeting_number: b, client_id: 'b1', display_name: 'B1' });
    assert.equal(await currentCalls(), 3);
    const err = await refused(t, { meeting_number: b, client_id: 'b2', display_name: 'B2' }, 'LicenseLimitReached');
    assert.equal(err.reason_code, 17);
    // Taking one's own place back is not a new call.
    await a2.close();
    await serverSeesDrop();
    assert.equal((await a2.resume()).resumed, true);
    assert.equal(await currentCalls(), 3);
    await a2.leave();
    assert.equal(await currentCalls(), 2);
    await join(t, { meeting_number: b, client_id: 'b2', display_name: 'B2' });
    assert.equal(await currentCalls(), 3);
    // Operators see the same on /metrics.
    const metrics = await t.call('GET', '/metrics', { headers: METRICS_AUTH });
    assert.match(metrics.text, /^convene_live_meetings 2$/m);
    assert.match(metrics.text, /^convene_live_participants 3$/m);
  });
});

describe('live meetings: passcode [sqlite]', () => {
  let t: TestServer;
  let owner: Who;
  let number: string;
  let passcode: string;
  const clock = new ManualClock();
  before(async () => {
    t = await startTestServer('sqlite', { CONVENE_PASSCODE_ATTEMPTS: '2', CONVENE_PASSCODE_ATTEMPTS_PER_ADDRESS: '4', CONVENE_LOG_LEVEL: 'warn' }, { clock });
    owner = await person(t, 'olivia');
    ({ meeting_number: number, meeting_password: passcode } = await instantMeeting(t, owner.token, owner.clientId));
    assert.match(passcode, /^\d{6}$/);
  });
  after(() => t.close());

  /** Joins answering the prompts with `answers` in turn; records each prompt. */
  const tryJoin = async (clientId: string, answers: string[], first?: string) => {
    const prompts: Array<{ attemptsLeft: number; rejected: boolean }> = [];
    const c = signalFor(t);
    const params: JoinParams = { meeting_number: number, client_id: clientId, display_name: clientId, ...(first !== undefined ? { passcode: first } : {}) };
    try {
      await c.join(params, { onPasscode: (attemptsLeft, rejected) => (prompts.push({ attemptsLeft, rejected }), answers.shift()) });
      track(c);
      return { prompts, joined: c };
    } catch (e) {
      return { prompts, error: e as JoinError };
    }
  };

  it('no passcode → passcode.requested; a wrong one → rejected with fewer attempts left; the right one → joined', async () => {
    const r = await tryJoin('g-pass', ['000000', passcode]);
    assert.deepEqual(r.prompts, [
      { attemptsLeft: 2, rejected: false },
      { attemptsLeft: 1, rejected: true },
    ]);
    assert.ok(r.joined?.connected);
  });

  it('hosts skip the passcode', async () => {
    const host = await joinAs(t, { meeting_number: number, client_id: 'own-pass-2', display_name: 'Owner', token: owner.token });
    track(host);
    assert.equal(host.self?.role, 'host');
  });

  it('too many wrong passcodes per client → PasscodeTooManyRetries, and reconnecting does not reset the count', async () => {
    const r = await tryJoin('g-wrong', ['111111', '222222']);
    assert.deepEqual(r.prompts.map((p) => p.attemptsLeft), [2, 1]);
    assert.equal(r.error?.reason, 'PasscodeTooManyRetries');
    assert.equal(r.error?.reason_code, 14);
    assert.equal(r.error?.local, false);
    const again = await tryJoin('g-wrong', [], passcode);
    assert.equal(again.error?.reason, 'PasscodeTooManyRetries', 'even with the right passcode');
    assert.deepEqual(again.prompts, []);
  });

  it('the per-address limit applies across client ids (failures expiring: test/live/guarding.test.ts)', async () => {
    // So far this address has 3 wrong passcodes (1 + 2 above); the limit is 4.
    const r = await tryJoin('g-addr-1', ['333333']);
    assert.equal(r.error?.reason, 'PasscodeTooManyRetries', 'the 4th wrong passcode from this address');
    const fresh = await tryJoin('g-addr-2', [passcode]);
    assert.equal(fresh.error?.reason, 'PasscodeTooManyRetries', 'a new client id from the same address is blocked at once');
    assert.deepEqual(fresh.prompts, []);
  });
});

describe('live meetings: control permissions [sqlite]', () => {
  let t: TestServer;
  let owner: Who;
  let member: Who;
  let stranger: Who;
  let operator: Who;
  let admin: Who;
  let n: string;
  let host: SignalClient;
  let guest: SignalClient;
  let inMeeting: SignalClient;
  const clock = new ManualClock();
  before(async () => {
    t = await startTestServer('sqlite', { CONVENE_LOG_LEVEL: 'warn' }, { clock });
    [owner, member, stranger, operator] = await Promise.all([
      person(t, 'olivia'),
      person(t, 'mark'),
      person(t, 'sam'),
      person(t, 'oscar', 'MeetingOperator'),
    ]);
    admin = await adminWho(t);
    n = await reservation(t, clock, owner);
    host = await joinAs(t, { meeting_number: n, client_id: 'own-perm', display_name: 'Owner', token: owner.token });
    guest = await joinAs(t, { meeting_number: n, client_id: 'g-perm', display_name: 'Guest' });
    inMeeting = await joinAs(t, { meeting_number: n, client_id: 'm-perm', display_name: 'Mark', token: member.token });
  });
  after(async () => {
    await closeAll([host, guest, inMeeting]);
    await t.close();
  });

  /** Every host-only control call, named, against the meeting; harmless for the participants when allowed. */
  const hostCalls = (c: RestClient): Array<[string, () => Promise<unknown>]> => [
    ['liveMeeting', () => c.liveMeeting(n)],
    ['setEndTime', () => c.setEndTime(n, clock.now() + 90 * MINUTE)],
    ['history', () => c.history(n)],
    ['muteAll', () => c.muteAll(n, { exclusions: [] })],
    ['unmuteAll', () => c.unmuteAll(n)],
    ['mute', () => c.mute(n, ['g-perm'])],
    ['unmute', () => c.unmute(n, ['g-perm'])],
    ['rename another', () => c.rename(n, 'g-perm', 'Guest')],
    ['startOverlay', () => c.startOverlay(n, { content: 'hello' })],
    ['stopOverlay', () => c.stopOverlay(n)],
    ['setLecturer', () => c.setLecturer(n, 'g-perm')],
    ['unsetLecturer', () => c.unsetLecturer(n)],
    ['pin', () => c.pin(n, 'g-perm')],
    ['unpin', () => c.unpin(n)],
    ['pinFor', () => c.pinFor(n, 'm-perm', 'g-perm')],
    ['unpinFor', () => c.unpinFor(n, 'm-perm')],
    ['layoutChange', () => c.layoutChange(n, 'm-perm', 9)],
    ['allowUnmute', () => c.allowUnmute(n, ['g-perm'])],
    ['allowUnmuteAll', () => c.allowUnmuteAll(n)],
    ['lock', () => c.lock(n)],
    ['unlock', () => c.unlock(n)],
  ];
  /** Host-only calls that would end the meeting or remove people: checked for denial only. */
  const destructive = (c: RestClient): Array<[string, () => Promise<unknown>]> => [
    ['disconnect', () => c.disconnect(n, ['g-perm'])],
    ['disconnectAll', () => c.disconnectAll(n)],
    ['stop', () => c.stop(n, true)],
  ];

  for (const role of ['owner', 'MeetingOperator', 'SystemAdmin'] as const) {
    it(`the ${role} may use every control call`, async () => {
      const who = role === 'owner' ? owner : role === 'MeetingOperator' ? operator : admin;
      const rest = restFor(t, who.clientId, who.token);
      for (const [name, call] of hostCalls(rest)) await assert.doesNotReject(call(), name);
      assert.equal(host.connected && guest.connected && inMeeting.connected, true);
    });
  }

  it('another Normal user → 403 0x10000003 on every control call', async () => {
    const rest = restFor(t, stranger.clientId, stranger.token);
    for (const [name, call] of [...hostCalls(rest), ...destructive(rest)]) await deniedWith(call(), 403, '0x10000003', name);
  });

  it('a signed-in participant who is not the owner → 403 0x10000003 on every control call', async () => {
    const rest = restFor(t, member.clientId, member.token);
    for (const [name, call] of [...hostCalls(rest), ...destructive(rest)]) await deniedWith(call(), 403, '0x10000003', name);
    assert.equal(host.connected, true);
  });

  it('no token → 401 0x10000002 on every host-only call', async () => {
    const rest = restFor(t, 'g-perm');
    for (const [name, call] of [...hostCalls(rest), ...destructive(rest)].filter(([name]) => name !== 'rename another')) {
      await deniedWith(call(), 401, '0x10000002', name);
    }
  });

  it('a guest may rename only itself and request unmute', async () => {
    const rest = restFor(t, 'g-perm');
    await rest.rename(n, 'g-perm', 'Guest Renamed');
    await host.waitFor('roster', () => host.roster.get('g-perm')?.display_name === 'Guest Renamed');
    await deniedWith(rest.rename(n, 'm-perm', 'Hijacked'), 403, '0x10000003', 'rename another');
    await deniedWith(rest.rename(n, 'own-perm', 'Hijacked'), 403, '0x10000003', 'rename the owner');
    host.mark();
    await rest.requestUnmute(n);
    const req = await host.waitFor('unmute.requested', (e) => e.requests.some((r) => r.uuid === 'g-perm'));
    assert.ok(req);
    // Posing as another participant without a token is refused too.
    await deniedWith(restFor(t, 'not-in-meeting').requestUnmute(n), 403, '0x10000003', 'request_unmute of a stranger');
  });

  it('a signed-in participant may rename itself and request unmute', async () => {
    const rest = restFor(t, 'm-perm', member.token);
    await rest.rename(n, 'm-perm', 'Mark Renamed');
    await host.waitFor('roster', () => host.roster.get('m-perm')?.display_name === 'Mark Renamed');
    await rest.requestUnmute(n);
    await host.waitFor('unmute.requested', (e) => e.requests.some((r) => r.uuid === 'm-perm'));
  });

  it('the owner’s disconnect and stop work (after the denials above)', async () => {
    const rest = restFor(t, owner.clientId, owner.token);
    await rest.disconnect(n, ['g-perm']);
    await disconnected(guest, 'RemovedFromMeeting');
    await rest.stop(n, true);
    await Promise.all([disconnected(host, 'MeetingStop'), disconnected(inMeeting, 'MeetingStop')]);
  });
});

for (const dialect of testDialects()) {
  describe(`live meetings: history across restarts [${dialect}]`, () => {
    it('keeps sessions and attendance over a graceful restart, and closes a killed server’s session as “server restarted”', async () => {
      const storage = await createTestStorage(dialect);
      let t: TestServer | undefined = await startTestServer(dialect, { CONVENE_LOG_LEVEL: 'warn' }, { storage });
      try {
        const owner = await person(t, 'olivia');
        const n = await reservation(t, systemClock, owner);

        // Server 1 (in-process): a guest comes and goes, the owner stays until the server stops.
        const guest = await joinAs(t, { meeting_number: n, client_id: 'g-hist', display_name: 'Guest' });
        await guest.leave();
        const host = await joinAs(t, { meeting_number: n, client_id: 'own-hist', display_name: 'Owner', token: owner.token });
        await t.close({ keepStorage: true });
        t = undefined;
        await host.closed;
        assert.equal(host.lastStatus?.status, 'disconnected');
        assert.equal(host.lastStatus?.reason, 'MeetingEndAbnormal');

        // Server 2 (its own process), killed while someone is in the meeting.
        const child = await startServerProcess(storage);
        try {
          const late = new SignalClient({ url: child.url.replace(/^https:/, 'wss:') + SIGNAL_PATH, WebSocket, webSocketOptions: { rejectUnauthorized: false } });
          await late.join({ meeting_number: n, client_id: 'g-killed', display_name: 'Late' });
          // History writes are queued: reading the history waits for them.
          const live = await child.client.call('GET', `/api/v1/meeting/${n}/history`, { query: { client_id: owner.clientId, token: owner.token } });
          assert.equal(live.status, 200, live.text);
          assert.equal(live.body.sessions[0].end_time, 0);
          await child.kill();
          await late.close();
        } finally {
          await child.kill();
        }

        // Server 3 (in-process) on the same storage.
        t = await startTestServer(dialect, { CONVENE_LOG_LEVEL: 'warn' }, { storage });
        const sessions = (await restFor(t, owner.clientId, owner.token).history(n)).sessions;
        assert.equal(sessions.length, 2);
        const [killed, stopped] = sessions;
        assert.equal(killed!.end_reason, 'server restarted');
        assert.ok(killed!.end_time >= killed!.start_time && killed!.end_time > 0);
        assert.deepEqual(
          killed!.attendance.map((a) => [a.client_uuid, a.name, a.user_id, a.left_reason]),
          [['g-killed', 'Late', '', 'server restarted']],
        );
        assert.equal(stopped!.end_reason, 'server stopped');
        assert.equal(stopped!.meeting_name, 'Lifecycle test');
        const byClient = new Map(stopped!.attendance.map((a) => [a.client_uuid, a]));
        assert.deepEqual([...byClient.keys()].sort(), ['g-hist', 'own-hist']);
        assert.equal(byClient.get('g-hist')!.left_reason, 'left');
        assert.equal(byClient.get('own-hist')!.left_reason, 'server stopped');
        assert.equal(byClient.get('own-hist')!.user_id, owner.id);
        for (const a of stopped!.attendance) assert.ok(a.joined_time >= stopped!.start_time && a.left_time >= a.joined_time, JSON.stringify(a));
        assert.ok(byClient.get('g-hist')!.left_time <= byClient.get('own-hist')!.left_time);
        assert.ok(t.logs.some((l) => l.includes('closed live sessions left open by the previous run')));
        // The meeting itself works again after all that.
        const back = await joinAs(t, { meeting_number: n, client_id: 'g-back', display_name: 'Back' });
        await back.leave();
      } finally {
        if (t) await t.close();
        else await removeStorage(storage);
      }
    });
  });
}

/**
 * What a guesser, a prober and a flood meet, over a real server (HTTPS + WebSocket signalling, SDK clients and raw
 * `ws` sockets): guests get the same answer for a number that does not exist as for a meeting with a passcode; a
 * meeting's budget of wrong passcodes (many client ids, one address: it does not depend on addresses) after which only
 * its hosts and its meeting link get in; the unknown-number budget per address over signalling and REST; frames that
 * are not commands ("__proto__", "toString", invalid JSON, a first frame that is no join) and floods; sockets waiting
 * at a passcode prompt; and who may share their screen (docs/protocol.md, README Security).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { CLOSE_CODES, SIGNAL_PATH, type ServerEvent } from '../../contract/signal/protocol.ts';
import { RestError } from '../../sdk/rest-client.ts';
import { JoinError, type JoinParams, type SignalClient, SignalError } from '../../sdk/signal-client.ts';
import { eventually, sleep } from '../support/eventually.ts';
import { closeAll, instantMeeting, joinAs, restFor, signalFor } from '../support/live.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

interface Who {
  id: string;
  token: string;
  clientId: string;
}

async function person(t: TestServer, username: string, role = 'Normal'): Promise<Who> {
  const password = `${username}-Passw0rd`;
  const id = await t.createUser(username, password, role);
  const clientId = `app-${username}`;
  return { id, token: await t.signIn(username, password, clientId), clientId };
}

/** A reservation running now with the given password; returns its number and link key. */
async function reservation(t: TestServer, owner: Who, extra: Record<string, unknown> = {}): Promise<{ number: string; key: string }> {
  const now = Date.now();
  const r = await t.call('POST', '/api/v1/meeting_schedule', {
    query: { client_id: owner.clientId, token: owner.token },
    body: { meeting_type: 'reservation', meeting_name: 'Guarded', schedule_start_time: now - 60_000, schedule_end_time: now + 3_600_000, time_to_join: -1, ...extra },
  });
  assert.equal(r.status, 200, r.text);
  return { number: String(r.body.meeting_number), key: String(r.body.meetingInfoKey) };
}

interface Attempt {
  prompts: Array<{ attemptsLeft: number; rejected: boolean }>;
  joined?: SignalClient;
  error?: JoinError;
}

const clients: SignalClient[] = [];
afterEach(() => closeAll(clients.splice(0)));

/** Joins, answering the passcode prompts with `answers` in turn (then giving up); records each prompt. */
async function tryJoin(t: TestServer, params: JoinParams, answers: string[] = []): Promise<Attempt> {
  const prompts: Attempt['prompts'] = [];
  const c = signalFor(t);
  try {
    await c.join(params, { onPasscode: (attemptsLeft, rejected) => (prompts.push({ attemptsLeft, rejected }), answers.shift()) });
    clients.push(c);
    return { prompts, joined: c };
  } catch (e) {
    if (!(e instanceof JoinError)) throw e;
    return { prompts, error: e };
  }
}

/** A raw socket to the signalling endpoint: every event it receives, and how it closed. */
async function rawSocket(t: TestServer): Promise<{ ws: WebSocket; events: ServerEvent[]; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(t.url.replace(/^https:/, 'wss:') + SIGNAL_PATH, { rejectUnauthorized: false });
  const events: ServerEvent[] = [];
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as ServerEvent));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, events, closed };
}

/** Log lines of an unhandled failure in the signalling adapter (what a thrown TypeError per frame looked like). */
const crashes = (t: TestServer): string[] => t.logs.filter((l) => /signalling command failed|TypeError/.test(l));

describe('guessing and enumeration [sqlite]', () => {
  let t: TestServer;
  let owner: Who;
  let member: Who;
  before(async () => {
    t = await startTestServer('sqlite', {
      CONVENE_PASSCODE_ATTEMPTS: '3',
      // One address plays many guessers here: its own limit must not be what stops them.
      CONVENE_PASSCODE_ATTEMPTS_PER_ADDRESS: '1000',
      CONVENE_PASSCODE_FAILURES_PER_MEETING: '6',
      CONVENE_PASSCODE_MEETING_WINDOW_SECONDS: '4',
      CONVENE_LOG_LEVEL: 'warn',
    });
    [owner, member] = await Promise.all([person(t, 'olivia'), person(t, 'mark')]);
  });
  after(() => t.close());

  it('a guest meets the same passcode prompt for a number that does not exist as for a meeting with a passcode, and the same answers', async () => {
    const { number } = await reservation(t, owner, { meeting_password: '24681357' });
    const unknown = '987654321';
    const asked = [];
    for (const [n, clientId] of [
      [number, 'g-same-real'],
      [unknown, 'g-same-none'],
    ] as const) {
      const r = await tryJoin(t, { meeting_number: n, client_id: clientId, display_name: 'G' }, ['11111111', '22222222', '33333333']);
      asked.push({ prompts: r.prompts, reason: r.error?.reason, message: r.error?.message, local: r.error?.local });
    }
    assert.deepEqual(asked[0], asked[1]);
    assert.deepEqual(asked[0]!.prompts, [
      { attemptsLeft: 3, rejected: false },
      { attemptsLeft: 2, rejected: true },
      { attemptsLeft: 1, rejected: true },
    ]);
    assert.equal(asked[0]!.reason, 'PasscodeTooManyRetries');
    // With the passcode the guest gets in; a signed-in user hears plainly that the other number names no meeting.
    const right = await tryJoin(t, { meeting_number: number, client_id: 'g-same-ok', display_name: 'G', passcode: '24681357' });
    assert.ok(right.joined?.connected);
    const plain = await tryJoin(t, { meeting_number: unknown, client_id: 'm-same', display_name: 'M', token: member.token });
    assert.equal(plain.error?.reason, 'MeetingNoExist');
  });

  it('a guest learns that a protected meeting has not started only with its passcode (an ended one likewise: test/unit/live-meeting.test.ts)', async () => {
    const start = Date.now() + 3 * 3_600_000;
    const later = await reservation(t, owner, { meeting_password: '13572468', schedule_start_time: start, schedule_end_time: start + 3_600_000, time_to_join: 30 });
    const before = await tryJoin(t, { meeting_number: later.number, client_id: 'g-early', display_name: 'G' }, ['99999999', '13572468']);
    assert.deepEqual(before.prompts.map((p) => p.rejected), [false, true]);
    assert.equal(before.error?.reason, 'MeetingNoStarted');
    // A meeting without a passcode is open to whoever has the number: its state is no secret.
    const open = await reservation(t, owner, { meeting_password: '', schedule_start_time: start, schedule_end_time: start + 3_600_000, time_to_join: 30 });
    const openEarly = await tryJoin(t, { meeting_number: open.number, client_id: 'g-early-open', display_name: 'G' });
    assert.deepEqual([openEarly.prompts, openEarly.error?.reason], [[], 'MeetingNoStarted']);
  });

  it('a meeting’s budget of wrong passcodes, spent by many client ids, closes the passcode; the hosts are told; the link and hosts still get in; it refills', async () => {
    const { number, key } = await reservation(t, owner, { meeting_password: '86420864' });
    const host = await joinAs(t, { meeting_number: number, client_id: 'own-budget', display_name: 'Owner', token: owner.token });
    clients.push(host);
    // Six guessers, one wrong passcode each: none reaches its own limit (3), together they spend the meeting's (6).
    const answers: Array<string | undefined> = [];
    for (let i = 0; i < 6; i++) {
      const r = await tryJoin(t, { meeting_number: number, client_id: `guesser-${i}`, display_name: 'X', passcode: `0000000${i}` });
      answers.push(r.error?.reason ?? (r.prompts.at(-1)?.rejected ? 'rejected' : 'joined'));
    }
    assert.deepEqual(answers, ['PasscodeFailed', 'PasscodeFailed', 'PasscodeFailed', 'PasscodeFailed', 'PasscodeFailed', 'PasscodeTooManyRetries']);
    const lockout = await host.waitFor('passcode.lockout');
    assert.ok(lockout.until > Date.now() && lockout.until <= Date.now() + 4000, String(lockout.until - Date.now()));
    // A new guesser with the right passcode, from any client id, is refused now; attempts_left tells nothing about it.
    const late = await tryJoin(t, { meeting_number: number, client_id: 'late-guest', display_name: 'L', passcode: '86420864' });
    assert.equal(late.error?.reason, 'PasscodeTooManyRetries');
    assert.match(late.error!.message, /meeting link/);
    // The meeting link is the invitation: no passcode asked. A host joins without one and is told too.
    const invited = await tryJoin(t, { meeting_number: number, client_id: 'link-guest', display_name: 'By link', link_key: key });
    assert.deepEqual(invited.prompts, []);
    assert.ok(invited.joined?.connected);
    const wrongKey = await tryJoin(t, { meeting_number: number, client_id: 'bad-link', display_name: 'B', link_key: 'AAAAAAAAAAAAAAAA' });
    assert.equal(wrongKey.error?.reason, 'PasscodeTooManyRetries');
    const operatorHost = await tryJoin(t, { meeting_number: number, client_id: 'own-budget-2', display_name: 'Owner 2', token: owner.token });
    assert.ok((await operatorHost.joined!.waitFor('passcode.lockout')).until > Date.now());
    assert.equal(invited.joined!.count('passcode.lockout'), 0, 'only hosts are told');
    const detail = await restFor(t, owner.clientId, owner.token).liveMeeting(number);
    assert.ok(detail.passcode_lockout_until > Date.now());
    // The operator's log says so, without the passcode or the link key.
    const line = t.logs.find((l) => l.includes('too many wrong passcodes') && l.includes(number));
    assert.ok(line, t.logs.join('\n'));
    assert.equal(JSON.parse(line).level, 40, 'a warning');
    for (const secret of ['86420864', key, '00000005']) assert.ok(!t.logs.some((l) => l.includes(secret)), `the logs never hold ${secret}`);
    // After the window the passcode works again.
    await eventually(async () => {
      const again = await tryJoin(t, { meeting_number: number, client_id: `back-${Date.now()}`, display_name: 'Back', passcode: '86420864' });
      assert.ok(again.joined?.connected, again.error?.message);
    }, 8000, 500);
  });

  it('a guesser’s failures expire after the window (CONVENE_PASSCODE_WINDOW_SECONDS)', async () => {
    const s = await startTestServer('sqlite', { CONVENE_PASSCODE_ATTEMPTS: '2', CONVENE_PASSCODE_WINDOW_SECONDS: '1', CONVENE_LOG_LEVEL: 'warn' });
    try {
      const who = await person(s, 'olga');
      const { meeting_number, meeting_password } = await instantMeeting(s, who.token, who.clientId);
      const params = { meeting_number, client_id: 'g-window', display_name: 'G' };
      const blocked = await tryJoin(s, params, ['1', '2']);
      assert.equal(blocked.error?.reason, 'PasscodeTooManyRetries');
      assert.equal((await tryJoin(s, params, [meeting_password])).error?.reason, 'PasscodeTooManyRetries', 'still blocked');
      await sleep(1200);
      const later = await tryJoin(s, params, [meeting_password]);
      assert.deepEqual(later.prompts, [{ attemptsLeft: 2, rejected: false }]);
      assert.ok(later.joined?.connected);
      await closeAll(clients.splice(0));
    } finally {
      await s.close();
    }
  });

  it('a token-less control call (request_unmute, rename) gets the same 403 for a number that does not exist, a meeting not live, and one it is not in', async () => {
    const { number: live } = await reservation(t, owner, { meeting_password: '' });
    const { number: idle } = await reservation(t, owner, { meeting_password: '' });
    clients.push(await joinAs(t, { meeting_number: live, client_id: 'g-in', display_name: 'In' }));
    const answers = [];
    for (const n of [live, idle, '222222222']) {
      for (const call of [() => restFor(t, 'g-out').requestUnmute(n), () => restFor(t, 'g-out').rename(n, 'g-out', 'Out')]) {
        const e = await call().catch((x: unknown) => x);
        assert.ok(e instanceof RestError);
        answers.push(`${e.status} ${e.errorCode} ${e.error.replace(n, 'N')}`);
      }
    }
    assert.deepEqual(new Set(answers), new Set(['403 0x10000003 client_id: not in meeting N from this device']));
    await restFor(t, 'g-in').requestUnmute(live);
  });
});

describe('unknown meeting numbers [sqlite]', () => {
  let t: TestServer;
  let owner: Who;
  let member: Who;
  before(async () => {
    t = await startTestServer('sqlite', { CONVENE_PASSCODE_ATTEMPTS: '3', CONVENE_UNKNOWN_NUMBERS_PER_ADDRESS: '4', CONVENE_LOG_LEVEL: 'warn' });
    [owner, member] = await Promise.all([person(t, 'olivia'), person(t, 'mark')]);
  });
  after(() => t.close());

  it('numbers that do not exist, asked for by a signed-in user over signalling and REST, spend its address’s budget; then it gets only refusals', async () => {
    const { number: someoneElses } = await reservation(t, owner, { meeting_password: '' });
    const rest = restFor(t, member.clientId, member.token);
    const refusal = (e: unknown) => (e instanceof RestError ? `${e.status} ${e.errorCode}` : String(e));
    // Before: plain answers (another's meeting 403, unknown 404 / MeetingNoExist).
    assert.equal(await rest.mute(someoneElses, ['x']).then(() => 'ok', refusal), '403 0x10000003');
    assert.equal(await rest.liveMeeting('111111111').then(() => 'ok', refusal), '404 0x10000004');
    assert.equal(await rest.history('111111112').then(() => 'ok', refusal), '404 0x10000004');
    assert.equal((await tryJoin(t, { meeting_number: '111111113', client_id: 'm-probe', display_name: 'M', token: member.token })).error?.reason, 'MeetingNoExist');
    assert.equal(await rest.requestUnmute('111111114').then(() => 'ok', refusal), '404 0x10000004');
    // That spent the 4 (a wrong passcode or someone else's meeting spends nothing): now every such answer is refused,
    // whether the number exists or not.
    for (const n of ['111111115', someoneElses]) {
      const e = await rest.liveMeeting(n).catch((x: unknown) => x);
      assert.ok(e instanceof RestError && e.status === 429 && e.errorCode === '0x10000006' && /meeting_number: too many/.test(e.error), refusal(e));
      const j = await tryJoin(t, { meeting_number: n, client_id: 'm-probe', display_name: 'M', token: member.token });
      assert.equal(j.error?.reason, 'ServerReject');
      assert.match(j.error!.message, /too many meeting numbers/);
    }
    // Hosts still reach their own meetings from that address, and guests still get only the passcode prompt.
    const own = await reservation(t, member, { meeting_password: '' });
    assert.ok((await tryJoin(t, { meeting_number: own.number, client_id: 'm-own', display_name: 'M', token: member.token })).joined?.connected);
    await restFor(t, 'm-own', member.token).lock(own.number);
    const guest = await tryJoin(t, { meeting_number: '111111116', client_id: 'g-probe', display_name: 'G' });
    assert.deepEqual(guest.prompts, [{ attemptsLeft: 3, rejected: false }]);
  });

});

describe('signalling robustness [sqlite]', () => {
  let t: TestServer;
  let number: string;
  let host: SignalClient;
  before(async () => {
    t = await startTestServer('sqlite', {
      CONVENE_SIGNAL_FRAMES_PER_SECOND: '5',
      CONVENE_SIGNAL_FRAME_BURST: '30',
      CONVENE_PASSCODE_PROMPTS_PER_ADDRESS: '2',
      CONVENE_PASSCODE_TIMEOUT_SECONDS: '5',
      CONVENE_LOG_LEVEL: 'warn',
    });
    const owner = await person(t, 'olivia');
    number = (await reservation(t, owner, { meeting_password: '' })).number;
    host = await joinAs(t, { meeting_number: number, client_id: 'own-robust', display_name: 'Owner', token: owner.token });
  });
  after(async () => {
    await closeAll([host]);
    await t.close();
  });

  it('frames whose type names an Object.prototype member get an error and leave the connection usable', async () => {
    const c = await joinAs(t, { meeting_number: number, client_id: 'g-proto', display_name: 'Proto' });
    clients.push(c);
    for (const type of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      c.mark();
      c.sendRaw(JSON.stringify({ type, id: type }));
      const e = await c.waitFor('error', (x) => x.id === type);
      assert.equal(e.errorCode, '0x10000001');
      assert.match(e.error, /type: unknown command/);
    }
    // `__proto__` as a JSON key is an own property, not the prototype: also just unknown.
    c.sendRaw('{"__proto__":{"type":"ping"},"id":"proto-key"}');
    assert.match((await c.waitFor('error', (x) => x.id === 'proto-key')).error, /unknown command/);
    await c.ping();
    assert.equal(c.connected, true);
    assert.deepEqual(crashes(t), []);
  });

  it('a first frame that is not a valid join or resume — invalid JSON, a ping, an unknown or prototype type — gets an error and code 4001', async () => {
    for (const frame of ['not json', '{"type":"ping","id":1}', '{"type":"toString"}', '{"type":"__proto__"}', '[]', 'null', '{"type":"mute","audio":true}']) {
      const s = await rawSocket(t);
      s.ws.send(frame);
      const { code } = await s.closed;
      assert.equal(code, CLOSE_CODES.protocol, frame);
      assert.deepEqual(s.events.map((e) => e.type), ['error'], frame);
    }
    assert.deepEqual(crashes(t), []);
  });

  it('a connection that floods frames is told and closed (4004) and gives up its place; one within the burst is not', async () => {
    const calm = await joinAs(t, { meeting_number: number, client_id: 'g-calm', display_name: 'Calm' });
    clients.push(calm);
    await Promise.all(Array.from({ length: 20 }, () => calm.ping()));
    assert.equal(calm.connected, true);

    const flood = await joinAs(t, { meeting_number: number, client_id: 'g-flood', display_name: 'Flood' });
    clients.push(flood);
    await host.waitFor('roster', () => host.roster.has('g-flood'));
    host.mark();
    for (let i = 0; i < 200; i++) {
      try {
        flood.sendRaw(JSON.stringify({ type: 'hand', raised: i % 2 === 0 }));
      } catch {
        break; // closed
      }
    }
    const { code, reason } = await flood.closed;
    assert.equal(code, CLOSE_CODES.tooFast);
    assert.equal(reason, 'too many frames');
    const error = flood.events.find((e) => e.type === 'error');
    assert.ok(error?.type === 'error' && error.errorCode === '0x10000006' && /frames: more than 5 a second/.test(error.error), JSON.stringify(error));
    await host.waitFor('roster', (e) => e.left.includes('g-flood'));
    // The hosts saw the raised hands as a few batched lists, not one per frame.
    const lists = host.events.slice(-50).filter((e) => e.type === 'unmute.requested').length;
    assert.ok(lists <= 6, `${lists} unmute.requested events`);
    await assert.rejects(flood.resume(), (e: unknown) => e instanceof JoinError && e.reason === 'MeetingInterrupt');
    assert.equal(calm.connected, true);
  });

  it('at most CONVENE_PASSCODE_PROMPTS_PER_ADDRESS sockets of one address wait at a passcode prompt; the prompt times out after CONVENE_PASSCODE_TIMEOUT_SECONDS', async () => {
    const owner = await person(t, 'pia');
    const { meeting_number } = await instantMeeting(t, owner.token, owner.clientId);
    const waiting: Array<{ c: SignalClient; result: Promise<unknown> }> = [];
    const prompted = async (clientId: string) => {
      const c = signalFor(t);
      let asked!: () => void;
      const prompt = new Promise<void>((r) => (asked = r));
      const result = c.join({ meeting_number, client_id: clientId, display_name: clientId }, { onPasscode: () => (asked(), new Promise<string>(() => undefined)) }).catch((e: unknown) => e);
      const first = await Promise.race([prompt.then(() => 'prompt'), result]);
      return { c, result, first };
    };
    const started = Date.now();
    for (const id of ['wait-1', 'wait-2']) {
      const w = await prompted(id);
      assert.equal(w.first, 'prompt');
      waiting.push(w);
    }
    const third = await prompted('wait-3');
    assert.ok(third.first instanceof JoinError && third.first.reason === 'ServerReject', String(third.first));
    assert.match((third.first as JoinError).message, /waiting for a meeting passcode/);
    // One gives up: another may wait.
    await waiting.shift()!.c.close();
    await sleep(200);
    const fourth = await prompted('wait-4');
    assert.equal(fourth.first, 'prompt');
    waiting.push(fourth);
    const [a, b] = await Promise.all(waiting.map((w) => w.result));
    for (const e of [a, b]) assert.ok(e instanceof JoinError && e.reason === 'PasscodeTimeout' && !e.local, String(e));
    const took = Date.now() - started;
    assert.ok(took >= 5000 && took < 9000, `timed out after ${took} ms`);
  });
});

describe('who may share their screen [sqlite]', () => {
  let t: TestServer;
  let owner: Who;
  before(async () => {
    t = await startTestServer('sqlite', { CONVENE_LOG_LEVEL: 'warn' });
    owner = await person(t, 'olivia');
  });
  after(() => t.close());

  it('hosts choose everyone or hosts only; a guest’s share is then refused, everyone sees the setting, others may not change it', async () => {
    const { number } = await reservation(t, owner, { meeting_password: '' });
    const host = await joinAs(t, { meeting_number: number, client_id: 'own-share', display_name: 'Owner', token: owner.token });
    const guest = await joinAs(t, { meeting_number: number, client_id: 'g-share', display_name: 'Guest' });
    clients.push(host, guest);
    assert.equal(guest.info?.share_policy, 'everyone', 'the default (CONVENE_SHARE_POLICY)');
    await guest.share(true);
    const rest = restFor(t, owner.clientId, owner.token);
    await rest.setSharePolicy(number, 'hosts');
    for (const c of [host, guest]) await c.waitFor('meeting.info', (e) => e.share_policy === 'hosts');
    assert.equal((await rest.liveMeeting(number)).share_policy, 'hosts');
    await assert.rejects(guest.share(true), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000006' && /only hosts may share/.test(e.error));
    await guest.share(false);
    await host.share(true);
    const denied = await restFor(t, 'g-share').setSharePolicy(number, 'everyone').catch((e: unknown) => e);
    assert.ok(denied instanceof RestError && denied.status === 401);
    await rest.setSharePolicy(number, 'everyone');
    await guest.waitFor('meeting.info', (e) => e.share_policy === 'everyone');
    await guest.share(true);
  });

  it('CONVENE_SHARE_POLICY=hosts: new meetings start with hosts only', async () => {
    const s = await startTestServer('sqlite', { CONVENE_SHARE_POLICY: 'hosts', CONVENE_LOG_LEVEL: 'warn' });
    try {
      const who = await person(s, 'olga');
      const { meeting_number, meeting_password } = await instantMeeting(s, who.token, who.clientId);
      const guest = await joinAs(s, { meeting_number, client_id: 'g-default', display_name: 'G', passcode: meeting_password });
      assert.equal(guest.info?.share_policy, 'hosts');
      await assert.rejects(guest.share(true), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000006');
      await closeAll([guest]);
    } finally {
      await s.close();
    }
  });
});

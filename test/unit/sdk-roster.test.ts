/**
 * The client SDK's pure parts, without a server: roster application, the FRTC secret, RestClient request building
 * (a recording fake fetch), SignalClient's inbox and command correlation (a scripted fake WebSocket), and the rule that
 * sdk/ imports nothing but contract/ and typebox.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket as NodeWebSocket } from 'ws';
import { resolveMeetingLink } from '../../contract/rest/meeting-links.ts';
import { listMeetingRooms } from '../../contract/rest/meeting-room.ts';
import type { EventOf, RosterEntry, ServerEvent } from '../../contract/signal/protocol.ts';
import { RestClient, RestError } from '../../sdk/rest-client.ts';
import { applyRoster } from '../../sdk/roster.ts';
import { clientSecret as sdkSecret } from '../../sdk/secret.ts';
import { ConnectionClosedError, JoinError, SignalClient, SignalError, type WebSocketConstructorLike, type WebSocketLike } from '../../sdk/signal-client.ts';
import { parseImports } from '../../scripts/check-boundaries.ts';
import { clientSecret as serverSecret } from '../../src/accounts/secret.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// Compile-time: the ws package's WebSocket is accepted as SignalClient's WebSocket option.
const _wsFits: WebSocketConstructorLike = NodeWebSocket;
void _wsFits;

const entry = (uuid: string, over: Partial<RosterEntry> = {}): RosterEntry => ({
  uuid,
  display_name: uuid.toUpperCase(),
  user_id: '',
  audio_mute: false,
  video_mute: false,
  role: 'participant',
  hand_raised: false,
  room: '',
  ...over,
});

const roster = (over: Partial<EventOf<'roster'>>): EventOf<'roster'> => ({ type: 'roster', full: false, participants: [], left: [], ...over });

describe('applyRoster()', () => {
  it('a full roster replaces everything known', () => {
    const before = new Map([['x', entry('x')]]);
    const after = applyRoster(before, roster({ full: true, participants: [entry('a'), entry('b', { role: 'host' })] }));
    assert.deepEqual([...after.keys()], ['a', 'b']);
    assert.equal(after.get('b')!.role, 'host');
  });

  it('a delta upserts its participants and removes those who left', () => {
    const before = new Map([
      ['a', entry('a')],
      ['b', entry('b')],
    ]);
    const after = applyRoster(before, roster({ participants: [entry('b', { display_name: 'Bee' }), entry('c')], left: ['a'] }));
    assert.deepEqual([...after.keys()].sort(), ['b', 'c']);
    assert.equal(after.get('b')!.display_name, 'Bee');
  });

  it('all_audio_mute sets audio_mute on everyone not excepted', () => {
    const before = new Map([
      ['host', entry('host', { role: 'host' })],
      ['a', entry('a')],
      ['b', entry('b', { audio_mute: true })],
    ]);
    const muted = applyRoster(before, roster({ all_audio_mute: { muted: true, except: ['host'] } }));
    assert.deepEqual(
      [...muted.values()].map((e) => [e.uuid, e.audio_mute]),
      [
        ['host', false],
        ['a', true],
        ['b', true],
      ],
    );
    const unmuted = applyRoster(muted, roster({ all_audio_mute: { muted: false, except: ['b'] } }));
    assert.deepEqual(
      [...unmuted.values()].map((e) => [e.uuid, e.audio_mute]),
      [
        ['host', false],
        ['a', false],
        ['b', true],
      ],
    );
  });

  it('participants listed in the same delta win over all_audio_mute (they carry the later state)', () => {
    const before = new Map([
      ['a', entry('a')],
      ['b', entry('b')],
    ]);
    const after = applyRoster(before, roster({ participants: [entry('b', { audio_mute: false })], all_audio_mute: { muted: true, except: [] } }));
    assert.equal(after.get('a')!.audio_mute, true);
    assert.equal(after.get('b')!.audio_mute, false);
  });

  it('is pure: neither the input map nor its entries change', () => {
    const a = entry('a');
    const before = new Map([['a', a]]);
    const after = applyRoster(before, roster({ participants: [entry('b')], left: [], all_audio_mute: { muted: true, except: [] } }));
    assert.equal(before.size, 1);
    assert.equal(a.audio_mute, false);
    assert.notEqual(after, before);
    assert.equal(after.get('a')!.audio_mute, true);
  });
});

describe('sdk clientSecret()', () => {
  it('equals the server computation (lowercase hex SHA-1 of password + salt)', async () => {
    for (const password of ['', 'secret', 'Pässwörd ✓ 密码', 'x'.repeat(300)]) {
      const s = await sdkSecret(password);
      assert.match(s, /^[0-9a-f]{40}$/);
      assert.equal(s, serverSecret(password));
    }
  });
});

interface Recorded {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function fakeFetch(reply: (req: Recorded) => { status: number; body: unknown } = () => ({ status: 200, body: {} })) {
  const requests: Recorded[] = [];
  const fetch = (async (input: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
    const req: Recorded = { url: new URL(input), method: init.method, headers: init.headers, body: init.body };
    requests.push(req);
    const r = reply(req);
    return new Response(typeof r.body === 'string' ? r.body : JSON.stringify(r.body), { status: r.status, statusText: 'X' });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, requests };
}

const query = (r: Recorded) => [...r.url.searchParams.entries()];

describe('RestClient request building', () => {
  it('fills the path, appends client_id and token, sends the body as JSON', async () => {
    const f = fakeFetch();
    const api = new RestClient({ baseUrl: 'https://h.example:8443/', clientId: 'cid-1', token: 'tok', fetch: f.fetch });
    await api.muteAll('123', { exclusions: ['p1'] });
    const [r] = f.requests;
    assert.equal(r!.method, 'POST');
    assert.equal(r!.url.origin + r!.url.pathname, 'https://h.example:8443/api/v1/meeting/123/mute_all');
    assert.deepEqual(query(r!), [
      ['client_id', 'cid-1'],
      ['token', 'tok'],
    ]);
    assert.equal(r!.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r!.body!), { exclusions: ['p1'] }, 'allow_self_unmute left out: the server default applies');
  });

  it('sends DELETE with a JSON body', async () => {
    const f = fakeFetch();
    const api = new RestClient({ baseUrl: 'https://h', clientId: 'c', token: 't', fetch: f.fetch });
    await api.disconnect('42', ['a', 'b']);
    const [r] = f.requests;
    assert.equal(r!.method, 'DELETE');
    assert.equal(r!.url.pathname, '/api/v1/meeting/42/disconnect');
    assert.deepEqual(JSON.parse(r!.body!), { participants: ['a', 'b'] });
    assert.equal(r!.headers['content-type'], 'application/json');
  });

  it('sends no body and no content type for body-less operations', async () => {
    const f = fakeFetch();
    const api = new RestClient({ baseUrl: 'https://h', clientId: 'c', token: 't', fetch: f.fetch });
    await api.lock('42');
    await api.unlock('42');
    assert.deepEqual(
      f.requests.map((r) => [r.method, r.url.pathname, r.body, r.headers['content-type']]),
      [
        ['POST', '/api/v1/meeting/42/lock', undefined, undefined],
        ['DELETE', '/api/v1/meeting/42/lock', undefined, undefined],
      ],
    );
  });

  it('omits token when none is set, and after setToken(undefined)', async () => {
    const f = fakeFetch();
    const api = new RestClient({ baseUrl: 'https://h', clientId: 'c', fetch: f.fetch });
    await api.requestUnmute('7');
    api.setToken('t2');
    await api.requestUnmute('7');
    api.setToken(undefined);
    await api.requestUnmute('7');
    assert.deepEqual(f.requests.map(query), [[['client_id', 'c']], [['client_id', 'c'], ['token', 't2']], [['client_id', 'c']]]);
  });

  it('sends neither client_id nor token to anonymous operations', async () => {
    const f = fakeFetch(() => ({ status: 200, body: { ok: 1 } }));
    const api = new RestClient({ baseUrl: 'https://h', clientId: 'c', token: 't', fetch: f.fetch });
    await api.call(resolveMeetingLink, { params: { key: 'k y/z' } });
    const [r] = f.requests;
    assert.equal(r!.method, 'GET');
    assert.equal(r!.url.pathname, '/api/v1/mt/k%20y%2Fz');
    assert.deepEqual(query(r!), []);
  });

  it('appends query parameters after client_id and token, skipping undefined ones', async () => {
    const f = fakeFetch(() => ({ status: 200, body: { rooms: [] } }));
    const api = new RestClient({ baseUrl: 'https://h', clientId: 'c', token: 't', fetch: f.fetch });
    await api.call(listMeetingRooms, { query: { page_num: 2, page_size: 10, filter: undefined } });
    assert.deepEqual(query(f.requests[0]!), [
      ['client_id', 'c'],
      ['token', 't'],
      ['page_num', '2'],
      ['page_size', '10'],
    ]);
  });

  it('uses the path parameter of each viewer-addressed call and the method asked for', async () => {
    const f = fakeFetch();
    const api = new RestClient({ baseUrl: 'https://h', clientId: 'c', token: 't', fetch: f.fetch });
    await api.pinFor('5', 'viewer', 'star');
    await api.pinFor('5', 'viewer');
    await api.unpinFor('5', 'viewer');
    await api.layoutChange('5', 'viewer', 9);
    await api.liveMeeting('5');
    await api.setEndTime('5', 1_900_000_000_000);
    await api.stop('5');
    await api.stop('5', false);
    assert.deepEqual(
      f.requests.map((r) => [r.method, r.url.pathname, r.body === undefined ? undefined : JSON.parse(r.body)]),
      [
        ['POST', '/api/v1/meeting/5/participant/viewer/pin', { participants: ['star'] }],
        ['POST', '/api/v1/meeting/5/participant/viewer/pin', { participants: [] }],
        ['DELETE', '/api/v1/meeting/5/participant/viewer/pin', undefined],
        ['POST', '/api/v1/meeting/5/participant/viewer/layout_change', { max_views: 9 }],
        ['GET', '/api/v1/meeting/5', undefined],
        ['POST', '/api/v1/meeting/5', { end_time: 1_900_000_000_000 }],
        ['POST', '/api/v1/meeting/5/stop', {}],
        ['POST', '/api/v1/meeting/5/stop', { rejoin: false }],
      ],
    );
  });

  it('refuses a missing path parameter and a GET body before sending', async () => {
    const f = fakeFetch();
    const api = new RestClient({ baseUrl: 'https://h', clientId: 'c', fetch: f.fetch });
    await assert.rejects(api.lock(''), /path parameter meeting_number is missing/);
    await assert.rejects(api.call(resolveMeetingLink, { params: { key: 'k' }, body: {} as never }), /GET request cannot carry a body/);
    assert.equal(f.requests.length, 0);
  });

  it('throws RestError with status, errorCode and error on any status but 200', async () => {
    const f = fakeFetch((r) =>
      r.url.pathname.endsWith('/lock')
        ? { status: 403, body: { error: 'not a host', errorCode: '0x10000003' } }
        : { status: 502, body: '<html>bad gateway</html>' },
    );
    const api = new RestClient({ baseUrl: 'https://h', clientId: 'c', token: 't', fetch: f.fetch });
    const e = await api.lock('1').catch((x: unknown) => x);
    assert.ok(e instanceof RestError);
    assert.deepEqual([e.status, e.errorCode, e.error, e.operation], [403, '0x10000003', 'not a host', 'lockMeeting']);
    const g = await api.unmuteAll('1').catch((x: unknown) => x);
    assert.ok(g instanceof RestError);
    assert.deepEqual([g.status, g.errorCode, g.error], [502, '', '<html>bad gateway</html>']);
  });

  it('signIn() posts the FRTC secret and keeps the user_token for later calls', async () => {
    const f = fakeFetch((r) => (r.url.pathname === '/api/v1/user/sign_in' ? { status: 200, body: { user_token: 'new-token', user_id: 'u' } } : { status: 200, body: { meetings: [] } }));
    const api = new RestClient({ baseUrl: 'https://h', clientId: 'c', fetch: f.fetch });
    const profile = await api.signIn('alice', 'pw');
    assert.equal(profile.user_token, 'new-token');
    assert.equal(api.token, 'new-token');
    const [signIn] = f.requests;
    assert.equal(signIn!.method, 'POST');
    assert.deepEqual(query(signIn!), [['client_id', 'c']]);
    assert.deepEqual(JSON.parse(signIn!.body!), { username: 'alice', secret: serverSecret('pw') });
    await api.liveMeetings();
    assert.equal(f.requests[1]!.method, 'GET');
    assert.deepEqual(query(f.requests[1]!), [
      ['client_id', 'c'],
      ['token', 'new-token'],
    ]);
  });
});

/** A scripted WebSocket: the test plays the server with push() and reads what the client sent. */
class FakeSocket implements WebSocketLike {
  static last: FakeSocket | undefined;
  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  terminated = false;
  onopen: ((event: any) => void) | null = null;
  onmessage: ((event: any) => void) | null = null;
  onclose: ((event: any) => void) | null = null;
  onerror: ((event: any) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
    readonly options?: unknown,
  ) {
    FakeSocket.last = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code = 1005, reason = ''): void {
    this.serverClose(code, reason);
  }

  terminate(): void {
    this.terminated = true;
    this.serverClose(1006, '');
  }

  push(event: ServerEvent | Record<string, unknown> | string): void {
    this.onmessage?.({ data: typeof event === 'string' ? event : JSON.stringify(event) });
  }

  serverClose(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

const tick = () => new Promise((r) => setImmediate(r));
const self = entry('me');
const connected = (resumed = false): EventOf<'meeting.status'> => ({
  type: 'meeting.status',
  status: 'connected',
  reason: 'StatusOk',
  reason_code: 0,
  message: 'joined',
  resume_token: resumed ? 'rt-2' : 'rt-1',
  resumed,
  self,
});

function client() {
  return new SignalClient({ url: 'wss://h/api/v1/signal', WebSocket: FakeSocket, webSocketOptions: { rejectUnauthorized: false } });
}

async function joined() {
  const c = client();
  const p = c.join({ meeting_number: '1', client_id: 'me', display_name: 'Me' });
  await tick();
  const s = FakeSocket.last!;
  s.push(connected());
  s.push({ type: 'ack', id: s.sent[0]!.id as number });
  await p;
  return { c, s };
}

describe('SignalClient with a scripted socket', () => {
  it('join() sends a v1 join with an id, resolves with the connected status and keeps self and resume_token', async () => {
    const c = client();
    const p = c.join({ meeting_number: '1', client_id: 'me', display_name: 'Me', audio_mute: true });
    await tick();
    const s = FakeSocket.last!;
    assert.deepEqual(s.options, { rejectUnauthorized: false });
    assert.deepEqual(s.sent, [{ type: 'join', v: 1, meeting_number: '1', client_id: 'me', display_name: 'Me', audio_mute: true, id: 1 }]);
    s.push(connected());
    const status = await p;
    assert.equal(status.resume_token, 'rt-1');
    assert.deepEqual(c.self, self);
    assert.equal(c.resumeToken, 'rt-1');
    assert.equal(c.connected, true);
  });

  it('join() rejects with JoinError on join.failed, and when the socket closes first', async () => {
    const c = client();
    const p = c.join({ meeting_number: '1', client_id: 'me', display_name: 'Me' });
    await tick();
    FakeSocket.last!.push({ type: 'join.failed', reason: 'MeetingLocked', reason_code: 7, message: 'locked' });
    const e = await p.catch((x: unknown) => x);
    assert.ok(e instanceof JoinError);
    assert.deepEqual([e.reason, e.reason_code, e.message, e.local], ['MeetingLocked', 7, 'locked', false]);

    const d = client();
    const q = d.join({ meeting_number: '1', client_id: 'me', display_name: 'Me' });
    await tick();
    FakeSocket.last!.push({ type: 'error', errorCode: '0x10000001', error: 'display_name: too long' });
    FakeSocket.last!.serverClose(4001, 'protocol error');
    const f = await q.catch((x: unknown) => x);
    assert.ok(f instanceof JoinError);
    assert.equal(f.local, true);
    assert.equal(f.closeCode, 4001);
    assert.match(f.message, /display_name: too long/);
  });

  it('asks onPasscode on passcode.requested and sends the answer; without onPasscode it rejects PasscodeFailed', async () => {
    const c = client();
    const asked: [number, boolean][] = [];
    const p = c.join({ meeting_number: '1', client_id: 'me', display_name: 'Me' }, { onPasscode: async (left, rejected) => (asked.push([left, rejected]), 'pw' + asked.length) });
    await tick();
    const s = FakeSocket.last!;
    s.push({ type: 'passcode.requested', rejected: false, attempts_left: 3 });
    await tick();
    s.push({ type: 'passcode.requested', rejected: true, attempts_left: 2 });
    await tick();
    assert.deepEqual(asked, [
      [3, false],
      [2, true],
    ]);
    assert.deepEqual(
      s.sent.slice(1).map((m) => [m.type, m.passcode]),
      [
        ['passcode', 'pw1'],
        ['passcode', 'pw2'],
      ],
    );
    s.push(connected());
    await p;
    assert.equal(c.count('passcode.requested'), 2);

    const d = client();
    const q = d.join({ meeting_number: '1', client_id: 'me', display_name: 'Me' });
    await tick();
    FakeSocket.last!.push({ type: 'passcode.requested', rejected: false, attempts_left: 3 });
    const e = await q.catch((x: unknown) => x);
    assert.ok(e instanceof JoinError);
    assert.equal(e.reason, 'PasscodeFailed');
    assert.equal(FakeSocket.last!.readyState, 3, 'the connection is given up');
  });

  it('send() correlates ack, pong and error by id', async () => {
    const { c, s } = await joined();
    const mute = c.mute({ audio: true });
    const ping = c.ping();
    const rename = c.rename('   ');
    const [m, p, r] = s.sent.slice(-3);
    assert.deepEqual(m, { type: 'mute', audio: true, id: m!.id });
    s.push({ type: 'error', id: r!.id as number, errorCode: '0x10000001', error: 'display_name: blank' });
    s.push({ type: 'pong', id: p!.id as number, time: 5 });
    s.push({ type: 'ack', id: m!.id as number });
    assert.deepEqual(await mute, { type: 'ack', id: m!.id });
    assert.equal((await ping).time, 5);
    const e = await rename.catch((x: unknown) => x);
    assert.ok(e instanceof SignalError);
    assert.deepEqual([e.errorCode, e.error], ['0x10000001', 'display_name: blank']);
  });

  it('waitFor() finds unconsumed earlier events, consumes what it returns, and mark() skips the past', async () => {
    const { c, s } = await joined();
    s.push({ type: 'participant.count', count: 1 });
    s.push({ type: 'participant.count', count: 2 });
    assert.equal((await c.waitFor('participant.count')).count, 1);
    assert.equal((await c.waitFor('participant.count')).count, 2);
    const later = c.waitFor('participant.count', (e) => e.count === 4, 1000);
    s.push({ type: 'participant.count', count: 3 });
    s.push({ type: 'participant.count', count: 4 });
    assert.equal((await later).count, 4);
    c.mark();
    await assert.rejects(c.waitFor('participant.count', undefined, 20), /no matching event within 20 ms/);
    s.push({ type: 'participant.count', count: 5 });
    assert.equal((await c.waitFor('participant.count')).count, 5);
    assert.equal(c.count('participant.count'), 5);
    // join() and send() consumed their answers.
    await assert.rejects(c.waitFor('meeting.status', undefined, 10));
    await assert.rejects(c.waitFor('ack', undefined, 10));
  });

  it('keeps roster, self, info and mute.lock from events and ignores unknown or malformed frames', async () => {
    const { c, s } = await joined();
    const seen: string[] = [];
    const off = c.on('roster', (e) => seen.push(e.full ? 'full' : 'delta'));
    s.push(roster({ full: true, participants: [self, entry('h', { role: 'host' })] }));
    s.push(roster({ all_audio_mute: { muted: true, except: ['h'] } }));
    off();
    s.push(roster({ left: ['h'] }));
    s.push({ type: 'mute.lock', muted: true, allow_self_unmute: false });
    s.push('not json');
    s.push({ type: 'from.the.future', x: 1 });
    s.push({ no: 'type' });
    assert.deepEqual(seen, ['full', 'delta']);
    assert.deepEqual([...c.roster.keys()], ['me']);
    assert.equal(c.self!.audio_mute, true);
    assert.deepEqual(c.muteLock, { type: 'mute.lock', muted: true, allow_self_unmute: false });
    assert.ok(c.events.every((e) => e.type !== ('from.the.future' as string)));
  });

  it('close() drops the connection, rejects pending commands, and resume() sends the resume_token on a new socket', async () => {
    const { c, s } = await joined();
    const pending = c.raiseHand();
    const info = await c.close();
    assert.equal(s.terminated, true);
    assert.equal(c.terminated, true);
    assert.equal(info.code, 1006);
    assert.equal(c.closeCode, 1006);
    await assert.rejects(pending, ConnectionClosedError);
    const p = c.resume();
    await tick();
    const t = FakeSocket.last!;
    assert.notEqual(t, s);
    assert.deepEqual(t.sent, [{ type: 'resume', v: 1, resume_token: 'rt-1', id: t.sent[0]!.id }]);
    t.push(connected(true));
    assert.equal((await p).resumed, true);
    assert.equal(c.terminated, false);
    assert.equal(c.resumeToken, 'rt-2');
  });

  it('leave() sends leave and resolves when the server closes', async () => {
    const { c, s } = await joined();
    const left = c.leave();
    const leave = s.sent.at(-1)!;
    assert.equal(leave.type, 'leave');
    s.push({ type: 'ack', id: leave.id as number });
    s.push({ type: 'meeting.status', status: 'disconnected', reason: 'StatusOk', reason_code: 0, message: 'you left the meeting' });
    s.serverClose(4000, 'StatusOk');
    assert.deepEqual(await left, { code: 4000, reason: 'StatusOk' });
    assert.equal(c.lastStatus!.status, 'disconnected');
  });
});

describe('sdk/ imports', () => {
  it('sdk/ imports only typebox, sdk/ and contract/ files (no Node, no src/)', () => {
    const dir = join(REPO, 'sdk');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length >= 4);
    for (const f of files) {
      for (const { specifier } of parseImports(readFileSync(join(dir, f), 'utf8'))) {
        const ok = specifier === 'typebox' || ((specifier.startsWith('./') || specifier.startsWith('../')) && /^(sdk|contract)\//.test(posix.join('sdk', specifier)));
        assert.ok(ok, `sdk/${f} imports ${specifier}`);
      }
    }
  });
});

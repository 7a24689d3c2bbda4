import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { EventType } from '../../contract/signal/protocol.ts';
import { JoinError, type SignalClient } from '../../sdk/signal-client.ts';
import type { Reply } from '../support/client.ts';
import { closeAll, instantMeeting, joinAs, restFor } from '../support/live.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server.ts';


/**
 * The meeting-control calls (client contract §2.4 C1–C21) exactly as each FRTC app puts them on the wire (§1): L sends
 * `{}` for calls without payload, A and W send `""` with a JSON content type (A with its Gson param object's camelCase
 * duplicates and values as strings), M and I send no body and no content type; DELETE carries JSON bodies; Windows asks
 * for the floor with client_id only even when signed in; and the API document's own forms (stop `{"rejoin":true}`,
 * disconnect_all with participants, `/lock?` with a body, POST /live). Raw requests go through HttpsClient; the
 * participants who must see the effect are SDK clients.
 */

type AppKey = 'L' | 'A' | 'M' | 'I' | 'W' | 'D';
type Json = Record<string, any>;

interface App {
  key: AppKey;
  name: string;
  userAgent: string;
  /** The content type sent with a JSON body. */
  contentType: string;
  /** How a POST without payload goes out: `{}` (L), `""` (A, W), nothing at all (M, I). */
  emptyPost: 'object' | 'string' | 'none';
  /** The same for DELETE: W's HttpClient.DeleteAsync sends no body. */
  emptyDelete: 'object' | 'string' | 'none';
}

const JSON_TYPE = 'application/json';
const JSON_UTF8 = 'application/json; charset=utf-8';

const APPS: App[] = [
  { key: 'L', name: 'Linux', userAgent: 'FrtcMeeting/3.4.1 linux', contentType: JSON_TYPE, emptyPost: 'object', emptyDelete: 'object' },
  { key: 'A', name: 'Android', userAgent: 'FrtcMeeting/3.4.1 HUAWEI Android 12', contentType: JSON_UTF8, emptyPost: 'string', emptyDelete: 'string' },
  { key: 'M', name: 'macOS', userAgent: 'FrtcMeeting/3.4.0 mac', contentType: JSON_TYPE, emptyPost: 'none', emptyDelete: 'none' },
  { key: 'I', name: 'iOS', userAgent: 'FrtcMeeting/3.4.1 ios', contentType: JSON_TYPE, emptyPost: 'none', emptyDelete: 'none' },
  { key: 'W', name: 'Windows', userAgent: 'FrtcMeeting/3.4.1 windows 10.0.19045', contentType: JSON_UTF8, emptyPost: 'string', emptyDelete: 'none' },
];
const app = (key: AppKey) => APPS.find((a) => a.key === key)!;

const OWNER = { username: 'cc-owner', password: 'owner-pw-1' };
const USER = { username: 'cc-user', password: 'user-pw-1' };

let t: TestServer;
let ownerToken = '';
let userToken = '';

before(async () => {
  t = await startTestServer('sqlite');
  await t.createUser(OWNER.username, OWNER.password);
  await t.createUser(USER.username, USER.password);
  ownerToken = await t.signIn(OWNER.username, OWNER.password, 'cc-owner-device');
  userToken = await t.signIn(USER.username, USER.password, 'cc-user-device');
});
after(() => t.close());

/** The caller of a raw request: the app, its device id (= participant id) and token ('' = none, as guests call). */
interface Caller {
  app: App;
  clientId: string;
  token: string;
}

const qs = (pairs: [string, string][]) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');

/** The query as the app builds it: W puts client_id last (RESTRequestObj); no token when there is none. */
function query(c: Caller): string {
  const token: [string, string][] = c.token ? [['token', c.token]] : [];
  return c.app.key === 'W' ? qs([...token, ['client_id', c.clientId]]) : qs([['client_id', c.clientId], ...token]);
}

/** Android serialises its whole param object: camelCase duplicates ride along. */
const androidExtras = (c: Caller, meetingNumber: string): Json => ({ clientId: c.clientId, token: c.token, meetingNumber, serverAddress: '127.0.0.1' });

/**
 * A raw call: `body` undefined = the app's way of sending no payload for `method`; an object = JSON. `documentForm`
 * writes the path as the API document does for lock (`…/lock?`), the query then appended with `&`.
 */
function send(c: Caller, method: 'POST' | 'DELETE' | 'GET', path: string, body?: unknown, documentForm = false): Promise<Reply> {
  const headers: Record<string, string> = { 'user-agent': c.app.userAgent };
  const url = `${path}?${documentForm ? '&' : ''}${query(c)}`;
  if (body !== undefined) {
    headers['content-type'] = c.app.contentType;
    return t.call(method, url, { headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  }
  const empty = method === 'DELETE' ? c.app.emptyDelete : c.app.emptyPost;
  if (method === 'GET' || empty === 'none') return t.call(method, url, { headers });
  headers['content-type'] = c.app.contentType;
  return t.call(method, url, { headers, body: empty === 'object' ? '{}' : '' });
}

/** Success as every app counts it (§1.1): 200, a JSON object, application/json. */
function assertOk(r: Reply, what: string): void {
  assert.equal(r.status, 200, `${what}: ${r.text}`);
  assert.match(String(r.headers['content-type']), /^application\/json/, what);
  assert.ok(r.body !== null && typeof r.body === 'object' && !Array.isArray(r.body), `${what}: JSON object body: ${r.text}`);
}

function assertError(r: Reply, status: number, errorCode: string, what: string): void {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  assert.equal(r.body?.errorCode, errorCode, `${what}: ${r.text}`);
}

/** A live instant meeting of the owner: the host (as `hostApp`), a signed-in user and two guests, all connected. */
interface Live {
  number: string;
  passcode: string;
  host: SignalClient;
  user: SignalClient;
  guests: [SignalClient, SignalClient];
  all: SignalClient[];
  /** The host's REST identity as `hostApp` sends it. */
  hostCall: Caller;
}

async function live(ctx: TestContext, hostApp: App, prefix = hostApp.key.toLowerCase()): Promise<Live> {
  const tag = `${prefix}-${randomUUID().slice(0, 8)}`;
  const hostId = `${tag}-host`;
  const { meeting_number: number, meeting_password: passcode } = await instantMeeting(t, ownerToken, hostId, `${tag} meeting`);
  const all: SignalClient[] = [];
  ctx.after(async () => {
    await restFor(t, hostId, ownerToken).stop(number).catch(() => undefined);
    await closeAll(all);
  });
  const host = await joinAs(t, { meeting_number: number, client_id: hostId, display_name: 'Host', token: ownerToken });
  all.push(host);
  const others = await Promise.all([
    joinAs(t, { meeting_number: number, client_id: `${tag}-user`, display_name: 'User', token: userToken, passcode }),
    joinAs(t, { meeting_number: number, client_id: `${tag}-g1`, display_name: 'Guest 1', passcode }),
    joinAs(t, { meeting_number: number, client_id: `${tag}-g2`, display_name: 'Guest 2', passcode }),
  ]);
  all.push(...others);
  const [user, g1, g2] = others as [SignalClient, SignalClient, SignalClient];
  await Promise.all(all.map((c) => (c.participantCount === 4 ? undefined : c.waitFor('participant.count', (e) => e.count === 4))));
  for (const c of all) c.mark();
  return { number, passcode, host, user, guests: [g1, g2], all, hostCall: { app: hostApp, clientId: hostId, token: ownerToken } };
}

const uuid = (c: SignalClient) => c.self!.uuid;
const control = (number: string, what: string) => `/api/v1/meeting/${number}/${what}`;
const count = (c: SignalClient, type: EventType) => c.events.filter((e) => e.type === type).length;

describe('C17 request_unmute as each app sends it', () => {
  it('W: signed in, yet client_id only and "" with a JSON content type → the hosts get the request', async (ctx) => {
    const m = await live(ctx, app('W'));
    const r = await send({ app: app('W'), clientId: uuid(m.user), token: '' }, 'POST', control(m.number, 'request_unmute'));
    assertOk(r, 'W request_unmute');
    assert.deepEqual((await m.host.waitFor('unmute.requested')).requests, [{ uuid: uuid(m.user), display_name: 'User' }]);
    await Promise.all(m.all.map((c) => c.ping()));
    for (const c of [m.user, ...m.guests]) assert.equal(count(c, 'unmute.requested'), 0);
  });

  for (const key of ['L', 'A', 'M', 'I'] as const) {
    it(`${key}: a guest with client_id only (${app(key).emptyPost === 'none' ? 'no body' : app(key).emptyPost === 'object' ? '{}' : 'its param JSON'}) → the hosts get the request`, async (ctx) => {
      const m = await live(ctx, app(key));
      const guest: Caller = { app: app(key), clientId: uuid(m.guests[0]), token: '' };
      const r = await send(guest, 'POST', control(m.number, 'request_unmute'), key === 'A' ? androidExtras(guest, m.number) : undefined);
      assertOk(r, `${key} request_unmute`);
      assert.deepEqual((await m.host.waitFor('unmute.requested')).requests, [{ uuid: uuid(m.guests[0]), display_name: 'Guest 1' }]);
    });
  }

  it('a client_id that is not in the meeting → 403, for an unknown meeting too (a guest is not told whether it exists)', async (ctx) => {
    const m = await live(ctx, app('W'));
    const stranger: Caller = { app: app('W'), clientId: 'not-in-this-meeting', token: '' };
    assertError(await send(stranger, 'POST', control(m.number, 'request_unmute')), 403, '0x10000003', 'stranger');
    assertError(await send(stranger, 'POST', control('999999999999', 'request_unmute')), 403, '0x10000003', 'unknown meeting');
    await m.host.ping();
    assert.equal(count(m.host, 'unmute.requested'), 0);
  });
});

describe('C1–C4 mute_all, unmute_all, mute, unmute as each app sends them', () => {
  for (const a of APPS) {
    it(`${a.key}: mute_all {"allow_self_unmute":true} then unmute_all without payload`, async (ctx) => {
      const m = await live(ctx, a);
      const body = a.key === 'A' ? { allow_self_unmute: 'true', ...androidExtras(m.hostCall, m.number) } : { allow_self_unmute: true };
      assertOk(await send(m.hostCall, 'POST', control(m.number, 'mute_all'), body), 'mute_all');
      for (const c of [m.user, ...m.guests]) assert.deepEqual(await c.waitFor('mute.lock'), { type: 'mute.lock', muted: true, allow_self_unmute: true });
      assertOk(await send(m.hostCall, 'POST', control(m.number, 'unmute_all')), 'unmute_all');
      for (const c of [m.user, ...m.guests]) assert.deepEqual(await c.waitFor('mute.lock'), { type: 'mute.lock', muted: false, allow_self_unmute: true });
      await m.host.ping();
      assert.equal(count(m.host, 'mute.lock'), 0);
    });
  }

  it('A: allow_self_unmute "false" as a string is false', async (ctx) => {
    const m = await live(ctx, app('A'));
    const body = { allow_self_unmute: 'false', ...androidExtras(m.hostCall, m.number) };
    assertOk(await send(m.hostCall, 'POST', control(m.number, 'mute_all'), body), 'mute_all');
    assert.deepEqual(await m.guests[0].waitFor('mute.lock'), { type: 'mute.lock', muted: true, allow_self_unmute: false });
  });

  it('W: mute without allow_self_unmute → allowed to unmute oneself (default true); L: {"allow_self_unmute":true}; A: "false" + camelCase extras', async (ctx) => {
    const m = await live(ctx, app('W'));
    assertOk(await send(m.hostCall, 'POST', control(m.number, 'mute'), { participants: [uuid(m.guests[0])] }), 'W mute');
    assert.deepEqual(await m.guests[0].waitFor('mute.lock'), { type: 'mute.lock', muted: true, allow_self_unmute: true });
    await m.guests[0].mute({ audio: false });

    const linux: Caller = { ...m.hostCall, app: app('L') };
    assertOk(await send(linux, 'POST', control(m.number, 'mute'), { allow_self_unmute: true, participants: [uuid(m.guests[1])] }), 'L mute');
    assert.deepEqual(await m.guests[1].waitFor('mute.lock'), { type: 'mute.lock', muted: true, allow_self_unmute: true });

    const android: Caller = { ...m.hostCall, app: app('A') };
    const body = { allow_self_unmute: 'false', participants: [uuid(m.user)], ...androidExtras(android, m.number) };
    assertOk(await send(android, 'POST', control(m.number, 'mute'), body), 'A mute');
    assert.deepEqual(await m.user.waitFor('mute.lock'), { type: 'mute.lock', muted: true, allow_self_unmute: false });

    for (const a of APPS) {
      const caller: Caller = { ...m.hostCall, app: a };
      assertOk(await send(caller, 'POST', control(m.number, 'unmute'), { participants: [uuid(m.user)], ...(a.key === 'A' ? androidExtras(caller, m.number) : {}) }), `${a.key} unmute`);
    }
    assert.deepEqual(await m.user.waitFor('mute.lock'), { type: 'mute.lock', muted: false, allow_self_unmute: true });
  });
});

describe('C5 stop as each app sends it, and the document’s {"rejoin": …}', () => {
  const variants: Array<{ name: string; app: App; body?: unknown; rejoin: boolean }> = [
    ...APPS.map((a) => ({ name: `${a.key} without payload`, app: a, rejoin: true })),
    { name: 'document {"rejoin":true}', app: app('L'), body: { rejoin: true }, rejoin: true },
    { name: 'document {"rejoin":false}', app: app('L'), body: { rejoin: false }, rejoin: false },
    { name: 'A {"rejoin":"false"} with camelCase extras', app: app('A'), body: { rejoin: 'false', clientId: 'x', token: 'y', meetingNumber: '1' }, rejoin: false },
  ];
  for (const v of variants) {
    it(`${v.name} → everyone gets MeetingStop; ${v.rejoin ? 'joining again works' : 'joining again is refused (MeetingStop)'}`, async (ctx) => {
      const m = await live(ctx, v.app);
      assertOk(await send(m.hostCall, 'POST', control(m.number, 'stop'), v.body), 'stop');
      for (const c of m.all) {
        const s = await c.waitFor('meeting.status');
        assert.deepEqual([s.status, s.reason], ['disconnected', 'MeetingStop']);
      }
      const again = joinAs(t, { meeting_number: m.number, client_id: `${m.hostCall.clientId}-again`, display_name: 'Again', token: ownerToken });
      if (v.rejoin) m.all.push(await again);
      else await assert.rejects(again, (e: unknown) => e instanceof JoinError && e.reason === 'MeetingStop');
    });
  }
});

describe('C6 participant (rename) as each app sends it', () => {
  for (const a of APPS) {
    it(`${a.key}: a guest renames itself with client_id only; the host renames another with its token`, async (ctx) => {
      const m = await live(ctx, a);
      const guest: Caller = { app: a, clientId: uuid(m.guests[0]), token: '' };
      const body = { client_id: uuid(m.guests[0]), display_name: `${a.name} guest`, ...(a.key === 'A' ? androidExtras(guest, m.number) : {}) };
      assertOk(await send(guest, 'POST', control(m.number, 'participant'), body), 'guest rename');
      assert.equal((await m.guests[0].waitFor('meeting.info')).display_name, `${a.name} guest`);
      await m.host.waitFor('roster', (e) => e.participants.some((p) => p.display_name === `${a.name} guest`));

      assertOk(await send(m.hostCall, 'POST', control(m.number, 'participant'), { client_id: uuid(m.guests[1]), display_name: 'Named by host' }), 'host rename');
      assert.equal((await m.guests[1].waitFor('meeting.info')).display_name, 'Named by host');
      assertError(await send(guest, 'POST', control(m.number, 'participant'), { client_id: uuid(m.guests[1]), display_name: 'Hijack' }), 403, '0x10000003', 'guest renames another');
    });
  }
});

describe('C7/C8 lecturer, C11/C12 overlay, C20/C21 pin: DELETE without payload as each app sends it', () => {
  for (const a of APPS) {
    it(`${a.key}: set then remove lecturer, overlay and meeting pin`, async (ctx) => {
      const m = await live(ctx, a);
      const extras = a.key === 'A' ? androidExtras(m.hostCall, m.number) : {};
      const target = uuid(m.guests[0]);

      assertOk(await send(m.hostCall, 'POST', control(m.number, 'lecturer'), { lecturer: target, ...extras }), 'lecturer');
      for (const c of m.all) assert.equal((await c.waitFor('layout.setting')).lecturer, target);
      assertOk(await send(m.hostCall, 'DELETE', control(m.number, 'lecturer')), 'DELETE lecturer');
      for (const c of m.all) assert.equal((await c.waitFor('layout.setting')).lecturer, '');

      // A sends its numbers and booleans as strings; the others as JSON numbers and booleans.
      const overlay = a.key === 'A' ? { content: 'Notice', repeat: '5', position: '100', enable_scroll: 'true', ...extras } : { content: 'Notice', repeat: 5, position: 100, enable_scroll: true };
      assertOk(await send(m.hostCall, 'POST', control(m.number, 'overlay'), overlay), 'overlay');
      for (const c of m.all) {
        const e = await c.waitFor('overlay');
        assert.deepEqual([e.enabled, e.text, e.vertical_position, e.display_repetition, e.display_speed], [true, 'Notice', 100, 5, 'slow']);
      }
      assertOk(await send(m.hostCall, 'DELETE', control(m.number, 'overlay')), 'DELETE overlay');
      for (const c of m.all) assert.equal((await c.waitFor('overlay')).enabled, false);

      assertOk(await send(m.hostCall, 'POST', control(m.number, 'pin'), { participants: [target], ...extras }), 'pin');
      for (const c of m.all) assert.equal((await c.waitFor('pin.changed')).pin_speaker_uuid, target);
      assertOk(await send(m.hostCall, 'DELETE', control(m.number, 'pin')), 'DELETE pin');
      for (const c of m.all) assert.equal((await c.waitFor('pin.changed')).scope, 'none');
    });
  }

  it('L: overlay without scrolling → shown once (repeat forced to 1), static', async (ctx) => {
    const m = await live(ctx, app('L'));
    assertOk(await send(m.hostCall, 'POST', control(m.number, 'overlay'), { content: 'Once', repeat: 3, position: 0, enable_scroll: false }), 'overlay');
    const e = await m.user.waitFor('overlay');
    assert.deepEqual([e.display_repetition, e.display_speed, e.vertical_position], [1, 'static', 0]);
  });

  it('document: DELETE /pin and DELETE /participant/{id}/pin with a participants body', async (ctx) => {
    const m = await live(ctx, app('L'));
    const viewer = uuid(m.user);
    assertOk(await send(m.hostCall, 'POST', control(m.number, `participant/${viewer}/pin`), { participants: [uuid(m.guests[0])] }), 'pin for participant');
    assert.equal((await m.user.waitFor('pin.changed')).scope, 'participant');
    assertOk(await send(m.hostCall, 'DELETE', control(m.number, `participant/${viewer}/pin`), { participants: [uuid(m.guests[0])] }), 'unpin for participant');
    assert.equal((await m.user.waitFor('pin.changed')).scope, 'none');
    assertOk(await send(m.hostCall, 'POST', control(m.number, 'pin'), { participants: [uuid(m.guests[1])] }), 'pin');
    assertOk(await send(m.hostCall, 'DELETE', control(m.number, 'pin'), { participants: [uuid(m.guests[1])] }), 'unpin');
    for (const c of m.all) assert.equal((await c.waitFor('pin.changed', (e) => e.scope === 'none')).pin_speaker_uuid, '');
    assertOk(await send(m.hostCall, 'POST', control(m.number, `participant/${viewer}/layout_change`), { max_views: 1, layout: 'auto' }), 'layout_change');
    assert.equal((await m.user.waitFor('layout.setting')).max_cell_count, 1);
  });
});

describe('C9 disconnect and C10 disconnect_all: DELETE with a JSON body', () => {
  for (const a of APPS) {
    it(`${a.key}: DELETE disconnect {"participants":[…]} removes the participant`, async (ctx) => {
      const m = await live(ctx, a);
      const body = { participants: [uuid(m.guests[0])], ...(a.key === 'A' ? androidExtras(m.hostCall, m.number) : {}) };
      assertOk(await send(m.hostCall, 'DELETE', control(m.number, 'disconnect'), body), 'disconnect');
      assert.equal((await m.guests[0].waitFor('meeting.status')).reason, 'RemovedFromMeeting');
      await m.host.waitFor('roster', (e) => e.left.includes(uuid(m.guests[0])));
      assert.ok(m.guests[1].connected);
    });
  }

  const variants: Array<{ name: string; app: App; body?: (m: Live) => unknown }> = [
    { name: 'A: "" with application/json; charset=utf-8', app: app('A') },
    { name: 'document: {"participants":[…]} (ignored: everyone but the caller goes)', app: app('L'), body: (m) => ({ participants: [uuid(m.guests[0])] }) },
    { name: 'M: no body', app: app('M') },
  ];
  for (const v of variants) {
    it(`DELETE disconnect_all, ${v.name} → everyone but the caller is removed`, async (ctx) => {
      const m = await live(ctx, v.app);
      assertOk(await send(m.hostCall, 'DELETE', control(m.number, 'disconnect_all'), v.body?.(m)), 'disconnect_all');
      for (const c of [m.user, ...m.guests]) assert.equal((await c.waitFor('meeting.status')).reason, 'RemovedFromMeeting');
      await m.host.waitFor('participant.count', (e) => e.count === 1);
      assert.ok(m.host.connected);
    });
  }
});

describe('C18/C19 allow_unmute, allow_unmute_all', () => {
  it('L allow_unmute {"participants":[…]}; W allow_unmute_all with ""; I allow_unmute_all with no body', async (ctx) => {
    const m = await live(ctx, app('L'));
    for (const g of m.guests) assertOk(await send({ app: app('I'), clientId: uuid(g), token: '' }, 'POST', control(m.number, 'request_unmute')), 'request');
    await m.host.waitFor('unmute.requested', (e) => e.requests.length === 2);
    assertOk(await send(m.hostCall, 'POST', control(m.number, 'allow_unmute'), { participants: [uuid(m.guests[0])] }), 'allow_unmute');
    await m.guests[0].waitFor('unmute.allowed');
    assertOk(await send({ ...m.hostCall, app: app('W') }, 'POST', control(m.number, 'allow_unmute_all')), 'W allow_unmute_all');
    await m.guests[1].waitFor('unmute.allowed');
    assertOk(await send({ ...m.hostCall, app: app('I') }, 'POST', control(m.number, 'allow_unmute_all')), 'I allow_unmute_all (nothing open)');
    await Promise.all(m.all.map((c) => c.ping()));
    assert.equal(count(m.guests[0], 'unmute.allowed'), 1);
    assert.equal(count(m.user, 'unmute.allowed'), 0);
  });
});

describe('C13–C16 recording and live streaming, cascading: the §6.3 answers whatever the form', () => {
  it('POST/DELETE recording {"meeting_number"}, POST /live with live_password (W without), DELETE /live, the document’s DELETE start form, cascading', async (ctx) => {
    // This server runs without media workers: starts are refused as "service missing", stops as "not running", the
    // apps' body shapes all accepted. Live streaming is for MeetingOperator and SystemAdmin (a Normal owner: 403).
    const m = await live(ctx, app('A'));
    const admin = { clientId: 'cc-admin-console', token: await t.signIn('admin', ADMIN_PASSWORD, 'cc-admin-console') };
    const calls: Array<[App, 'POST' | 'DELETE', string, unknown, 'host' | 'admin', number, string]> = [
      [app('L'), 'POST', 'recording', { meeting_number: m.number }, 'host', 503, '0x0000f005'],
      [app('L'), 'DELETE', 'recording', { meeting_number: m.number }, 'host', 409, '0x0000f100'],
      [app('A'), 'POST', 'recording', { meeting_number: m.number, ...androidExtras(m.hostCall, m.number) }, 'host', 503, '0x0000f005'],
      [app('M'), 'POST', 'live', { meeting_number: m.number, live_password: '123456' }, 'host', 403, '0x10000003'],
      [app('M'), 'POST', 'live', { meeting_number: m.number, live_password: '123456' }, 'admin', 503, '0x00010005'],
      [app('W'), 'POST', 'live', { meeting_number: m.number }, 'admin', 503, '0x00010005'],
      [app('I'), 'DELETE', 'live', { meeting_number: m.number }, 'admin', 409, '0x00010100'],
      // The document's "Start Live Streaming" says DELETE with a live_password: a DELETE stops, whatever its body.
      [app('L'), 'DELETE', 'live', { meeting_number: m.number, live_password: '111111' }, 'admin', 409, '0x00010100'],
      // The document's example is H.323: refused for good (Convene speaks SIP; an H.323↔SIP gateway is needed).
      [app('L'), 'POST', 'cascading', { avc_call_params: [{ protocol: 'H.323', name: 'RMXMeeting', uri: '10.0.0.1##123', call_rate: '4096' }], frtc_call_params: { meeting_number: '123456', password: '111111' } }, 'host', 400, '0x10000001'],
      [app('L'), 'POST', 'cascading', { avc_call_params: [{ protocol: 'SIP', name: 'Room', uri: 'sip:room@10.0.0.1', call_rate: 2048 }] }, 'host', 503, '0x10002001'],
    ];
    for (const [a, method, what, body, who, status, code] of calls) {
      const caller = who === 'host' ? { ...m.hostCall, app: a } : { ...admin, app: a };
      assertError(await send(caller, method, control(m.number, what), body), status, code, `${a.key} ${method} ${what} as ${who}`);
    }
    // Without a body at all (M/I force parameters into the body, but a bare call must not break either).
    assertError(await send({ ...m.hostCall, app: app('M') }, 'DELETE', control(m.number, 'recording')), 409, '0x0000f100', 'DELETE recording without body');
  });
});

describe('lock and unlock in the document’s `lock?` form', () => {
  it('POST /lock? with {"participants":[claimer]} locks, DELETE /lock? unlocks; plain /lock without payload works too', async (ctx) => {
    const m = await live(ctx, app('L'));
    const claimer = { participants: [m.hostCall.clientId] };
    assertOk(await send(m.hostCall, 'POST', control(m.number, 'lock'), claimer, true), 'POST lock?');
    for (const c of m.all) assert.equal((await c.waitFor('meeting.info')).locked, true);
    await assert.rejects(
      joinAs(t, { meeting_number: m.number, client_id: 'lock-guest', display_name: 'Late', passcode: m.passcode }),
      (e: unknown) => e instanceof JoinError && e.reason === 'MeetingLocked',
    );
    assertOk(await send(m.hostCall, 'DELETE', control(m.number, 'lock'), claimer, true), 'DELETE lock?');
    for (const c of m.all) assert.equal((await c.waitFor('meeting.info')).locked, false);

    for (const a of APPS) {
      const caller = { ...m.hostCall, app: a };
      assertOk(await send(caller, 'POST', control(m.number, 'lock')), `${a.key} POST lock`);
      assert.equal((await m.user.waitFor('meeting.info')).locked, true);
      assertOk(await send(caller, 'DELETE', control(m.number, 'lock')), `${a.key} DELETE lock`);
      assert.equal((await m.user.waitFor('meeting.info')).locked, false);
    }
  });
});

describe('third-party reads: POST /api/v1/meeting and POST /api/v1/meeting/{mn} as the document shows them', () => {
  it('list and detail with no body, "" and {}; detail update with {"end_time"} (a number, or a string from A)', async (ctx) => {
    const m = await live(ctx, app('L'));
    for (const a of APPS) {
      const list = await send({ ...m.hostCall, app: a }, 'POST', '/api/v1/meeting');
      assertOk(list, `${a.key} list`);
      assert.ok(list.body.meetings.some((x: Json) => x.meeting_number === m.number));
      const detail = await send({ ...m.hostCall, app: a }, 'POST', `/api/v1/meeting/${m.number}`);
      assertOk(detail, `${a.key} detail`);
      assert.equal(detail.body.participants.length, 4);
    }
    const current = (await send(m.hostCall, 'GET', `/api/v1/meeting/${m.number}`)).body.end_time as number;
    const moved = await send(m.hostCall, 'POST', `/api/v1/meeting/${m.number}`, { end_time: current + 60_000 });
    assertOk(moved, 'end_time');
    assert.equal(moved.body.end_time, current + 60_000);
    assert.equal((await m.guests[0].waitFor('meeting.info')).end_time, current + 60_000);
    const android: Caller = { ...m.hostCall, app: app('A') };
    const asString = await send(android, 'POST', `/api/v1/meeting/${m.number}`, { end_time: String(current + 120_000), ...androidExtras(android, m.number) });
    assertOk(asString, 'end_time as a string');
    assert.equal(asString.body.end_time, current + 120_000);
  });
});

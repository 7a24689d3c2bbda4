import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Reply } from '../support/client.ts';
import { testDialects } from '../support/dialects.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * R1 `GET /api/v1/meeting_room` (client contract §2.2) exactly as each of the five FRTC apps puts it on the wire: query
 * order, headers, the JSON content type Android sends on a GET. Every app reads `meeting_rooms[]`; the macOS app's
 * JSONModel (`PersonalMeetingModel.h`) rejects the whole list when any field but `meeting_password` is missing or null;
 * Windows also maps `total_page_num` and `total_size`.
 */

type AppKey = 'L' | 'A' | 'M' | 'I' | 'W';

interface App {
  key: AppKey;
  name: string;
  userAgent: string;
  clientId: string;
  username: string;
  role: 'Normal' | 'MeetingOperator' | 'SystemAdmin';
  token?: string;
  userId?: string;
}

const JSON_TYPE = 'application/json';
const JSON_UTF8 = 'application/json; charset=utf-8';

const APPS: App[] = [
  { key: 'L', name: 'Linux', userAgent: 'FrtcMeeting/3.4.1 linux', clientId: randomUUID(), username: 'room-l', role: 'Normal' },
  { key: 'A', name: 'Android', userAgent: 'FrtcMeeting/3.4.1 HUAWEI Android 12', clientId: randomUUID(), username: 'room-a', role: 'MeetingOperator' },
  { key: 'M', name: 'macOS', userAgent: 'FrtcMeeting/3.4.0 mac', clientId: randomUUID(), username: 'room-m', role: 'SystemAdmin' },
  { key: 'I', name: 'iOS', userAgent: 'FrtcMeeting/3.4.1 ios', clientId: randomUUID(), username: 'room-i', role: 'Normal' },
  { key: 'W', name: 'Windows', userAgent: 'FrtcMeeting/3.4.1 windows 10.0.19045', clientId: randomUUID(), username: 'room-w', role: 'MeetingOperator' },
];

/** The request each app sends for R1 (L FrtcApiManager, A ManagementService, M/I FrtcManagement.m, W RESTEngine). */
function wire(app: App, token: string): { path: string; headers: Record<string, string> } {
  const ua = { 'user-agent': app.userAgent };
  switch (app.key) {
    case 'A': // OkHttp with a JSON content type even on GET
      return { path: `/api/v1/meeting_room?client_id=${app.clientId}&token=${token}`, headers: { ...ua, 'content-type': JSON_UTF8 } };
    case 'W': // client_id appended after the app's own parameters
      return { path: `/api/v1/meeting_room?token=${token}&client_id=${app.clientId}`, headers: { ...ua, accept: JSON_TYPE } };
    default:
      return { path: `/api/v1/meeting_room?client_id=${app.clientId}&token=${token}`, headers: ua };
  }
}

/** What M's JSONModel requires: every key but meeting_password present and non-null, with the JSON type it declares. */
const REQUIRED_BY_MAC: Record<string, 'string' | 'number'> = {
  meeting_room_id: 'string',
  meeting_number: 'string',
  meetingroom_name: 'string',
  owner_id: 'string',
  owner_name: 'string',
  creator_id: 'string',
  creator_name: 'string',
  created_time: 'number',
};

function assertSuccess(r: Reply): void {
  assert.equal(r.status, 200, r.text);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  assert.ok(r.body !== null && typeof r.body === 'object' && !Array.isArray(r.body), `JSON object body: ${r.text}`);
}

for (const dialect of testDialects()) {
  describe(`FRTC app meeting-room calls [${dialect}]`, () => {
    let t: TestServer;
    /** Rooms created for each app's user: meeting_room_id → the expected fields. */
    const rooms = new Map<AppKey, Record<string, unknown>[]>();
    const admin = async (method: string, path: string, body?: unknown) =>
      t.call(method, path, { query: { client_id: 'admin-console', token: await t.adminToken() }, ...(body !== undefined ? { body } : {}) });
    const send = (app: App) => {
      const w = wire(app, app.token!);
      return t.call('GET', w.path, { headers: w.headers });
    };

    before(async () => {
      t = await startTestServer(dialect);
      for (const app of APPS) {
        // L's user has no real name: owner_name falls back to the username, never null.
        const extra = app.key === 'L' ? {} : { real_name: `Owner ${app.name}` };
        app.userId = await t.createUser(app.username, `${app.key}-room-pw-1`, app.role, extra);
        app.token = await t.signIn(app.username, `${app.key}-room-pw-1`, app.clientId);
        const created: Record<string, unknown>[] = [];
        for (const [name, password] of [[`${app.name} daily`, undefined], [`${app.name} open`, '']] as const) {
          const r = await admin('POST', '/api/v1/meeting_rooms', {
            meetingroom_name: name,
            owner_id: app.userId,
            ...(password !== undefined ? { meeting_password: password } : {}),
          });
          assert.equal(r.status, 200, r.text);
          created.push(r.body);
        }
        rooms.set(app.key, created);
      }
      // A room whose creating administrator was deleted since: creator_name must still be a string ("").
      await t.createUser('room-maker', 'room-maker-pw-1', 'SystemAdmin');
      const makerToken = await t.signIn('room-maker', 'room-maker-pw-1', 'room-maker');
      const mac = APPS.find((a) => a.key === 'M')!;
      const orphan = await t.call('POST', '/api/v1/meeting_rooms', {
        query: { client_id: 'room-maker', token: makerToken },
        body: { meetingroom_name: 'macOS inherited', owner_id: mac.userId },
      });
      assert.equal(orphan.status, 200, orphan.text);
      const makerId = orphan.body.creator_id as string;
      assert.equal((await admin('DELETE', `/api/v1/user/users/${makerId}`)).status, 200);
      rooms.get('M')!.push({ ...orphan.body, creator_name: '' });
    });
    after(() => t.close());

    describe(`R1 GET /api/v1/meeting_room [${dialect}]`, () => {
      for (const app of APPS) {
        it(`${app.key} (${app.name}) with its token → 200 meeting_rooms[] of exactly its own rooms, every field typed as it reads them`, async () => {
          const r = await send(app);
          assertSuccess(r);
          assert.ok(Array.isArray(r.body.meeting_rooms), 'meeting_rooms is an array');
          const expected = rooms.get(app.key)!;
          const byId = new Map(r.body.meeting_rooms.map((room: { meeting_room_id: string }) => [room.meeting_room_id, room]));
          assert.deepEqual([...byId.keys()].sort(), expected.map((e) => e.meeting_room_id as string).sort());
          for (const want of expected) {
            const got = byId.get(want.meeting_room_id as string) as Record<string, unknown>;
            for (const [k, type] of Object.entries(REQUIRED_BY_MAC)) {
              assert.ok(k in got, `${k} missing`);
              assert.notEqual(got[k], null, `${k} is null`);
              assert.equal(typeof got[k], type, `${k} of ${JSON.stringify(got)}`);
            }
            assert.equal(typeof got.meeting_password, 'string', 'meeting_password is a string ("" for none), never null');
            assert.equal(got.owner_id, app.userId);
            assert.equal(got.owner_name, app.key === 'L' ? app.username : `Owner ${app.name}`);
            assert.deepEqual(got, want);
          }
          assert.equal(typeof r.body.total_page_num, 'number');
          assert.equal(typeof r.body.total_size, 'number');
          assert.equal(r.body.total_size, expected.length);
          assert.equal(r.body.total_page_num, 1);
        });
      }

      it('M (macOS): a room whose creator was deleted still has creator_id and creator_name "" (non-null)', async () => {
        const mac = APPS.find((a) => a.key === 'M')!;
        const r = await send(mac);
        assertSuccess(r);
        const inherited = r.body.meeting_rooms.find((x: { meetingroom_name: string }) => x.meetingroom_name === 'macOS inherited');
        assert.ok(inherited);
        assert.equal(inherited.creator_name, '');
        assert.equal(typeof inherited.creator_id, 'string');
        assert.ok(inherited.creator_id.length > 0);
      });

      it('POST as in the API document (L sends {}) → 200 with the same rooms', async () => {
        const l = APPS.find((a) => a.key === 'L')!;
        const r = await t.call('POST', `/api/v1/meeting_room?client_id=${l.clientId}&token=${l.token}`, {
          body: '{}',
          headers: { 'user-agent': l.userAgent, 'content-type': JSON_TYPE },
        });
        assertSuccess(r);
        assert.deepEqual(r.body, (await send(l)).body);
      });

      it('W (Windows) with a token the server does not know → 401 errorCode "0x10000002"', async () => {
        const w = APPS.find((a) => a.key === 'W')!;
        const r = await t.call('GET', `/api/v1/meeting_room?token=c3RhbGUtdG9rZW4&client_id=${w.clientId}`, { headers: { 'user-agent': w.userAgent } });
        assert.equal(r.status, 401, r.text);
        assert.equal(r.body.errorCode, '0x10000002');
      });
    });
  });
}

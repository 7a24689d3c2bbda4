import assert from 'node:assert/strict';
import { PERMISSIONS } from '../../contract/permissions.ts';
import { allOperations } from '../../contract/rest/index.ts';
import { inMeetingOperations } from '../../contract/rest/in-meeting.ts';
import { meetingControlOperations } from '../../contract/rest/meeting-control.ts';
import { after, before, describe, it } from 'node:test';
import type { HttpMethod, Operation } from '../../contract/rest/operation.ts';
import { clientSecret } from '../../src/accounts/secret.ts';
import type { Reply } from '../support/client.ts';
import { testDialects } from '../support/dialects.ts';
import { finishedRecording } from '../support/recording.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server.ts';

/**
 * The endpoint × credential matrix: every method and path of every contract operation, called with every kind of
 * credential, must give exactly the status (and FRTC errorCode) the access rules say — and never a 5xx.
 */

const OPERATIONS = allOperations;

/**
 * Who may use an operation comes from the permission it names (contract/permissions.ts), the same table the services
 * decide with. The matrix's meetings, series and rooms belong to an account no row signs in as, so only the roles of a
 * permission count here (owners and invited users are covered in meeting-schedule.test.ts and meeting-room.test.ts).
 */
const holds = (op: Operation, role: Role): boolean => op.permission === undefined || PERMISSIONS[op.permission].roles.includes(role);

/**
 * Operations on a live meeting, addressed by its number (meeting control). A Normal user may use them only on a live
 * meeting it owns, which the matrix has none of, so every row names a number no meeting has: signed-in callers get
 * 404, token-less callers of the calls a participant makes for itself (`optionalUser`: rename, request unmute) 403,
 * the same as for a meeting they are not in (they are not told whether the number exists). Who may control which live
 * meeting is covered with real participants in test/live/control.test.ts; the unknown-number budget, which these rows
 * would spend, in test/live/guarding.test.ts (the matrix's server has it raised).
 */
const LIVE_MEETING_OPS = new Set([...meetingControlOperations, ...inMeetingOperations].filter((op) => op.id !== 'listLiveMeetings').map((op) => op.id));
/** The number the live-meeting rows use: ten digits, never given to a meeting (they have nine). */
const NO_SUCH_MEETING = '0000000000';

type Role = 'Normal' | 'MeetingOperator' | 'SystemAdmin';
type Credential = 'none' | 'clientOnly' | 'garbageToken' | Role;

const CREDENTIALS: readonly Credential[] = ['none', 'clientOnly', 'garbageToken', 'Normal', 'MeetingOperator', 'SystemAdmin'];

const DESCRIBE: Record<Credential, string> = {
  none: 'without client_id',
  clientOnly: 'with client_id only',
  garbageToken: 'with a token the server never issued',
  Normal: 'for a Normal user',
  MeetingOperator: 'for a MeetingOperator',
  SystemAdmin: 'for a SystemAdmin',
};

interface Expectation {
  status: number;
  errorCode?: string;
}

const isRole = (c: Credential): c is Role => c === 'Normal' || c === 'MeetingOperator' || c === 'SystemAdmin';

/** The rule table: what the server must answer to this credential on this operation (given a valid request). */
function expected(op: Operation, credential: Credential): Expectation {
  if (op.access === 'anonymous') return { status: 200 };
  if (credential === 'none') return { status: 400, errorCode: '0x10000001' };
  // `client` operations ignore a token altogether (the apps send a stale one on some calls).
  if (op.access === 'client') return { status: 200 };
  // A participant's own calls (rename, request unmute) need only its client_id: the meeting is looked up first.
  if (LIVE_MEETING_OPS.has(op.id) && op.access === 'optionalUser' && credential === 'clientOnly') return { status: 403, errorCode: '0x10000003' };
  // `optionalUser` (the directory) needs sign-in too unless CONVENE_PUBLIC_USER_DIRECTORY=true, which is off by default.
  if (!isRole(credential)) return { status: 401, errorCode: '0x10000002' };
  if (LIVE_MEETING_OPS.has(op.id)) {
    return { status: 404, errorCode: '0x10000004' };
  }
  if (!holds(op, credential)) return { status: 403, errorCode: '0x10000003' };
  return { status: 200 };
}

const label = (e: Expectation) => (e.errorCode ? `${e.status} ${e.errorCode}` : `${e.status}`);

/** One signed-in identity per role; the password changes as the changePassword rows run. */
interface Identity {
  username: string;
  password: string;
  token: string;
  clientId: string;
}

interface Fixture {
  t: TestServer;
  ids: Record<Role, Identity>;
  /** A throwaway account the admin rows act on; recreated after a successful delete. */
  target(): Promise<string>;
  targetDeleted(): void;
  /** A meeting room (owned by an account no row signs in as) the room rows act on; recreated after a delete. */
  room(): Promise<string>;
  roomDeleted(): void;
  roomOwner: string;
  /** A finished recording of a meeting of the room owner (an account no row signs in as); recreated after a delete. */
  recording(): Promise<string>;
  recordingDeleted(): void;
  unique(prefix: string): string;
}

interface Request {
  params?: Record<string, string>;
  query?: Record<string, string | number>;
  body?: unknown;
  /** Runs after the call (e.g. to remember a changed password). */
  after?(reply: Reply): void;
}

/** The link key of a meeting (the admin's, one per server) that the meeting-link rows resolve, add and remove. */
const linkKeys = new WeakMap<TestServer, Promise<string>>();
function linkKey(t: TestServer): Promise<string> {
  let key = linkKeys.get(t);
  if (!key) {
    key = (async () => {
      const start = Date.now() + 86_400_000;
      const r = await t.call('POST', '/api/v1/meeting_schedule', {
        query: { client_id: 'admin-console', token: await t.adminToken() },
        body: { meeting_type: 'reservation', meeting_name: 'Matrix link meeting', schedule_start_time: start, schedule_end_time: start + 3_600_000 },
      });
      assert.equal(r.status, 200, r.text);
      return r.body.meetingInfoKey as string;
    })();
    linkKeys.set(t, key);
  }
  return key;
}

/** A reservation and a weekly series owned by an account no row signs in as; the reservation is recreated after a delete. */
interface ScheduleFixture {
  owner: Promise<{ clientId: string; token: string }>;
  meeting?: Promise<string>;
  series?: Promise<string>;
}
const scheduleFixtures = new WeakMap<TestServer, ScheduleFixture>();
const DAY_MS = 86_400_000;

function scheduleFixture(t: TestServer): ScheduleFixture {
  let f = scheduleFixtures.get(t);
  if (!f) {
    const owner = (async () => {
      await t.createUser('matrix-meeting-owner', 'meeting-owner-pw-1');
      return { clientId: 'matrix-meeting-owner', token: await t.signIn('matrix-meeting-owner', 'meeting-owner-pw-1', 'matrix-meeting-owner') };
    })();
    f = { owner };
    scheduleFixtures.set(t, f);
  }
  return f;
}

/** The body of a reservation two days ahead. */
const reservationBody = (name: string) => {
  const start = Date.now() + 2 * DAY_MS;
  return { meeting_type: 'reservation', meeting_name: name, schedule_start_time: start, schedule_end_time: start + 3_600_000 };
};

/** The body of a weekly series two days ahead, three occurrences. */
const seriesBody = (name: string) => {
  const start = Date.now() + 2 * DAY_MS;
  return {
    meeting_type: 'recurrence',
    meeting_name: name,
    schedule_start_time: start,
    schedule_end_time: start + 3_600_000,
    recurrence_type: 'WEEKLY',
    recurrenceInterval: 1,
    recurrenceStartTime: start,
    recurrenceEndTime: start + 3_600_000,
    recurrenceStartDay: start,
    recurrenceEndDay: start + 15 * DAY_MS,
  };
};

async function ownersMeeting(t: TestServer, kind: 'meeting' | 'series'): Promise<string> {
  const f = scheduleFixture(t);
  f[kind] ??= (async () => {
    const owner = await f.owner;
    const r = await t.call('POST', '/api/v1/meeting_schedule', {
      query: { client_id: owner.clientId, token: owner.token },
      body: kind === 'meeting' ? reservationBody('Matrix meeting') : seriesBody('Matrix series'),
    });
    assert.equal(r.status, 200, r.text);
    return (kind === 'meeting' ? r.body.reservation_id : r.body.recurrence_gid) as string;
  })();
  return f[kind]!;
}

/**
 * For each operation, a request a permitted caller gets through validation with. `who` is the signed-in identity of the
 * row (undefined for rows without a valid token). A new contract operation without an entry here fails the suite.
 */
const REQUESTS: Record<string, (f: Fixture, who: Identity | undefined) => Promise<Request>> = {
  signIn: async () => ({ body: { username: 'matrix-signin', secret: clientSecret('signin-pw-1') } }),
  signOut: async (f, who) => {
    if (!who) return {};
    // A separate session (other client id) so the identity's own token survives for the later rows.
    const token = await f.t.signIn(who.username, who.password, `${who.clientId}-signout`);
    return { query: { client_id: `${who.clientId}-signout`, token } };
  },
  userInfo: async () => ({}),
  changePassword: async (f, who) => {
    const current = who?.password ?? 'unknown-pw';
    const next = f.unique('pw');
    return {
      body: { secret_old: clientSecret(current), secret_new: clientSecret(next) },
      after: (r) => {
        if (who && r.status === 200) who.password = next;
      },
    };
  },
  findUsers: async () => ({ query: { page_num: 1, page_size: 50, filter: 'matrix' } }),
  createUser: async (f) => ({ body: { username: f.unique('created'), secret: clientSecret('created-pw-1'), role: 'Normal' } }),
  updateUser: async (f) => ({ params: { user_id: await f.target() }, body: { real_name: f.unique('Renamed') } }),
  listUsers: async () => ({ query: { page_num: 1, page_size: 20 } }),
  getUser: async (f) => ({ params: { user_id: await f.target() } }),
  lockUser: async (f) => ({ params: { user_id: await f.target() } }),
  unlockUser: async (f) => ({ params: { user_id: await f.target() } }),
  resetUserPassword: async (f) => ({ params: { user_id: await f.target() }, body: { secret: clientSecret('reset-pw-1') } }),
  deleteUser: async (f) => ({
    params: { user_id: await f.target() },
    after: (r) => {
      if (r.status === 200) f.targetDeleted();
    },
  }),
  listOwnMeetingRooms: async () => ({}),
  listMeetingRooms: async () => ({ query: { page_num: 1, page_size: 20, filter: 'matrix' } }),
  createMeetingRoom: async (f) => ({ body: { meetingroom_name: f.unique('Matrix room'), owner_id: f.roomOwner } }),
  getMeetingRoom: async (f) => ({ params: { meeting_room_id: await f.room() } }),
  updateMeetingRoom: async (f) => ({ params: { meeting_room_id: await f.room() }, body: { meetingroom_name: f.unique('Renamed room') } }),
  deleteMeetingRoom: async (f) => ({
    params: { meeting_room_id: await f.room() },
    after: (r) => {
      if (r.status === 200) f.roomDeleted();
    },
  }),
  resolveMeetingLink: async (f) => ({ params: { key: await linkKey(f.t) } }),
  addToMeetingList: async (f) => ({ params: { key: await linkKey(f.t) } }),
  removeFromMeetingList: async (f) => ({ params: { key: await linkKey(f.t) } }),
  // On the meeting-owner's meeting, not the admin's link meeting above, whose key the rows before use.
  renewMeetingLink: async (f) => ({ params: { reservation_id: await ownersMeeting(f.t, 'meeting') } }),
  createMeeting: async () => ({ body: reservationBody('Matrix created meeting') }),
  createRecurringMeeting: async () => ({ body: seriesBody('Matrix created series') }),
  listMeetings: async () => ({ query: { page_num: 1, page_size: 500, filter: 'Matrix', sort: 'startTime' } }),
  getMeeting: async (f) => ({ params: { reservation_id: await ownersMeeting(f.t, 'meeting') } }),
  updateMeeting: async (f) => ({ params: { reservation_id: await ownersMeeting(f.t, 'meeting') }, body: { meeting_name: f.unique('Matrix meeting') } }),
  updateRecurringMeeting: async (f) => ({ params: { id: await ownersMeeting(f.t, 'series') }, body: { meeting_name: f.unique('Matrix series') } }),
  listOccurrences: async (f) => ({ params: { id: await ownersMeeting(f.t, 'series') }, query: { page_num: 1, page_size: 50 } }),
  deleteMeeting: async (f) => ({
    params: { reservation_id: await ownersMeeting(f.t, 'meeting') },
    after: (r) => {
      if (r.status === 200) delete scheduleFixture(f.t).meeting;
    },
  }),
  systemVersion: async () => ({}),
  systemCapacity: async () => ({}),
  systemStatus: async () => ({}),
  listLiveMeetings: async () => ({}),
  liveMeetingDetail: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: {} }),
  meetingHistory: async () => ({ params: { meeting_number: NO_SUCH_MEETING } }),
  muteAll: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { allow_self_unmute: true } }),
  unmuteAll: async () => ({ params: { meeting_number: NO_SUCH_MEETING } }),
  muteParticipants: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { participants: ['matrix-participant'] } }),
  unmuteParticipants: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { participants: ['matrix-participant'] } }),
  stopMeeting: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { rejoin: true } }),
  renameParticipant: async (_f, who) => ({
    params: { meeting_number: NO_SUCH_MEETING },
    body: { client_id: who?.clientId ?? 'matrix-participant', display_name: 'Matrix participant' },
  }),
  startOverlay: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { content: 'Matrix', repeat: 3, position: 0, enable_scroll: true } }),
  stopOverlay: async () => ({ params: { meeting_number: NO_SUCH_MEETING } }),
  setLecturer: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { lecturer: 'matrix-participant' } }),
  unsetLecturer: async () => ({ params: { meeting_number: NO_SUCH_MEETING } }),
  disconnectParticipants: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { participants: ['matrix-participant'] } }),
  disconnectAll: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: {} }),
  pinForMeeting: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { participants: ['matrix-participant'] } }),
  unpinForMeeting: async () => ({ params: { meeting_number: NO_SUCH_MEETING } }),
  pinForParticipant: async () => ({
    params: { meeting_number: NO_SUCH_MEETING, target_client_id: 'matrix-viewer' },
    body: { participants: ['matrix-participant'] },
  }),
  unpinForParticipant: async () => ({ params: { meeting_number: NO_SUCH_MEETING, pinned_client_id: 'matrix-viewer' } }),
  layoutChange: async () => ({
    params: { meeting_number: NO_SUCH_MEETING, viewer_client_id: 'matrix-viewer' },
    body: { max_views: 9, layout: 'auto' },
  }),
  requestUnmute: async () => ({ params: { meeting_number: NO_SUCH_MEETING } }),
  allowUnmute: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { participants: ['matrix-participant'] } }),
  allowUnmuteAll: async () => ({ params: { meeting_number: NO_SUCH_MEETING } }),
  lockMeeting: async () => ({ params: { meeting_number: NO_SUCH_MEETING } }),
  unlockMeeting: async () => ({ params: { meeting_number: NO_SUCH_MEETING } }),
  setSharePolicy: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { who: 'hosts' } }),
  recording: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { meeting_number: NO_SUCH_MEETING } }),
  liveStreaming: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { meeting_number: NO_SUCH_MEETING } }),
  cascading: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: {} }),
  setGuestChat: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { guests: 'public' } }),
  deleteChatMessage: async () => ({ params: { meeting_number: NO_SUCH_MEETING, message_id: 'main:1' } }),
  chatTranscript: async () => ({ params: { meeting_number: NO_SUCH_MEETING, session_id: 'no-such-session' }, query: { page_num: 1, page_size: 50 } }),
  lowerHands: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: {} }),
  setLobby: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: { mode: 'guests' } }),
  lobbyAdmit: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: {} }),
  lobbyRefuse: async () => ({ params: { meeting_number: NO_SUCH_MEETING }, body: {} }),
  lobbyList: async () => ({ params: { meeting_number: NO_SUCH_MEETING } }),
  listRecordings: async () => ({ query: { page_num: 1, page_size: 20 } }),
  getRecording: async (f) => ({ params: { recording_id: await f.recording() } }),
  downloadRecording: async (f) => ({ params: { recording_id: await f.recording() } }),
  deleteRecording: async (f) => ({
    params: { recording_id: await f.recording() },
    after: (r) => {
      if (r.status === 200) f.recordingDeleted();
    },
  }),
};

const fillPath = (path: string, params: Record<string, string> = {}) =>
  path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name}`);
    return encodeURIComponent(value);
  });

for (const dialect of testDialects()) {
  describe(`security matrix: endpoint × credential [${dialect}]`, () => {
    let t: TestServer;
    const ids = {} as Record<Role, Identity>;
    let counter = 0;
    let targetId: string | undefined;
    let roomId: string | undefined;
    let roomOwner = '';
    let recordingId: string | undefined;
    const fixture: Fixture = {
      get t() {
        return t;
      },
      ids,
      async target() {
        targetId ??= await t.createUser(`matrix-target-${++counter}`, 'target-pw-1');
        return targetId;
      },
      targetDeleted() {
        targetId = undefined;
      },
      async room() {
        if (roomId === undefined) {
          const r = await t.call('POST', '/api/v1/meeting_rooms', {
            query: { client_id: 'admin-console', token: await t.adminToken() },
            body: { meetingroom_name: `matrix-room-${++counter}`, owner_id: roomOwner },
          });
          assert.equal(r.status, 200, r.text);
          roomId = r.body.meeting_room_id as string;
        }
        return roomId;
      },
      roomDeleted() {
        roomId = undefined;
      },
      get roomOwner() {
        return roomOwner;
      },
      async recording() {
        recordingId ??= await finishedRecording(t, roomOwner, `matrix-recording-${++counter}`);
        return recordingId;
      },
      recordingDeleted() {
        recordingId = undefined;
      },
      unique: (prefix) => `${prefix}-${++counter}`,
    };

    before(async () => {
      t = await startTestServer(dialect, { CONVENE_UNKNOWN_NUMBERS_PER_ADDRESS: '100000' });
      await t.createUser('matrix-signin', 'signin-pw-1');
      roomOwner = await t.createUser('matrix-room-owner', 'room-owner-pw-1');
      ids.SystemAdmin = { username: 'admin', password: ADMIN_PASSWORD, token: await t.adminToken(), clientId: 'admin-console' };
      for (const role of ['Normal', 'MeetingOperator'] as const) {
        const username = `matrix-${role.toLowerCase()}`;
        await t.createUser(username, `${role}-pw-1`, role);
        const clientId = `matrix-${role}`;
        ids[role] = { username, password: `${role}-pw-1`, token: await t.signIn(username, `${role}-pw-1`, clientId), clientId };
      }
    });
    after(() => t.close());

    it('every contract operation has a request in the matrix and a known access rule', () => {
      assert.deepEqual(OPERATIONS.filter((op) => !REQUESTS[op.id]).map((op) => op.id), []);
      for (const op of OPERATIONS) assert.ok(['anonymous', 'client', 'optionalUser', 'user'].includes(op.access), op.id);
    });

    it('every "… administration" operation names a permission that a Normal user does not hold', () => {
      const open = OPERATIONS.filter((op) => op.tag.endsWith(' administration') && holds(op, 'Normal')).map((op) => op.id);
      assert.deepEqual(open, []);
    });

    for (const op of OPERATIONS) {
      for (const method of op.methods as readonly HttpMethod[]) {
        for (const path of op.paths) {
          describe(`${method} ${path} [${dialect}]`, () => {
            for (const credential of CREDENTIALS) {
              const want = expected(op, credential);
              it(`${op.id} → ${label(want)} ${DESCRIBE[credential]}`, async () => {
                const who = isRole(credential) ? ids[credential] : undefined;
                const build = REQUESTS[op.id];
                assert.ok(build, `no request for ${op.id} in REQUESTS`);
                const req = await build(fixture, who);
                const query: Record<string, string | number> = { ...(req.query ?? {}) };
                if (credential === 'none') {
                  delete query.client_id;
                  delete query.token;
                } else {
                  query.client_id ??= who?.clientId ?? `matrix-${credential}`;
                  if (credential === 'garbageToken') query.token = 'bm90LWEtcmVhbC10b2tlbi1qdXN0LWdhcmJhZ2UtMTIzNDU2';
                  else if (who) query.token ??= who.token;
                }
                const body = method === 'GET' ? undefined : req.body;
                const r = await t.call(method, fillPath(path, req.params), { query, ...(body !== undefined ? { body } : {}) });
                req.after?.(r);
                assert.ok(r.status < 500, `server error ${r.status}: ${r.text}`);
                assert.equal(r.status, want.status, r.text);
                if (op.id === 'downloadRecording' && r.status === 200) {
                  assert.equal(r.headers['content-type'], 'video/webm');
                  return;
                }
                assert.match(String(r.headers['content-type']), /^application\/json/);
                assert.ok(r.body !== null && typeof r.body === 'object' && !Array.isArray(r.body), 'JSON object body');
                if (want.errorCode) assert.equal(r.body.errorCode, want.errorCode, r.text);
                else assert.equal(r.body.errorCode, undefined, r.text);
              });
            }
          });
        }
      }
    }

    it('the identities used by the matrix are still signed in afterwards (rows did not interfere)', async () => {
      for (const role of ['Normal', 'MeetingOperator', 'SystemAdmin'] as const) {
        const r = await t.call('GET', '/api/v1/user/info', { query: { client_id: ids[role].clientId, token: ids[role].token } });
        assert.equal(r.status, 200, role);
        assert.deepEqual(r.body.role, [role]);
      }
    });
  });
}

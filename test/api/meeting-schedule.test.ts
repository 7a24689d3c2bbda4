import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Temporal } from 'temporal-polyfill';
import { ManualClock } from '../../src/kernel/clock.ts';
import type { Reply } from '../support/client.ts';
import { testDialects } from '../support/dialects.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { DOCUMENTED_ITEM_FIELDS } from '../../contract/rest/meeting-schedule.ts';

/** An item as the API document shows it under `scheduled_meetings`: its twelve fields, in its order. */
const documented = (items: Record<string, any>[]) => items.map((m) => Object.fromEntries(DOCUMENTED_ITEM_FIELDS.map((k) => [k, m[k]])));

/**
 * Scheduling (issue 3, client contract §2.3, §3, §4, §9): create, read, list, edit and delete instant meetings,
 * reservations and recurring series. The server expands series in CONVENE_TIMEZONE, so every expected time here is a
 * Europe/Berlin wall-clock time, whatever the machine's TZ. Time is a ManualClock: "now" is Monday 7 January 2030.
 */

const ZONE = 'Europe/Berlin';
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2030, 0, 7, 12); // Monday 7 January 2030, 13:00 in Berlin
const NUMBER_LENGTH = 10;

/** Epoch ms of a Berlin wall-clock time. */
const berlin = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number =>
  Temporal.ZonedDateTime.from({ timeZone: ZONE, year, month, day, hour, minute, second }).epochMilliseconds;

/** 'YYYY-MM-DD HH:mm' on the wall clocks of `zone`. */
const local = (ms: number, zone = ZONE): string =>
  Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).toPlainDateTime().toString().slice(0, 16).replace('T', ' ');

/** ISO weekday in Berlin: 1 = Monday … 7 = Sunday. */
const isoWeekday = (ms: number): number => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(ZONE).dayOfWeek;

/** Days from one date to another, both inclusive. */
const daysInclusive = (from: string, to: string): number => Temporal.PlainDate.from(from).until(Temporal.PlainDate.from(to)).days + 1;

interface Who {
  id: string;
  username: string;
  token: string;
  clientId: string;
}

type Json = Record<string, any>;

function assertError(r: Reply, status: number, code: string, field?: string): void {
  assert.equal(r.status, status, `status (body: ${r.text})`);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  assert.equal(r.body?.errorCode, code, r.text);
  assert.equal(typeof r.body.error, 'string');
  if (field !== undefined) assert.match(r.body.error, new RegExp(`^${field}\\b`), r.body.error);
}

/** Paths of every `null` (and `undefined`) in a JSON value: the macOS app drops objects holding one (§3.2). */
function nullsIn(value: unknown, path = '$'): string[] {
  if (value === null || value === undefined) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nullsIn(v, `${path}[${i}]`));
  if (typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nullsIn(v, `${path}.${k}`));
  return [];
}

const STRING_FIELDS = [
  'reservation_id',
  'meeting_type',
  'meeting_name',
  'meeting_number',
  'meeting_password',
  'meeting_description',
  'call_rate_type',
  'meeting_room_id',
  'mute_upon_entry',
  'watermark_type',
  'owner_id',
  'owner_name',
  'meeting_url',
  'meetingInfoKey',
  'recurrence_gid',
  'recurrence_type',
  'groupMeetingUrl',
  'groupInfoKey',
];
const INTEGER_FIELDS = [
  'schedule_start_time',
  'schedule_end_time',
  'time_to_join',
  'recurrenceInterval',
  'recurrenceStartTime',
  'recurrenceEndTime',
  'recurrenceStartDay',
  'recurrenceEndDay',
];
const BOOLEAN_FIELDS = ['guest_dial_in', 'watermark'];
const ARRAY_FIELDS = ['participantUsers', 'recurrenceDaysOfWeek', 'recurrenceDaysOfMonth'];

/** Every field of §3.2/§3.3 present with the JSON type of §3.4, and no null anywhere. */
function assertMeetingShape(m: Json, where = 'meeting'): void {
  for (const k of STRING_FIELDS) assert.equal(typeof m[k], 'string', `${where}.${k} is a string`);
  for (const k of INTEGER_FIELDS) assert.ok(Number.isInteger(m[k]), `${where}.${k} is an integer number: ${JSON.stringify(m[k])}`);
  for (const k of BOOLEAN_FIELDS) assert.equal(typeof m[k], 'boolean', `${where}.${k} is a boolean`);
  for (const k of ARRAY_FIELDS) assert.ok(Array.isArray(m[k]), `${where}.${k} is an array`);
  for (const d of [...m.recurrenceDaysOfWeek, ...m.recurrenceDaysOfMonth]) assert.equal(typeof d, 'number', `${where} day numbers`);
  assert.deepEqual(nullsIn(m), [], `${where} holds no null`);
}

/** A recurring series as the Linux app sends it (numbers; recurrenceStartDay = the start, recurrenceEndDay = 23:45). */
function seriesBody(o: {
  name: string;
  type: 'DAILY' | 'WEEKLY' | 'MONTHLY';
  start: number;
  minutes?: number;
  lastDay: [number, number, number];
  days?: number[];
  interval?: number;
  extra?: Json;
}): Json {
  const end = o.start + (o.minutes ?? 60) * MINUTE;
  return {
    meeting_type: 'recurrence',
    meeting_name: o.name,
    schedule_start_time: o.start,
    schedule_end_time: end,
    recurrence_type: o.type,
    recurrenceInterval: o.interval ?? 1,
    recurrenceStartTime: o.start,
    recurrenceEndTime: end,
    recurrenceStartDay: o.start,
    recurrenceEndDay: berlin(...o.lastDay, 23, 45),
    ...(o.type === 'WEEKLY' ? { recurrenceDaysOfWeek: o.days ?? [] } : {}),
    ...(o.type === 'MONTHLY' ? { recurrenceDaysOfMonth: o.days ?? [] } : {}),
    ...o.extra,
  };
}

const reservationBody = (name: string, start: number, minutes = 60, extra: Json = {}): Json => ({
  meeting_type: 'reservation',
  meeting_name: name,
  schedule_start_time: start,
  schedule_end_time: start + minutes * MINUTE,
  ...extra,
});

/** Calls bound to one server, as a given person. */
function api(get: () => TestServer) {
  const call = (who: Who | undefined, method: string, path: string, body?: unknown, query: Record<string, string | number | boolean> = {}) =>
    get().call(method, path, {
      query: { ...(who ? { client_id: who.clientId, token: who.token } : { client_id: 'anonymous-app' }), ...query },
      ...(body !== undefined ? { body } : {}),
    });
  const ok = async (r: Promise<Reply>): Promise<Json> => {
    const reply = await r;
    assert.equal(reply.status, 200, reply.text);
    assert.match(String(reply.headers['content-type']), /^application\/json/);
    return reply.body as Json;
  };
  return {
    call,
    ok,
    create: (who: Who, body: Json) => ok(call(who, 'POST', '/api/v1/meeting_schedule', body)),
    createSeries: (who: Who, body: Json) => ok(call(who, 'POST', '/api/v1/meeting_schedule/recurrence', body)),
    detail: (who: Who, rid: string) => ok(call(who, 'GET', `/api/v1/meeting_schedule/${rid}`)),
    list: (who: Who, query: Record<string, string | number> = {}) => ok(call(who, 'GET', '/api/v1/meeting_schedule', undefined, query)),
    occurrences: (who: Who, id: string, query: Record<string, string | number> = {}) =>
      ok(call(who, 'GET', `/api/v1/meeting_schedule/recurrence/${id}`, undefined, query)),
  };
}

/** Creates the people of a suite: each signed in with their own client id. */
async function people<K extends string>(t: TestServer, specs: Record<K, { role?: string; real_name?: string }>): Promise<Record<K, Who>> {
  const out = {} as Record<K, Who>;
  for (const [username, spec] of Object.entries(specs) as [K, { role?: string; real_name?: string }][]) {
    const id = await t.createUser(username, `${username}-pw-1`, spec.role ?? 'Normal', spec.real_name ? { real_name: spec.real_name } : {});
    const clientId = `app-${username}`;
    out[username] = { id, username, clientId, token: await t.signIn(username, `${username}-pw-1`, clientId) };
  }
  return out;
}

async function adminWho(t: TestServer): Promise<Who> {
  const token = await t.adminToken();
  const info = await t.call('GET', '/api/v1/user/info', { query: { client_id: 'admin-console', token } });
  assert.equal(info.status, 200, info.text);
  return { id: info.body.user_id, username: 'admin', token, clientId: 'admin-console' };
}

/** Whether a meeting number is still held in the registry (the only place "freed" is observable). */
async function numberHeld(t: TestServer, number: string): Promise<boolean> {
  const rows = await t.server.database.db.selectFrom('meeting_numbers').select('number').where('number', '=', number).execute();
  return rows.length > 0;
}

for (const dialect of testDialects()) {
  describe(`meeting schedule [${dialect}]`, () => {
    const clock = new ManualClock(NOW);
    let t: TestServer;
    let u: Record<'olivia' | 'ivan' | 'sam' | 'oscar' | 'lena', Who>;
    let admin: Who;
    const { call, ok, create, createSeries, detail, list, occurrences } = api(() => t);

    before(async () => {
      t = await startTestServer(dialect, { CONVENE_TIMEZONE: ZONE, CONVENE_MEETING_NUMBER_LENGTH: String(NUMBER_LENGTH) }, { clock });
      u = await people(t, {
        olivia: { real_name: 'Olivia Owner' }, // owns most meetings
        ivan: { real_name: 'Ivan Invited' }, // invited
        sam: { real_name: 'Sam Stranger' }, // neither owner nor invited
        oscar: { role: 'MeetingOperator' },
        lena: { real_name: 'Lena Lister' }, // whose list is under test
      });
      admin = await adminWho(t);
    });
    after(() => t.close());

    describe(`POST /api/v1/meeting_schedule instant [${dialect}]`, () => {
      it('gives a new meeting number of the configured length and a 6-digit password, joinable at once', async () => {
        const m = await create(u.olivia, { meeting_type: 'instant', meeting_name: 'Quick sync' });
        assert.equal(m.meeting_type, 'instant');
        assert.equal(m.meeting_name, 'Quick sync');
        assert.match(m.meeting_number, new RegExp(`^[1-9][0-9]{${NUMBER_LENGTH - 1}}$`));
        assert.match(m.meeting_password, /^[0-9]{6}$/);
        assert.equal(m.owner_id, u.olivia.id);
        assert.equal(m.owner_name, 'Olivia Owner');
        assert.equal(m.schedule_start_time, NOW, 'starts now');
        assert.ok(m.schedule_end_time > NOW + HOUR, 'stays joinable for a while');
        assert.equal(m.time_to_join, -1, 'joinable any time');
        assert.equal(m.recurrence_type, 'NONE');
        assertMeetingShape(m);
        const again = await detail(u.olivia, m.reservation_id);
        assert.equal(again.meeting_number, m.meeting_number);
        assert.equal(again.meeting_password, m.meeting_password);
      });

      it('two instant meetings get different numbers; both are listed', async () => {
        const a = await create(u.lena, { meeting_type: 'instant', meeting_name: 'Instant A' });
        const b = await create(u.lena, { meeting_type: 'instant', meeting_name: 'Instant B' });
        assert.notEqual(a.meeting_number, b.meeting_number);
        assert.notEqual(a.reservation_id, b.reservation_id);
        const l = await list(u.lena, { filter: 'Instant' });
        assert.deepEqual(l.meeting_schedules.map((m: Json) => m.reservation_id).sort(), [a.reservation_id, b.reservation_id].sort());
        for (const m of [a, b]) assert.ok((await call(u.lena, 'DELETE', `/api/v1/meeting_schedule/${m.reservation_id}`)).status === 200);
      });

      it('without a name it is "<real name>\'s meeting"', async () => {
        const m = await create(u.olivia, { meeting_type: 'instant' });
        assert.match(m.meeting_name, /Olivia Owner/);
      });

      it('without meeting_type → 400 naming meeting_type', async () => {
        assertError(await call(u.olivia, 'POST', '/api/v1/meeting_schedule', { meeting_name: 'typeless' }), 400, '0x10000001', 'meeting_type');
      });
    });

    describe(`POST /api/v1/meeting_schedule reservation [${dialect}]`, () => {
      const start = berlin(2030, 2, 1, 10);
      let created: Json;
      before(async () => {
        created = await create(u.olivia, {
          meeting_type: 'reservation',
          meeting_name: 'Quarterly review',
          meeting_description: 'Numbers and plans',
          schedule_start_time: start,
          schedule_end_time: start + 90 * MINUTE,
          call_rate_type: '4096K',
          meeting_password: '246810',
          invited_users: [u.ivan.id, u.lena.id],
          mute_upon_entry: 'ENABLE',
          guest_dial_in: false,
          watermark: true,
          watermark_type: 'single',
          time_to_join: -1,
          generate_live_url: true,
          live_passcode: '9876',
        });
      });

      it('stores every §3.1 field and echoes it in the create response and the §3.2 detail', async () => {
        const got = await detail(u.olivia, created.reservation_id);
        for (const m of [created, got]) {
          assert.equal(m.meeting_type, 'reservation');
          assert.equal(m.meeting_name, 'Quarterly review');
          assert.equal(m.meeting_description, 'Numbers and plans');
          assert.equal(m.schedule_start_time, start);
          assert.equal(m.schedule_end_time, start + 90 * MINUTE);
          assert.equal(m.call_rate_type, '4096K');
          assert.equal(m.meeting_password, '246810');
          assert.equal(m.mute_upon_entry, 'ENABLE');
          assert.equal(m.guest_dial_in, false);
          assert.equal(m.watermark, true);
          assert.equal(m.watermark_type, 'single');
          assert.equal(m.time_to_join, -1);
          assert.equal(m.generate_live_url, true);
          assert.equal(m.live_passcode, '9876');
          assert.match(m.live_meeting_url, /^https:\/\/[^/]+\/live\/[A-Za-z0-9_-]{22}$/, 'the live URL from scheduling on');
          assert.equal(m.meeting_room_id, '');
          assert.equal(m.owner_id, u.olivia.id);
          assert.equal(m.owner_name, 'Olivia Owner');
          assert.match(m.meeting_number, new RegExp(`^[0-9]{${NUMBER_LENGTH}}$`));
          assert.deepEqual([...m.participantUsers].sort(), [u.ivan.id, u.lena.id].sort());
          const expectedInvited = [
            { user_id: u.ivan.id, username: 'ivan', real_name: 'Ivan Invited' },
            { user_id: u.lena.id, username: 'lena', real_name: 'Lena Lister' },
          ].sort((a, b) => a.user_id.localeCompare(b.user_id));
          const byId = (a: Json, b: Json) => String(a.user_id).localeCompare(String(b.user_id));
          assert.deepEqual([...m.invited_users_details].sort(byId), expectedInvited);
          assert.deepEqual([...m.invited_users_detail].sort(byId), expectedInvited, 'singular alias for the Android app');
          assert.equal(m.recurrence_type, 'NONE');
          assert.equal(m.recurrence_gid, '');
          assert.equal(m.groupMeetingUrl, '');
          assert.ok(m.meeting_url.endsWith(`/j/${m.meetingInfoKey}`), m.meeting_url);
          assert.match(m.meetingInfoKey, /^[A-Za-z0-9]{16,}$/);
          assert.equal(typeof m.qrcode_string, 'string');
          assertMeetingShape(m);
        }
        assert.equal(got.reservation_id, created.reservation_id);
        assert.equal(got.meeting_number, created.meeting_number);
        assert.equal(got.live_meeting_url, created.live_meeting_url);
      });

      it('live_meeting_url: only with generate_live_url, its own per meeting, kept when the meeting is edited', async () => {
        // Lena's meetings, deleted again: the list tests count Olivia's.
        const plain = await create(u.lena, reservationBody('No live URL', berlin(2030, 2, 2, 12)));
        assert.equal(plain.live_meeting_url, '');
        const other = await create(u.lena, { ...reservationBody('Live too', berlin(2030, 2, 2, 12)), generate_live_url: true });
        assert.match(other.live_meeting_url, /\/live\/[A-Za-z0-9_-]{22}$/);
        assert.notEqual(other.live_meeting_url, created.live_meeting_url);
        const edited = await ok(call(u.lena, 'POST', `/api/v1/meeting_schedule/${other.reservation_id}`, { meeting_name: 'Live too, renamed', meeting_password: '135790' }));
        assert.equal(edited.live_meeting_url, other.live_meeting_url, 'neither a rename nor a new password changes it');
        const turnedOn = await ok(call(u.lena, 'POST', `/api/v1/meeting_schedule/${plain.reservation_id}`, { generate_live_url: true }));
        assert.match(turnedOn.live_meeting_url, /\/live\/[A-Za-z0-9_-]{22}$/);
        for (const m of [plain, other]) assert.equal((await call(u.lena, 'DELETE', `/api/v1/meeting_schedule/${m.reservation_id}`)).status, 200);

        // A series has one live URL, as it has one number, and keeps it when the whole series is edited.
        const s = await createSeries(u.lena, seriesBody({ name: 'Live series', type: 'DAILY', start: berlin(2030, 2, 2, 14), lastDay: [2030, 2, 5], extra: { generate_live_url: true } }));
        const urls = async () => new Set((await occurrences(u.lena, s.recurrence_gid)).meeting_schedules.map((o: Json) => o.live_meeting_url));
        assert.deepEqual([...(await urls())], [s.live_meeting_url]);
        assert.match(s.live_meeting_url, /\/live\/[A-Za-z0-9_-]{22}$/);
        const next = await ok(call(u.lena, 'POST', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`, { meeting_name: 'Live series, renamed' }));
        assert.deepEqual([...(await urls())], [s.live_meeting_url], 'edit-all keeps it');
        assert.equal((await call(u.lena, 'DELETE', `/api/v1/meeting_schedule/${next.reservation_id}`, undefined, { deleteGroup: 'true' })).status, 200);
      });

      it('defaults when only name and times are sent: 2048K, DISABLE, guests allowed, no watermark, time_to_join 30', async () => {
        const m = await create(u.olivia, reservationBody('Defaults', berlin(2030, 2, 2, 10)));
        assert.equal(m.call_rate_type, '2048K');
        assert.equal(m.mute_upon_entry, 'DISABLE');
        assert.equal(m.guest_dial_in, true);
        assert.equal(m.watermark, false);
        assert.equal(m.watermark_type, '');
        assert.equal(m.time_to_join, 30);
        assert.equal(m.meeting_description, '');
        assert.deepEqual(m.participantUsers, []);
        assert.deepEqual(m.invited_users_details, []);
        assert.deepEqual(m.invited_users_detail, []);
        assertMeetingShape(m);
      });

      it('each reservation gets its own number and link', async () => {
        const a = await create(u.olivia, reservationBody('Own number A', berlin(2030, 2, 3, 10)));
        const b = await create(u.olivia, reservationBody('Own number B', berlin(2030, 2, 3, 10)));
        assert.notEqual(a.meeting_number, b.meeting_number);
        assert.notEqual(a.meeting_url, b.meeting_url);
        assert.notEqual(a.meeting_number, created.meeting_number);
      });
    });

    describe(`meeting_password rules [${dialect}]`, () => {
      const start = berlin(2030, 2, 5, 9);
      it('absent → a generated 6-digit password', async () => {
        const m = await create(u.olivia, reservationBody('pw absent', start));
        assert.match(m.meeting_password, /^[0-9]{6}$/);
      });
      it('null → a generated 6-digit password', async () => {
        const m = await create(u.olivia, reservationBody('pw null', start, 60, { meeting_password: null }));
        assert.match(m.meeting_password, /^[0-9]{6}$/);
      });
      it('"" → no password', async () => {
        const m = await create(u.olivia, reservationBody('pw empty', start, 60, { meeting_password: '' }));
        assert.equal(m.meeting_password, '');
        assert.equal((await detail(u.olivia, m.reservation_id)).meeting_password, '');
      });
      it('digits → kept as sent (leading zeros too)', async () => {
        const m = await create(u.olivia, reservationBody('pw digits', start, 60, { meeting_password: '007700' }));
        assert.equal(m.meeting_password, '007700');
      });
      it('letters → 400 naming meeting_password', async () => {
        const r = await call(u.olivia, 'POST', '/api/v1/meeting_schedule', reservationBody('pw letters', start, 60, { meeting_password: 'abc123' }));
        assert.equal(r.status, 400, r.text);
        assert.match(r.body.errorCode, /^0x1000000[19]$/);
        assert.match(r.body.error, /^meeting_password\b/);
      });
      it('fewer digits than CONVENE_MIN_PASSCODE_LENGTH (6) → 400 0x10000001 naming meeting_password, for reservations and series', async () => {
        for (const [path, body] of [
          ['/api/v1/meeting_schedule', reservationBody('pw short', start, 60, { meeting_password: '12345' })],
          ['/api/v1/meeting_schedule/recurrence', seriesBody({ name: 'pw short series', type: 'DAILY', start, lastDay: [2030, 2, 8], extra: { meeting_password: '1' } })],
        ] as const) {
          assertError(await call(u.olivia, 'POST', path, body), 400, '0x10000001', 'meeting_password');
        }
        assert.deepEqual((await list(u.olivia, { filter: 'pw short' })).meeting_schedules, [], 'nothing was created');
      });
      it('changing the password to a short one → 400; a short one from before the minimum survives edits that send it back', async () => {
        const m = await create(u.olivia, reservationBody('pw legacy', start, 60, { meeting_password: '123456' }));
        assertError(await call(u.olivia, 'POST', `/api/v1/meeting_schedule/${m.reservation_id}`, { meeting_password: '9999' }), 400, '0x10000001', 'meeting_password');
        // As if stored by an older version (or with a smaller minimum).
        await t.server.database.db.updateTable('reservations').set({ password: '4711' }).where('id', '=', m.reservation_id).execute();
        const edited = await ok(call(u.olivia, 'POST', `/api/v1/meeting_schedule/${m.reservation_id}`, { ...reservationBody('pw legacy renamed', start), meeting_password: '4711' }));
        assert.deepEqual([edited.meeting_name, edited.meeting_password], ['pw legacy renamed', '4711']);
        const s = await create(u.olivia, seriesBody({ name: 'pw series', type: 'DAILY', start, lastDay: [2030, 2, 8], extra: { meeting_password: '654321' } }));
        assertError(await call(u.olivia, 'POST', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`, { meeting_password: '77' }), 400, '0x10000001', 'meeting_password');
        assert.equal((await detail(u.olivia, s.reservation_id)).meeting_password, '654321');
      });
    });

    describe(`create validation [${dialect}]`, () => {
      const start = berlin(2030, 2, 6, 9);
      const post = (who: Who, body: Json) => call(who, 'POST', '/api/v1/meeting_schedule', body);

      it('call_rate_type 6144K for a Normal user → 403 0x10000003 naming call_rate_type', async () => {
        assertError(await post(u.olivia, reservationBody('fast', start, 60, { call_rate_type: '6144K' })), 403, '0x10000003', 'call_rate_type');
        assertError(await post(u.olivia, reservationBody('faster', start, 60, { call_rate_type: '8192K' })), 403, '0x10000003', 'call_rate_type');
      });
      it('call_rate_type 6144K for a MeetingOperator and 8192K for a SystemAdmin → 200', async () => {
        const m = await create(u.oscar, reservationBody('fast', start, 60, { call_rate_type: '6144K' }));
        assert.equal(m.call_rate_type, '6144K');
        const a = await create(admin, reservationBody('faster', start, 60, { call_rate_type: '8192K' }));
        assert.equal(a.call_rate_type, '8192K');
      });
      it('a call rate outside the list → 400 naming call_rate_type', async () => {
        assertError(await post(u.olivia, reservationBody('odd rate', start, 60, { call_rate_type: '100K' })), 400, '0x10000001', 'call_rate_type');
      });
      it('invited_users with an unknown user id → 400 naming invited_users', async () => {
        assertError(await post(u.olivia, reservationBody('ghost guest', start, 60, { invited_users: [u.ivan.id, 'no-such-user'] })), 400, '0x10000001', 'invited_users');
      });
      it('time_to_join 45 → 400 naming time_to_join', async () => {
        assertError(await post(u.olivia, reservationBody('early', start, 60, { time_to_join: 45 })), 400, '0x10000001', 'time_to_join');
      });
      it('start equal to or after the end → 400 naming schedule_end_time', async () => {
        assertError(await post(u.olivia, reservationBody('zero length', start, 0)), 400, '0x10000001', 'schedule_end_time');
        assertError(await post(u.olivia, reservationBody('backwards', start, -30)), 400, '0x10000001', 'schedule_end_time');
      });
      it('a non-numeric timestamp → 400 naming the field', async () => {
        const r = await post(u.olivia, { ...reservationBody('when?', start), schedule_start_time: 'tomorrow' });
        assertError(r, 400, '0x10000001', 'schedule_start_time');
        const r2 = await post(u.olivia, { ...reservationBody('when?', start), schedule_end_time: '12:30' });
        assertError(r2, 400, '0x10000001', 'schedule_end_time');
      });
      it('missing times → 400 naming schedule_start_time', async () => {
        assertError(await post(u.olivia, { meeting_type: 'reservation', meeting_name: 'timeless' }), 400, '0x10000001', 'schedule_start_time');
      });
      it('a meeting that has already ended → 400 naming schedule_end_time', async () => {
        assertError(await post(u.olivia, reservationBody('yesterday', NOW - DAY)), 400, '0x10000001', 'schedule_end_time');
      });
      it('an empty name → 400 naming meeting_name', async () => {
        assertError(await post(u.olivia, reservationBody('   ', start)), 400, '0x10000001', 'meeting_name');
      });
      it('no failed create left a meeting behind', async () => {
        const l = await list(u.olivia, { filter: 'when?' });
        assert.equal(l.total_size, 0);
        for (const name of ['fast', 'faster', 'ghost guest', 'early', 'backwards', 'yesterday']) {
          const mine = (await list(u.olivia, { filter: name })).meeting_schedules;
          assert.deepEqual(mine, [], name);
        }
      });
    });

    describe(`recurring series [${dialect}]`, () => {
      // Mondays and Wednesdays 10:00–11:00 from Monday 4 February to Friday 1 March 2030.
      const start = berlin(2030, 2, 4, 10);
      const EXPECTED = ['02-04', '02-06', '02-11', '02-13', '02-18', '02-20', '02-25', '02-27'].map((d) => `2030-${d} 10:00`);
      const body = (name: string) => seriesBody({ name, type: 'WEEKLY', start, lastDay: [2030, 3, 1], days: [2, 4] });

      for (const [label, path, withType] of [
        ['POST /api/v1/meeting_schedule with meeting_type recurrence', '/api/v1/meeting_schedule', true],
        ['POST /api/v1/meeting_schedule/recurrence', '/api/v1/meeting_schedule/recurrence', false],
      ] as const) {
        it(`${label}: occurrences share one number and password, each has its own reservation_id and meeting_url`, async () => {
          const b = body(`Series via ${path}`);
          if (!withType) delete b.meeting_type;
          const s = await ok(call(u.olivia, 'POST', path, b));
          assert.equal(s.meeting_type, 'recurrence');
          assert.equal(s.recurrence_type, 'WEEKLY');
          assert.match(s.recurrence_gid, /.+/);
          assert.ok(s.groupMeetingUrl.endsWith(`/j/${s.groupInfoKey}`), s.groupMeetingUrl);
          assert.notEqual(s.groupMeetingUrl, s.meeting_url);
          assert.equal(s.schedule_start_time, start, 'the response is the first occurrence');
          assert.equal(s.time_zone, ZONE);
          assertMeetingShape(s);
          const occ = await occurrences(u.olivia, s.recurrence_gid);
          const items: Json[] = occ.meeting_schedules;
          assert.deepEqual(items.map((o) => local(o.schedule_start_time)), EXPECTED);
          assert.ok(items.every((o) => o.schedule_end_time - o.schedule_start_time === HOUR));
          assert.deepEqual(new Set(items.map((o) => o.meeting_number)), new Set([s.meeting_number]));
          assert.deepEqual(new Set(items.map((o) => o.meeting_password)), new Set([s.meeting_password]));
          assert.match(s.meeting_password, /^[0-9]{6}$/);
          assert.equal(new Set(items.map((o) => o.reservation_id)).size, EXPECTED.length);
          assert.equal(new Set(items.map((o) => o.meeting_url)).size, EXPECTED.length);
          assert.ok(items.every((o) => o.recurrence_gid === s.recurrence_gid && o.groupMeetingUrl === s.groupMeetingUrl));
          assert.ok(items.every((o) => o.meeting_url !== s.groupMeetingUrl));
          assert.equal(items[0]!.reservation_id, s.reservation_id);
        });
      }

      it('a start date that is not a chosen weekday starts the series on the first chosen day after it (Saturday, Mon+Wed → Monday)', async () => {
        const saturday = berlin(2030, 2, 2, 10);
        const s = await createSeries(u.olivia, seriesBody({ name: 'Mondays and Wednesdays', type: 'WEEKLY', start: saturday, lastDay: [2030, 2, 20], days: [2, 4] }));
        assert.deepEqual(s.recurrenceDaysOfWeek, [2, 4], 'the start date\'s weekday is not added');
        assert.equal(local(s.schedule_start_time), '2030-02-04 10:00', 'the answer is the first occurrence, on the Monday');
        assert.equal(s.recurrenceStartTime, s.schedule_start_time, 'recurrenceStartTime is the first occurrence');
        assert.equal(s.recurrenceEndTime, s.schedule_end_time);
        assert.equal(s.recurrenceStartDay, berlin(2030, 2, 4), 'recurrenceStartDay is the first occurrence\'s date');
        const occ = await occurrences(u.olivia, s.recurrence_gid);
        assert.deepEqual(occ.meeting_schedules.map((o: Json) => local(o.schedule_start_time)), ['02-04', '02-06', '02-11', '02-13', '02-18', '02-20'].map((x) => `2030-${x} 10:00`));
        assert.equal(occ.recurrenceStartTime, occ.meeting_schedules[0].schedule_start_time);
        const seen = await detail(u.olivia, s.reservation_id);
        assert.equal(seen.recurrenceStartTime, seen.schedule_start_time);
      });

      it('a monthly series starts on the first chosen day of the month on or after its start date', async () => {
        const m = await create(u.olivia, seriesBody({ name: 'The 20th', type: 'MONTHLY', start, lastDay: [2030, 4, 10], days: [20] }));
        assert.deepEqual(m.recurrenceDaysOfMonth, [20]);
        assert.equal(local(m.recurrenceStartTime), '2030-02-20 10:00');
        const months = (await occurrences(u.olivia, m.recurrence_gid)).meeting_schedules.map((o: Json) => local(o.schedule_start_time));
        assert.deepEqual(months, ['02-20', '03-20'].map((x) => `2030-${x} 10:00`));
      });

      it('DAILY every 2 days and MONTHLY by day of month expand as asked', async () => {
        const d = await create(u.olivia, seriesBody({ name: 'Every other day', type: 'DAILY', interval: 2, start, lastDay: [2030, 2, 12] }));
        const days = (await occurrences(u.olivia, d.recurrence_gid)).meeting_schedules.map((o: Json) => local(o.schedule_start_time));
        assert.deepEqual(days, ['02-04', '02-06', '02-08', '02-10', '02-12'].map((x) => `2030-${x} 10:00`));
        const m = await create(u.olivia, seriesBody({ name: 'Monthly 4th and 20th', type: 'MONTHLY', start, lastDay: [2030, 4, 10], days: [20, 4] }));
        assert.deepEqual(m.recurrenceDaysOfMonth, [4, 20]);
        const months = (await occurrences(u.olivia, m.recurrence_gid)).meeting_schedules.map((o: Json) => local(o.schedule_start_time));
        assert.deepEqual(months, ['02-04', '02-20', '03-04', '03-20', '04-04'].map((x) => `2030-${x} 10:00`));
      });

      it('without recurrence_type → 400 naming recurrence_type; a bad weekday → 400 naming recurrenceDaysOfWeek', async () => {
        const b = body('no type');
        delete b.recurrence_type;
        assertError(await call(u.olivia, 'POST', '/api/v1/meeting_schedule', b), 400, '0x10000001', 'recurrence_type');
        assertError(
          await call(u.olivia, 'POST', '/api/v1/meeting_schedule/recurrence', { ...body('bad day'), recurrenceDaysOfWeek: [2, 9] }),
          400,
          '0x10000001',
          'recurrenceDaysOfWeek',
        );
      });

      it('an unknown time_zone → 400 naming time_zone; a named one is followed instead of the server\'s', async () => {
        assertError(await call(u.olivia, 'POST', '/api/v1/meeting_schedule', { ...body('Mars'), time_zone: 'Mars/Olympus' }), 400, '0x10000001', 'time_zone');
        const nyStart = Date.UTC(2030, 2, 4, 14); // Monday 4 March 2030, 09:00 in New York (EST)
        const s = await create(u.olivia, {
          ...seriesBody({ name: 'New York mornings', type: 'WEEKLY', start: nyStart, lastDay: [2030, 3, 25], days: [2] }),
          recurrenceEndDay: Date.UTC(2030, 2, 26, 3, 45), // 25 March 23:45 in New York
          time_zone: 'America/New_York',
        });
        assert.equal(s.time_zone, 'America/New_York');
        const items = (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules;
        // New York springs forward on 10 March 2030: still 09:00 there, 13:00 UTC from then on.
        assert.deepEqual(items.map((o: Json) => local(o.schedule_start_time, 'America/New_York')), ['03-04', '03-11', '03-18', '03-25'].map((x) => `2030-${x} 09:00`));
        assert.deepEqual(items.map((o: Json) => new Date(o.schedule_start_time).getUTCHours()), [14, 13, 13, 13]);
      });
    });

    describe(`DST and month ends (CONVENE_TIMEZONE=${ZONE}) [${dialect}]`, () => {
      it('a weekly 09:00 series across the late-March and late-October changes stays at 09:00 local', async () => {
        const s = await create(u.olivia, seriesBody({ name: 'DST Mondays', type: 'WEEKLY', start: berlin(2030, 3, 18, 9), lastDay: [2030, 11, 11], days: [2] }));
        const items: Json[] = (await occurrences(u.olivia, s.recurrence_gid, { page_size: 100 })).meeting_schedules;
        const mondays = Temporal.PlainDate.from('2030-03-18').until('2030-11-11').days / 7 + 1;
        assert.equal(items.length, mondays);
        for (const o of items) {
          assert.match(local(o.schedule_start_time), / 09:00$/, `local start ${local(o.schedule_start_time)}`);
          assert.equal(isoWeekday(o.schedule_start_time), 1, 'a Monday');
          assert.equal(o.schedule_end_time - o.schedule_start_time, HOUR);
        }
        const utcHourOn = (date: string) => {
          const o = items.find((x) => local(x.schedule_start_time).startsWith(date));
          assert.ok(o, `an occurrence on ${date}`);
          return new Date(o.schedule_start_time).getUTCHours();
        };
        assert.equal(utcHourOn('2030-03-25'), 8, 'CET before 31 March');
        assert.equal(utcHourOn('2030-04-01'), 7, 'CEST after 31 March');
        assert.equal(utcHourOn('2030-10-21'), 7, 'CEST before 27 October');
        assert.equal(utcHourOn('2030-10-28'), 8, 'CET after 27 October');
        // The series description keeps the first occurrence's instants.
        assert.equal(s.recurrenceStartTime, berlin(2030, 3, 18, 9));
        assert.equal(s.recurrenceEndTime, berlin(2030, 3, 18, 10));
      });

      it('monthly on the 31st skips months without a 31st', async () => {
        const s = await create(u.olivia, seriesBody({ name: 'Month ends', type: 'MONTHLY', start: berlin(2030, 1, 31, 10), lastDay: [2030, 12, 31], days: [31] }));
        const items: Json[] = (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules;
        assert.deepEqual(
          items.map((o) => local(o.schedule_start_time)),
          ['01-31', '03-31', '05-31', '07-31', '08-31', '10-31', '12-31'].map((x) => `2030-${x} 10:00`),
        );
      });
    });

    describe(`GET /api/v1/meeting_schedule list [${dialect}]`, () => {
      let alpha: Json;
      let beta: Json;
      let gamma: Json;
      let betaOccurrences: Json[];
      before(async () => {
        alpha = await create(u.lena, reservationBody('Alpha standup', berlin(2030, 2, 1, 9), 30));
        beta = await createSeries(u.lena, {
          ...seriesBody({ name: 'Beta weekly', type: 'WEEKLY', start: berlin(2030, 2, 4, 10), lastDay: [2030, 3, 1], days: [2, 4] }),
          invited_users: [u.ivan.id],
        });
        gamma = await create(u.lena, reservationBody('Gamma review', berlin(2030, 3, 10, 10)));
        betaOccurrences = (await occurrences(u.lena, beta.recurrence_gid)).meeting_schedules;
        // Lena's list also holds the "Quarterly review" she is invited to (1 February 10:00, created earlier).
      });

      const mine = async (query: Record<string, string | number> = {}) => {
        const l = await list(u.lena, query);
        assert.deepEqual(l.scheduled_meetings, documented(l.meeting_schedules), 'the same list under the document\'s name, with its fields');
        return l;
      };

      it('aggregates a series into one entry: the next occurrence plus recurrenceReservationList = the later ones', async () => {
        const l = await mine({ filter: 'Beta weekly' });
        assert.equal(l.meeting_schedules.length, 1);
        const entry = l.meeting_schedules[0];
        assert.equal(entry.reservation_id, betaOccurrences[0]!.reservation_id);
        assert.equal(entry.schedule_start_time, berlin(2030, 2, 4, 10));
        assert.equal(entry.recurrence_gid, beta.recurrence_gid);
        assert.equal(entry.recurrence_type, 'WEEKLY');
        assert.equal(entry.groupMeetingUrl, beta.groupMeetingUrl);
        assert.deepEqual(entry.recurrenceDaysOfWeek, [2, 4]);
        assert.deepEqual(
          entry.recurrenceReservationList.map((o: Json) => o.reservation_id),
          betaOccurrences.slice(1).map((o) => o.reservation_id),
        );
        assert.deepEqual(entry.participantUsers, [u.ivan.id]);
        assertMeetingShape(entry, 'entry');
        for (const o of entry.recurrenceReservationList) {
          assertMeetingShape(o, 'later occurrence');
          assert.equal(o.meeting_number, beta.meeting_number);
          assert.deepEqual(o.participantUsers, [u.ivan.id]);
        }
        assert.equal(l.total_size, 1);
        assert.equal(l.total_page_num, 1);
      });

      it('lists owned and invited meetings ordered by start, with participantUsers on every item and total_* counts', async () => {
        const l = await mine({ page_num: 1, page_size: 500 });
        const names = l.meeting_schedules.map((m: Json) => m.meeting_name);
        assert.deepEqual(names, ['Alpha standup', 'Quarterly review', 'Beta weekly', 'Gamma review']);
        assert.equal(l.total_size, 4, 'one entry per series');
        assert.equal(l.total_page_num, 1);
        for (const m of l.meeting_schedules) {
          assertMeetingShape(m, m.meeting_name);
          assert.ok(Array.isArray(m.recurrenceReservationList));
        }
        assert.deepEqual(l.meeting_schedules[0].recurrenceReservationList, []);
        assert.equal(l.meeting_schedules[3].reservation_id, gamma.reservation_id);
        assert.equal(l.meeting_schedules[0].reservation_id, alpha.reservation_id);
      });

      it('pages over entries, not occurrences (page_num/page_size)', async () => {
        const p1 = await mine({ page_num: 1, page_size: 3 });
        assert.deepEqual(p1.meeting_schedules.map((m: Json) => m.meeting_name), ['Alpha standup', 'Quarterly review', 'Beta weekly']);
        assert.equal(p1.meeting_schedules[2].recurrenceReservationList.length, 7, 'the series entry keeps all its occurrences');
        assert.equal(p1.total_size, 4);
        assert.equal(p1.total_page_num, 2);
        const p2 = await mine({ page_num: 2, page_size: 3 });
        assert.deepEqual(p2.meeting_schedules.map((m: Json) => m.meeting_name), ['Gamma review']);
        assert.equal(p2.total_page_num, 2);
        const p3 = await mine({ page_num: 3, page_size: 3 });
        assert.deepEqual(p3.meeting_schedules, []);
        assert.equal(p3.total_size, 4);
        const p2of2 = await mine({ page_num: 2, page_size: 2 });
        assert.deepEqual(p2of2.meeting_schedules.map((m: Json) => m.meeting_name), ['Beta weekly', 'Gamma review']);
      });

      it('filters by name, case-insensitively, and by meeting number', async () => {
        assert.deepEqual((await mine({ filter: 'REVIEW' })).meeting_schedules.map((m: Json) => m.meeting_name), ['Quarterly review', 'Gamma review']);
        assert.deepEqual((await mine({ filter: alpha.meeting_number })).meeting_schedules.map((m: Json) => m.reservation_id), [alpha.reservation_id]);
        const none = await mine({ filter: 'nothing like this' });
        assert.deepEqual(none.meeting_schedules, []);
        assert.equal(none.total_size, 0);
      });

      it('accepts sort=startTime and no paging parameters at all (the macOS app)', async () => {
        const sorted = await mine({ page_num: 1, page_size: 500, sort: 'startTime' });
        const bare = await mine();
        assert.deepEqual(sorted.meeting_schedules, bare.meeting_schedules);
        assert.equal(bare.total_size, 4);
      });

      it('an invited user sees the series as one entry; someone else does not see it', async () => {
        const ivan = await list(u.ivan, { filter: 'Beta weekly' });
        assert.equal(ivan.meeting_schedules.length, 1);
        assert.equal(ivan.meeting_schedules[0].recurrenceReservationList.length, 7);
        assert.equal(ivan.meeting_schedules[0].owner_id, u.lena.id);
        const sam = await list(u.sam, { filter: 'Beta' });
        assert.deepEqual(sam.meeting_schedules, []);
        assert.equal(sam.total_size, 0);
        assert.equal(sam.total_page_num, 0);
      });

      it('page_size 0 or page_num 0 → 400', async () => {
        assertError(await call(u.lena, 'GET', '/api/v1/meeting_schedule', undefined, { page_size: 0 }), 400, '0x10000001', 'page_size');
        assertError(await call(u.lena, 'GET', '/api/v1/meeting_schedule', undefined, { page_num: 0 }), 400, '0x10000001', 'page_num');
      });

      describe(`GET /api/v1/meeting_schedule/recurrence/{id} [${dialect}]`, () => {
        it('lists the occurrences by start with the series described in camelCase and recurrence_type on the items', async () => {
          const occ = await occurrences(u.lena, beta.recurrence_gid);
          assert.deepEqual(occ.scheduled_meetings, documented(occ.meeting_schedules));
          const starts = occ.meeting_schedules.map((o: Json) => o.schedule_start_time);
          assert.deepEqual(starts, [...starts].sort((a, b) => a - b));
          assert.equal(occ.total_size, 8);
          assert.equal(occ.total_page_num, 1);
          assert.equal(occ.recurrenceType, 'WEEKLY');
          assert.equal(occ.recurrenceInterval, 1);
          assert.equal(occ.recurrenceStartTime, berlin(2030, 2, 4, 10));
          assert.equal(occ.recurrenceEndTime, berlin(2030, 2, 4, 11));
          assert.equal(occ.recurrenceStartDay, berlin(2030, 2, 4, 0), 'local midnight of the first day');
          assert.equal(occ.recurrenceEndDay, berlin(2030, 3, 1, 23, 59, 59), '23:59:59 local on the last day');
          assert.deepEqual(occ.recurrenceDaysOfWeek, [2, 4]);
          assert.deepEqual(occ.recurrenceDaysOfMonth, []);
          assert.equal(occ.groupMeetingUrl, beta.groupMeetingUrl);
          assert.equal(occ.groupInfoKey, beta.groupInfoKey);
          for (const o of occ.meeting_schedules) {
            assert.equal(o.recurrence_type, 'WEEKLY');
            assert.equal(o.meeting_type, 'recurrence');
            assertMeetingShape(o, 'occurrence');
          }
          assert.deepEqual(nullsIn(occ), []);
        });

        it('answers the same for any occurrence\'s reservation_id', async () => {
          const byGid = await occurrences(u.lena, beta.recurrence_gid);
          const byRid = await occurrences(u.lena, betaOccurrences[3]!.reservation_id);
          assert.deepEqual(byRid, byGid);
        });

        it('pages with page_num/page_size', async () => {
          const p = await occurrences(u.lena, beta.recurrence_gid, { page_num: 2, page_size: 3 });
          assert.deepEqual(p.meeting_schedules.map((o: Json) => o.reservation_id), betaOccurrences.slice(3, 6).map((o) => o.reservation_id));
          assert.equal(p.total_size, 8);
          assert.equal(p.total_page_num, 3);
        });

        it('an unknown id, or a meeting that does not repeat → 404 0x10000004', async () => {
          assertError(await call(u.lena, 'GET', '/api/v1/meeting_schedule/recurrence/no-such-series'), 404, '0x10000004');
          assertError(await call(u.lena, 'GET', `/api/v1/meeting_schedule/recurrence/${alpha.reservation_id}`), 404, '0x10000004');
        });
      });
    });

    describe(`POST /api/v1/meeting_schedule/{rid} on a reservation [${dialect}]`, () => {
      let m: Json;
      before(async () => {
        m = await create(u.olivia, reservationBody('Update me', berlin(2030, 2, 7, 10), 60, {
          meeting_description: 'kept',
          call_rate_type: '1024K',
          invited_users: [u.ivan.id],
          meeting_password: '135790',
        }));
      });

      it('applies the fields sent and keeps the others', async () => {
        const s = berlin(2030, 2, 8, 15);
        const r = await ok(call(u.olivia, 'POST', `/api/v1/meeting_schedule/${m.reservation_id}`, { meeting_name: 'Updated', schedule_start_time: s, schedule_end_time: s + HOUR }));
        const got = await detail(u.olivia, m.reservation_id);
        for (const x of [r, got]) {
          assert.equal(x.meeting_name, 'Updated');
          assert.equal(x.schedule_start_time, s);
          assert.equal(x.schedule_end_time, s + HOUR);
          assert.equal(x.meeting_description, 'kept');
          assert.equal(x.call_rate_type, '1024K');
          assert.equal(x.meeting_password, '135790');
          assert.equal(x.meeting_number, m.meeting_number);
          assert.deepEqual(x.participantUsers, [u.ivan.id]);
        }
      });

      it('PUT works the same; meeting_password "" removes the password', async () => {
        await ok(call(u.olivia, 'PUT', `/api/v1/meeting_schedule/${m.reservation_id}`, { meeting_password: '' }));
        assert.equal((await detail(u.olivia, m.reservation_id)).meeting_password, '');
      });

      it('invalid values → 400 naming the field, and nothing changes', async () => {
        assertError(await call(u.olivia, 'POST', `/api/v1/meeting_schedule/${m.reservation_id}`, { time_to_join: 45 }), 400, '0x10000001', 'time_to_join');
        assertError(
          await call(u.olivia, 'POST', `/api/v1/meeting_schedule/${m.reservation_id}`, { schedule_start_time: NOW - 2 * HOUR, schedule_end_time: NOW - HOUR }),
          400,
          '0x10000001',
          'schedule_end_time',
        );
        assertError(await call(u.olivia, 'POST', `/api/v1/meeting_schedule/${m.reservation_id}`, { invited_users: ['nobody-at-all'] }), 400, '0x10000001', 'invited_users');
        const got = await detail(u.olivia, m.reservation_id);
        assert.equal(got.time_to_join, 30);
        assert.equal(got.schedule_start_time, berlin(2030, 2, 8, 15));
        assert.deepEqual(got.participantUsers, [u.ivan.id]);
      });

      it('an instant meeting cannot be updated → 409 0x10000007 (POST and PUT)', async () => {
        const i = await create(u.olivia, { meeting_type: 'instant', meeting_name: 'Now' });
        assertError(await call(u.olivia, 'POST', `/api/v1/meeting_schedule/${i.reservation_id}`, { meeting_name: 'Later' }), 409, '0x10000007');
        assertError(await call(u.olivia, 'PUT', `/api/v1/meeting_schedule/${i.reservation_id}`, { meeting_name: 'Later' }), 409, '0x10000007');
        assert.equal((await detail(u.olivia, i.reservation_id)).meeting_name, 'Now');
      });

      it('edit-all on a meeting that does not repeat → 400', async () => {
        assertError(await call(u.olivia, 'POST', `/api/v1/meeting_schedule/recurrence/${m.reservation_id}`, { meeting_name: 'x' }), 400, '0x10000001');
      });
    });

    describe(`edit one occurrence (POST /api/v1/meeting_schedule/{rid}) [${dialect}]`, () => {
      // Mondays 10:00–11:00, 4 February to 4 March 2030: five occurrences.
      let s: Json;
      let before0: Json[];
      const path = (i: number) => `/api/v1/meeting_schedule/${before0[i]!.reservation_id}`;
      const current = async () => (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules as Json[];
      before(async () => {
        s = await create(u.olivia, {
          ...seriesBody({ name: 'Edit one', type: 'WEEKLY', start: berlin(2030, 2, 4, 10), lastDay: [2030, 3, 4], days: [2] }),
          guest_dial_in: true,
          watermark: true,
          watermark_type: 'single',
          meeting_password: '112233',
          invited_users: [u.ivan.id],
          mute_upon_entry: 'ENABLE',
        });
        before0 = (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules;
        assert.equal(before0.length, 5);
      });

      it('a full (Linux-style) body with new times moves only that occurrence, which stays in the group', async () => {
        const d = await detail(u.olivia, before0[1]!.reservation_id);
        const ns = berlin(2030, 2, 12, 14);
        const body = { ...d, meeting_type: 'recurrence', schedule_start_time: ns, schedule_end_time: ns + HOUR };
        const r = await ok(call(u.olivia, 'POST', path(1), body));
        assert.equal(r.schedule_start_time, ns);
        const after1 = await current();
        assert.deepEqual(after1.map((o) => o.reservation_id), before0.map((o) => o.reservation_id), 'same occurrences, same order');
        assert.deepEqual(
          after1.map((o) => local(o.schedule_start_time)),
          ['2030-02-04 10:00', '2030-02-12 14:00', '2030-02-18 10:00', '2030-02-25 10:00', '2030-03-04 10:00'],
        );
        const moved = await detail(u.olivia, before0[1]!.reservation_id);
        assert.equal(moved.recurrence_gid, s.recurrence_gid);
        assert.equal(moved.recurrence_type, 'WEEKLY');
        assert.equal(moved.meeting_number, s.meeting_number);
        assert.equal(moved.schedule_end_time, ns + HOUR);
        const occ = await occurrences(u.olivia, s.recurrence_gid);
        assert.equal(occ.recurrenceStartTime, berlin(2030, 2, 4, 10), 'the series rule is unchanged');
        assert.equal(occ.total_size, 5);
      });

      it('a new time overlapping the previous or the next occurrence → 400, nothing moves', async () => {
        const overlapPrev = berlin(2030, 2, 12, 14, 30);
        assertError(await call(u.olivia, 'POST', path(2), { schedule_start_time: overlapPrev, schedule_end_time: overlapPrev + HOUR }), 400, '0x10000001', 'schedule_start_time');
        const overlapNext = berlin(2030, 2, 25, 9, 30);
        assertError(await call(u.olivia, 'POST', path(2), { schedule_start_time: overlapNext, schedule_end_time: overlapNext + HOUR }), 400, '0x10000001', 'schedule_end_time');
        const pastNext = berlin(2030, 2, 26, 10);
        assertError(await call(u.olivia, 'POST', path(2), { schedule_start_time: pastNext, schedule_end_time: pastNext + HOUR }), 400, '0x10000001');
        assert.equal((await detail(u.olivia, before0[2]!.reservation_id)).schedule_start_time, berlin(2030, 2, 18, 10));
      });

      it('the Windows body (false booleans, nulls, recurrenceId) does not change guest_dial_in, watermark, password or invitees', async () => {
        const ns = berlin(2030, 2, 19, 10);
        await ok(
          call(u.olivia, 'POST', path(2), {
            meeting_name: 'Edit one (moved)',
            meeting_description: null,
            schedule_start_time: String(ns),
            schedule_end_time: String(ns + HOUR),
            call_rate_type: '2048K',
            time_to_join: 30,
            mute_upon_entry: 'ENABLE',
            guest_dial_in: false,
            watermark: false,
            watermark_type: null,
            meeting_password: null,
            invited_users: null,
            meeting_room_id: null,
            meeting_type: null,
            recurrence_type: null,
            recurrenceInterval: null,
            recurrenceDaysOfWeek: null,
            recurrenceId: s.recurrence_gid,
            meeting_url: null,
          }),
        );
        const d = await detail(u.olivia, before0[2]!.reservation_id);
        assert.equal(d.schedule_start_time, ns);
        assert.equal(d.meeting_name, 'Edit one (moved)');
        assert.equal(d.guest_dial_in, true);
        assert.equal(d.watermark, true);
        assert.equal(d.watermark_type, 'single');
        assert.equal(d.meeting_password, '112233');
        assert.deepEqual(d.participantUsers, [u.ivan.id]);
        assert.equal(d.mute_upon_entry, 'ENABLE');
        assert.equal(d.recurrence_gid, s.recurrence_gid);
        const others = (await current()).filter((o) => o.reservation_id !== before0[2]!.reservation_id);
        assert.ok(others.every((o) => o.meeting_name === 'Edit one'), 'the other occurrences keep their name');
        assert.ok(others.every((o) => o.guest_dial_in === true && o.watermark === true));
      });

      it('a times-only body (the macOS app) with string timestamps moves the occurrence', async () => {
        const ns = berlin(2030, 2, 25, 16);
        await ok(call(u.olivia, 'POST', path(3), { schedule_start_time: String(ns), schedule_end_time: String(ns + 30 * MINUTE) }));
        const d = await detail(u.olivia, before0[3]!.reservation_id);
        assert.equal(d.schedule_start_time, ns);
        assert.equal(d.schedule_end_time, ns + 30 * MINUTE);
        assert.equal(d.meeting_name, 'Edit one');
        assert.equal(d.guest_dial_in, true);
      });
    });

    describe(`edit all (POST /api/v1/meeting_schedule/recurrence/{id}) [${dialect}]`, () => {
      let s: Json;
      before(async () => {
        s = await create(u.olivia, {
          ...seriesBody({ name: 'Edit all', type: 'WEEKLY', start: berlin(2030, 2, 4, 10), lastDay: [2030, 3, 4], days: [2] }),
          meeting_password: '445566',
          invited_users: [u.ivan.id],
        });
      });

      it('by an occurrence\'s reservation_id: future occurrences regenerated at the new time, meeting number kept', async () => {
        const occ0 = (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules as Json[];
        const ns = berlin(2030, 2, 4, 11);
        const body = {
          ...seriesBody({ name: 'Edit all v2', type: 'WEEKLY', start: ns, minutes: 45, lastDay: [2030, 3, 4], days: [2] }),
          meeting_password: '445566',
          invited_users: [u.ivan.id, u.lena.id],
        };
        const r = await ok(call(u.olivia, 'POST', `/api/v1/meeting_schedule/recurrence/${occ0[2]!.reservation_id}`, body));
        assert.equal(r.meeting_number, s.meeting_number);
        assert.equal(r.recurrence_gid, s.recurrence_gid);
        const occ = await occurrences(u.olivia, s.recurrence_gid);
        const items = occ.meeting_schedules as Json[];
        assert.deepEqual(items.map((o) => local(o.schedule_start_time)), ['02-04', '02-11', '02-18', '02-25', '03-04'].map((x) => `2030-${x} 11:00`));
        assert.ok(items.every((o) => o.schedule_end_time - o.schedule_start_time === 45 * MINUTE));
        assert.ok(items.every((o) => o.meeting_name === 'Edit all v2' && o.meeting_number === s.meeting_number && o.meeting_password === '445566'));
        assert.ok(items.every((o) => o.participantUsers.length === 2));
        assert.equal(occ.recurrenceStartTime, ns);
        assert.equal(occ.groupMeetingUrl, s.groupMeetingUrl, 'the group link survives');
      });

      it('by the recurrence_gid: new weekdays give new occurrences', async () => {
        const ns = berlin(2030, 2, 4, 11);
        await ok(
          call(u.olivia, 'POST', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`, {
            ...seriesBody({ name: 'Edit all v3', type: 'WEEKLY', start: ns, lastDay: [2030, 3, 4], days: [2, 6] }),
          }),
        );
        const items = (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules as Json[];
        assert.deepEqual(
          items.map((o) => local(o.schedule_start_time)),
          ['02-04', '02-08', '02-11', '02-15', '02-18', '02-22', '02-25', '03-01', '03-04'].map((x) => `2030-${x} 11:00`),
        );
        assert.ok(items.every((o) => o.meeting_number === s.meeting_number));
        assert.ok(items.every((o) => o.meeting_password === '445566'), 'the password is kept when not sent');
      });

      it('a body without recurrence fields keeps the rule (only the name changes)', async () => {
        const beforeEdit = (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules as Json[];
        await ok(call(u.olivia, 'PUT', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`, { meeting_name: 'Edit all v4' }));
        const items = (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules as Json[];
        assert.deepEqual(items.map((o) => o.schedule_start_time), beforeEdit.map((o) => o.schedule_start_time));
        assert.ok(items.every((o) => o.meeting_name === 'Edit all v4'));
      });

      it('an invalid rule → 400 and the series is unchanged', async () => {
        const beforeEdit = (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules as Json[];
        assertError(
          await call(u.olivia, 'POST', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`, { recurrence_type: 'WEEKLY', recurrenceInterval: 500 }),
          400,
          '0x10000001',
          'recurrenceInterval',
        );
        assertError(await call(u.olivia, 'POST', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`, { call_rate_type: '8192K' }), 403, '0x10000003', 'call_rate_type');
        const items = (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules as Json[];
        assert.deepEqual(items, beforeEdit);
      });
    });

    describe(`DELETE /api/v1/meeting_schedule/{rid} [${dialect}]`, () => {
      const del = (rid: string, query: Record<string, string | number | boolean> = {}, body?: unknown) =>
        call(u.olivia, 'DELETE', `/api/v1/meeting_schedule/${rid}`, body, query);
      const weekly = (name: string) => create(u.olivia, seriesBody({ name, type: 'WEEKLY', start: berlin(2030, 4, 1, 10), lastDay: [2030, 4, 29], days: [2] }));

      it('deletes a reservation → 200 {}; it is gone (404) and its number is free again', async () => {
        const m = await create(u.olivia, reservationBody('Delete me', berlin(2030, 2, 9, 10)));
        assert.equal(await numberHeld(t, m.meeting_number), true, 'held while the meeting exists');
        const r = await del(m.reservation_id);
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body, {});
        assertError(await call(u.olivia, 'GET', `/api/v1/meeting_schedule/${m.reservation_id}`), 404, '0x10000004');
        assertError(await del(m.reservation_id), 404, '0x10000004');
        assert.equal(await numberHeld(t, m.meeting_number), false, 'released');
      });

      it('without deleteGroup (or deleteGroup=false) deletes one occurrence only', async () => {
        const s = await weekly('Delete one');
        const occ = (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules as Json[];
        assert.equal(occ.length, 5);
        assert.equal((await del(occ[1]!.reservation_id)).status, 200);
        assert.equal((await del(occ[2]!.reservation_id, { deleteGroup: false })).status, 200);
        assertError(await call(u.olivia, 'GET', `/api/v1/meeting_schedule/${occ[1]!.reservation_id}`), 404, '0x10000004');
        const left = await occurrences(u.olivia, s.recurrence_gid);
        assert.deepEqual(left.meeting_schedules.map((o: Json) => o.reservation_id), [occ[0], occ[3], occ[4]].map((o) => o!.reservation_id));
        assert.equal(left.total_size, 3);
        assert.equal(await numberHeld(t, s.meeting_number), true, 'the series still holds its number');
        const l = await list(u.olivia, { filter: 'Delete one' });
        assert.equal(l.meeting_schedules.length, 1);
        assert.equal(l.meeting_schedules[0].recurrenceReservationList.length, 2);
      });

      for (const [label, query, body] of [
        ['deleteGroup=true in the query', { deleteGroup: 'true' }, undefined],
        ['deleteGroup=1 in the query', { deleteGroup: 1 }, undefined],
        ['{"deleteGroup":true} in the body', {}, { deleteGroup: true }],
        ['deleteGroup=1 in the query and {"deleteGroup":true} in the body', { deleteGroup: 1 }, { deleteGroup: true }],
      ] as const) {
        it(`${label} deletes the whole series: every occurrence and the series are gone, the number is free`, async () => {
          const s = await weekly(`Delete series ${label}`);
          const occ = (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules as Json[];
          const r = await del(occ[2]!.reservation_id, query, body);
          assert.equal(r.status, 200, r.text);
          assert.deepEqual(r.body, {});
          assertError(await call(u.olivia, 'GET', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`), 404, '0x10000004');
          for (const o of occ) assertError(await call(u.olivia, 'GET', `/api/v1/meeting_schedule/${o.reservation_id}`), 404, '0x10000004');
          assert.deepEqual((await list(u.olivia, { filter: `Delete series ${label}` })).meeting_schedules, []);
          assert.equal(await numberHeld(t, s.meeting_number), false);
        });
      }

      it('deleting the last remaining occurrence deletes the series', async () => {
        const s = await create(u.olivia, seriesBody({ name: 'Two days', type: 'DAILY', start: berlin(2030, 4, 1, 10), lastDay: [2030, 4, 2] }));
        const occ = (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules as Json[];
        assert.equal(occ.length, 2);
        assert.equal((await del(occ[0]!.reservation_id)).status, 200);
        assert.equal((await del(occ[1]!.reservation_id)).status, 200);
        assertError(await call(u.olivia, 'GET', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`), 404, '0x10000004');
        assert.equal(await numberHeld(t, s.meeting_number), false);
      });
    });

    describe(`occurrence cap (default ${5000}) [${dialect}]`, () => {
      it('a daily series over 20 years → 400 naming recurrenceEndDay and the count', async () => {
        const expected = daysInclusive('2030-02-01', '2049-12-31');
        const r = await call(u.olivia, 'POST', '/api/v1/meeting_schedule/recurrence', seriesBody({ name: 'Forever', type: 'DAILY', start: berlin(2030, 2, 1, 8), lastDay: [2049, 12, 31] }));
        assertError(r, 400, '0x10000001', 'recurrenceEndDay');
        assert.match(r.body.error, new RegExp(`\\b${expected}\\b`), r.body.error);
        assert.match(r.body.error, /\b5000\b/, r.body.error);
        assert.deepEqual((await list(u.olivia, { filter: 'Forever' })).meeting_schedules, []);
      });
    });

    describe(`permissions [${dialect}]`, () => {
      let m: Json; // Olivia's reservation, Ivan invited
      let s: Json; // Olivia's series, Ivan invited
      let occ: Json[];
      const NAME = 'Secret board meeting';
      const SERIES = 'Secret weekly';
      before(async () => {
        m = await create(u.olivia, reservationBody(NAME, berlin(2030, 5, 6, 10), 60, { invited_users: [u.ivan.id], meeting_description: 'Confidential agenda' }));
        s = await create(u.olivia, {
          ...seriesBody({ name: SERIES, type: 'WEEKLY', start: berlin(2030, 5, 6, 10), lastDay: [2030, 6, 3], days: [2] }),
          invited_users: [u.ivan.id],
        });
        occ = (await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules;
      });

      const noLeak = (r: Reply) => {
        for (const secret of [NAME, SERIES, 'Confidential', m.meeting_number, m.meeting_password, s.meeting_password]) {
          assert.ok(!r.text.includes(secret), `the error must not reveal ${secret}: ${r.text}`);
        }
      };

      it('the owner reads and updates', async () => {
        assert.equal((await detail(u.olivia, m.reservation_id)).meeting_name, NAME);
        await ok(call(u.olivia, 'POST', `/api/v1/meeting_schedule/${m.reservation_id}`, { meeting_description: 'Confidential agenda v2' }));
      });

      it('an invited user reads the detail, the list and the occurrences', async () => {
        assert.equal((await detail(u.ivan, m.reservation_id)).meeting_name, NAME);
        assert.equal((await detail(u.ivan, occ[2]!.reservation_id)).meeting_name, SERIES);
        const l = await list(u.ivan, { filter: 'Secret' });
        assert.deepEqual(l.meeting_schedules.map((x: Json) => x.meeting_name).sort(), [NAME, SERIES].sort());
        assert.equal((await occurrences(u.ivan, s.recurrence_gid)).total_size, occ.length);
      });

      it('an invited user may not update, edit all or delete → 403 0x10000003', async () => {
        assertError(await call(u.ivan, 'POST', `/api/v1/meeting_schedule/${m.reservation_id}`, { meeting_name: 'Mine now' }), 403, '0x10000003');
        assertError(await call(u.ivan, 'POST', `/api/v1/meeting_schedule/${occ[1]!.reservation_id}`, { meeting_name: 'Mine now' }), 403, '0x10000003');
        assertError(await call(u.ivan, 'POST', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`, { meeting_name: 'Mine now' }), 403, '0x10000003');
        assertError(await call(u.ivan, 'DELETE', `/api/v1/meeting_schedule/${m.reservation_id}`), 403, '0x10000003');
        assertError(await call(u.ivan, 'DELETE', `/api/v1/meeting_schedule/${occ[1]!.reservation_id}`, undefined, { deleteGroup: true }), 403, '0x10000003');
        assert.equal((await detail(u.olivia, m.reservation_id)).meeting_name, NAME);
        assert.equal((await occurrences(u.olivia, s.recurrence_gid)).total_size, occ.length);
      });

      it('a stranger gets 403 0x10000003 on detail, occurrences, update, edit all and delete, without the contents', async () => {
        const replies = [
          await call(u.sam, 'GET', `/api/v1/meeting_schedule/${m.reservation_id}`),
          await call(u.sam, 'GET', `/api/v1/meeting_schedule/${occ[0]!.reservation_id}`),
          await call(u.sam, 'GET', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`),
          await call(u.sam, 'GET', `/api/v1/meeting_schedule/recurrence/${occ[0]!.reservation_id}`),
          await call(u.sam, 'POST', `/api/v1/meeting_schedule/${m.reservation_id}`, { meeting_name: 'Hijacked' }),
          await call(u.sam, 'PUT', `/api/v1/meeting_schedule/${occ[0]!.reservation_id}`, { meeting_name: 'Hijacked' }),
          await call(u.sam, 'POST', `/api/v1/meeting_schedule/recurrence/${occ[0]!.reservation_id}`, { meeting_name: 'Hijacked' }),
          await call(u.sam, 'DELETE', `/api/v1/meeting_schedule/${m.reservation_id}`),
          await call(u.sam, 'DELETE', `/api/v1/meeting_schedule/${occ[0]!.reservation_id}`, { deleteGroup: true }),
        ];
        for (const r of replies) {
          assertError(r, 403, '0x10000003');
          noLeak(r);
        }
        assert.equal((await detail(u.olivia, m.reservation_id)).meeting_name, NAME);
        assert.equal((await occurrences(u.olivia, s.recurrence_gid)).total_size, occ.length);
        assert.deepEqual((await list(u.sam, { filter: 'Secret' })).meeting_schedules, []);
      });

      for (const role of ['oscar', 'admin'] as const) {
        it(`a ${role === 'oscar' ? 'MeetingOperator' : 'SystemAdmin'} reads, updates, edits all and deletes anyone's meeting`, async () => {
          const who = role === 'oscar' ? u.oscar : admin;
          const mine = await create(u.olivia, reservationBody(`Managed by ${role}`, berlin(2030, 5, 7, 10)));
          assert.equal((await detail(who, mine.reservation_id)).meeting_name, `Managed by ${role}`);
          await ok(call(who, 'POST', `/api/v1/meeting_schedule/${mine.reservation_id}`, { meeting_name: `Renamed by ${role}` }));
          const got = await detail(u.olivia, mine.reservation_id);
          assert.equal(got.meeting_name, `Renamed by ${role}`);
          assert.equal(got.owner_id, u.olivia.id, 'the owner stays the owner');
          assert.equal((await occurrences(who, s.recurrence_gid)).total_size, occ.length);
          await ok(call(who, 'POST', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`, { meeting_name: `${SERIES} (${role})` }));
          assert.ok(((await occurrences(u.olivia, s.recurrence_gid)).meeting_schedules as Json[]).every((o) => o.meeting_name === `${SERIES} (${role})`));
          assert.equal((await call(who, 'DELETE', `/api/v1/meeting_schedule/${mine.reservation_id}`)).status, 200);
          assertError(await call(u.olivia, 'GET', `/api/v1/meeting_schedule/${mine.reservation_id}`), 404, '0x10000004');
        });
      }

      it('unknown ids → 404 0x10000004 on every call', async () => {
        for (const [method, path] of [
          ['GET', '/api/v1/meeting_schedule/00000000-0000-0000-0000-000000000000'],
          ['POST', '/api/v1/meeting_schedule/00000000-0000-0000-0000-000000000000'],
          ['PUT', '/api/v1/meeting_schedule/00000000-0000-0000-0000-000000000000'],
          ['DELETE', '/api/v1/meeting_schedule/00000000-0000-0000-0000-000000000000'],
          ['GET', '/api/v1/meeting_schedule/recurrence/00000000-0000-0000-0000-000000000000'],
          ['POST', '/api/v1/meeting_schedule/recurrence/00000000-0000-0000-0000-000000000000'],
        ] as const) {
          assertError(await call(u.sam, method, path, method === 'GET' || method === 'DELETE' ? undefined : { meeting_name: 'x' }), 404, '0x10000004');
        }
      });

      it('without a token → 401 0x10000002 on every call', async () => {
        for (const [method, path] of [
          ['GET', '/api/v1/meeting_schedule'],
          ['POST', '/api/v1/meeting_schedule'],
          ['POST', '/api/v1/meeting_schedule/recurrence'],
          ['GET', `/api/v1/meeting_schedule/${m.reservation_id}`],
          ['POST', `/api/v1/meeting_schedule/${m.reservation_id}`],
          ['DELETE', `/api/v1/meeting_schedule/${m.reservation_id}`],
          ['GET', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`],
          ['POST', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`],
        ] as const) {
          const r = await call(undefined, method, path, method === 'POST' ? reservationBody('anon', berlin(2030, 5, 8, 10)) : undefined);
          assertError(r, 401, '0x10000002');
          noLeak(r);
        }
        assert.equal((await detail(u.olivia, m.reservation_id)).meeting_name, NAME);
      });

      it('the owner deletes last', async () => {
        assert.equal((await call(u.olivia, 'DELETE', `/api/v1/meeting_schedule/${m.reservation_id}`)).status, 200);
        assertError(await call(u.ivan, 'GET', `/api/v1/meeting_schedule/${m.reservation_id}`), 404, '0x10000004');
      });
    });

    describe(`hostile bodies: 4xx, never 5xx [${dialect}]`, () => {
      const start = berlin(2030, 6, 3, 10);
      const weekly = () => seriesBody({ name: 'Hostile', type: 'WEEKLY', start, lastDay: [2030, 7, 1], days: [2] });
      let target: Json;
      let series: Json;
      before(async () => {
        target = await create(u.olivia, reservationBody('Hostile target', start));
        series = await create(u.olivia, seriesBody({ name: 'Hostile series', type: 'WEEKLY', start, lastDay: [2030, 7, 1], days: [2] }));
      });

      /** `all`: invalid for every call. `series`: only the recurrence is wrong, which a reservation update ignores. */
      const REJECTED: [string, Json, 'all' | 'series'][] = [
        ['an array for meeting_name', { ...reservationBody('x', start), meeting_name: ['a', 'b'] }, 'all'],
        ['an object for meeting_name', { ...reservationBody('x', start), meeting_name: { a: { b: [1, { c: 2 }] } } }, 'all'],
        ['an array for meeting_type', { ...reservationBody('x', start), meeting_type: ['reservation'] }, 'all'],
        ['a number for mute_upon_entry', { ...reservationBody('x', start), mute_upon_entry: 1 }, 'all'],
        ['a huge start time', { ...reservationBody('x', start), schedule_start_time: 1e300 }, 'all'],
        ['2^63 as a string', { ...reservationBody('x', start), schedule_end_time: '9223372036854775808' }, 'all'],
        ['a fractional time', { ...reservationBody('x', start), schedule_start_time: start + 0.5 }, 'all'],
        ['a negative time', { ...reservationBody('x', start), schedule_start_time: -1 }, 'all'],
        ['"NaN" as a time', { ...reservationBody('x', start), schedule_start_time: 'NaN' }, 'all'],
        ['"Infinity" as a time', { ...reservationBody('x', start), schedule_end_time: 'Infinity' }, 'all'],
        ['an object for invited_users', { ...reservationBody('x', start), invited_users: { 0: 'a' } }, 'all'],
        ['nested arrays in invited_users', { ...reservationBody('x', start), invited_users: [['someone']] }, 'all'],
        ['a string for guest_dial_in', { ...reservationBody('x', start), guest_dial_in: 'maybe' }, 'all'],
        ['an object for time_to_join', { ...reservationBody('x', start), time_to_join: { minutes: 30 } }, 'all'],
        ['a 10,000-character name', { ...reservationBody('x', start), meeting_name: 'n'.repeat(10_000) }, 'all'],
        ['1,001 invitees', { ...reservationBody('x', start), invited_users: Array.from({ length: 1001 }, (_, i) => `user-${i}`) }, 'all'],
        ['an unknown meeting_room_id', { ...reservationBody('x', start), meeting_room_id: 'no-such-room' }, 'all'],
        ['recurrenceDaysOfWeek [0, 8, "x"]', { ...weekly(), recurrenceDaysOfWeek: [0, 8, 'x'] }, 'all'],
        ['recurrenceDaysOfWeek "2,4"', { ...weekly(), recurrenceDaysOfWeek: '2,4' }, 'all'],
        ['recurrenceDaysOfMonth [32]', { ...weekly(), recurrence_type: 'MONTHLY', recurrenceDaysOfMonth: [32] }, 'all'],
        ['recurrenceInterval -1', { ...weekly(), recurrenceInterval: -1 }, 'all'],
        ['recurrenceInterval 1e12', { ...weekly(), recurrenceInterval: 1e12 }, 'all'],
        ['recurrence_type "YEARLY"', { ...weekly(), recurrence_type: 'YEARLY' }, 'all'],
        ['time_zone as an array', { ...weekly(), time_zone: ['Europe/Berlin'] }, 'all'],
        ['recurrenceInterval 500', { ...weekly(), recurrenceInterval: 500 }, 'series'],
        ['recurrenceEndDay in the year 275760', { ...weekly(), recurrenceEndDay: 8.64e15 }, 'series'],
        ['recurrenceEndDay before the start', { ...weekly(), recurrenceEndDay: start - 30 * DAY }, 'series'],
        ['recurrenceStartDay a week before the start', { ...weekly(), recurrenceStartDay: start - 7 * DAY }, 'series'],
        ['a 25-hour occurrence', { ...weekly(), recurrenceEndTime: start + 25 * HOUR, schedule_end_time: start + 25 * HOUR }, 'series'],
        ['time_zone "+01:00"', { ...weekly(), time_zone: '+01:00' }, 'series'],
      ];

      for (const [label, body, scope] of REJECTED) {
        // A timeout, so that a request that never answers (a lock held across a transaction) fails instead of hanging.
        it(`${label} → 4xx {error, errorCode} on create${scope === 'all' ? ', update' : ''} and edit all`, { timeout: 20_000 }, async () => {
          const replies = [
            await call(u.olivia, 'POST', '/api/v1/meeting_schedule', body),
            await call(u.olivia, 'POST', '/api/v1/meeting_schedule/recurrence', body),
            ...(scope === 'all' ? [await call(u.olivia, 'POST', `/api/v1/meeting_schedule/${target.reservation_id}`, body)] : []),
            await call(u.olivia, 'POST', `/api/v1/meeting_schedule/recurrence/${series.recurrence_gid}`, body),
          ];
          for (const r of replies) {
            assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text.slice(0, 300)}`);
            assert.match(r.body?.errorCode ?? '', /^0x[0-9a-f]{8}$/, r.text.slice(0, 300));
          }
        });
      }

      it('non-object JSON bodies and deeply nested JSON → 400, never 5xx', async () => {
        for (const raw of ['[1,2,3]', '"text"', '42', 'true', '{"meeting_type":', '['.repeat(50_000) + ']'.repeat(50_000)]) {
          for (const path of ['/api/v1/meeting_schedule', `/api/v1/meeting_schedule/${target.reservation_id}`]) {
            const r = await call(u.olivia, 'POST', path, raw);
            assert.equal(r.status, 400, `${raw.slice(0, 20)} → ${r.status} ${r.text.slice(0, 200)}`);
          }
        }
      });

      it('unknown keys and nulls are ignored, __proto__ and constructor.prototype refused; the targets are unchanged by all of the above', async () => {
        const base = JSON.stringify({
          ...reservationBody('Tolerated junk', start),
          extra: { deeply: { nested: [1, [2, [3, { x: null }]]] } },
          meeting_description: null,
        });
        for (const poison of ['"__proto__":{"meeting_type":"instant","polluted":true},', '"constructor":{"prototype":{"polluted":true}},']) {
          const refused = await call(u.olivia, 'POST', '/api/v1/meeting_schedule', base.replace(/^\{/, `{${poison}`));
          assert.equal(refused.status, 400, refused.text);
          assert.match(refused.body.error, /^body\b/);
        }
        const r = await call(u.olivia, 'POST', '/api/v1/meeting_schedule', base);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.meeting_type, 'reservation');
        assert.equal(r.body.meeting_description, '');
        assert.equal(({} as Json).polluted, undefined);
        const got = await detail(u.olivia, target.reservation_id);
        assert.equal(got.meeting_name, 'Hostile target');
        assert.equal(got.schedule_start_time, start);
        const occ = await occurrences(u.olivia, series.recurrence_gid);
        assert.equal(occ.total_size, 5);
        assert.ok((occ.meeting_schedules as Json[]).every((o) => o.meeting_name === 'Hostile series'));
      });
    });
  });

  describe(`meeting schedule as time passes (ManualClock, CONVENE_MAX_OCCURRENCES=10) [${dialect}]`, () => {
    const clock = new ManualClock(NOW);
    let t: TestServer;
    let u: Record<'petra' | 'ivo', Who>;
    const { call, ok, create, list, detail, occurrences } = api(() => t);
    // Mondays 10:00 from 14 January to 4 March 2030: eight occurrences.
    let series: Json;
    let first: Json[];
    let short: Json;
    let running: Json;
    let instant: Json;

    before(async () => {
      t = await startTestServer(dialect, { CONVENE_TIMEZONE: ZONE, CONVENE_MAX_OCCURRENCES: '10' }, { clock });
      u = await people(t, { petra: {}, ivo: {} });
      series = await create(u.petra, {
        ...seriesBody({ name: 'Travelling series', type: 'WEEKLY', start: berlin(2030, 1, 14, 10), lastDay: [2030, 3, 4], days: [2] }),
        invited_users: [u.ivo.id],
      });
      first = (await occurrences(u.petra, series.recurrence_gid)).meeting_schedules;
      assert.equal(first.length, 8);
      short = await create(u.petra, reservationBody('Short one', NOW + 30 * MINUTE, 15));
      running = await create(u.petra, reservationBody('Running long', NOW + 10 * MINUTE, 6 * 60));
      instant = await create(u.petra, { meeting_type: 'instant', meeting_name: 'Instant now' });
    });
    after(() => t.close());

    /** Moves the clock forward to `ms` (never more than the 30-day token idle time in this suite). */
    const advanceTo = (ms: number) => clock.advance(ms - clock.now());

    it('before anything ends, everything is listed', async () => {
      const l = await list(u.petra);
      assert.deepEqual(l.meeting_schedules.map((m: Json) => m.meeting_name), ['Instant now', 'Running long', 'Short one', 'Travelling series']);
      assert.equal(l.meeting_schedules[3].recurrenceReservationList.length, 7);
    });

    it('an ended meeting is no longer listed; one still running is', async () => {
      advanceTo(NOW + 50 * MINUTE);
      const l = await list(u.petra);
      const names = l.meeting_schedules.map((m: Json) => m.meeting_name);
      assert.ok(!names.includes('Short one'), names.join(', '));
      assert.ok(names.includes('Running long'), 'started but not ended');
      assert.ok(names.includes('Instant now'));
      assert.equal(l.total_size, 3);
      // The ended meeting can still be opened by its id.
      assert.equal((await detail(u.petra, short.reservation_id)).meeting_name, 'Short one');
      assert.equal(l.meeting_schedules.find((m: Json) => m.meeting_name === 'Running long')?.reservation_id, running.reservation_id);
    });

    it('an instant meeting drops off the list once its window has passed', async () => {
      advanceTo(instant.schedule_end_time + MINUTE);
      const names = (await list(u.petra)).meeting_schedules.map((m: Json) => m.meeting_name);
      assert.deepEqual(names, ['Travelling series']);
    });

    it('a series is listed from its next occurrence; ended occurrences leave the list and the occurrence listing', async () => {
      advanceTo(berlin(2030, 1, 22, 9)); // after the occurrences of 14 and 21 January
      for (const who of [u.petra, u.ivo]) {
        const l = await list(who, { filter: 'Travelling' });
        assert.equal(l.meeting_schedules.length, 1);
        const entry = l.meeting_schedules[0];
        assert.equal(entry.reservation_id, first[2]!.reservation_id);
        assert.equal(local(entry.schedule_start_time), '2030-01-28 10:00');
        assert.deepEqual(entry.recurrenceReservationList.map((o: Json) => o.reservation_id), first.slice(3).map((o) => o.reservation_id));
      }
      const occ = await occurrences(u.petra, series.recurrence_gid);
      assert.equal(occ.total_size, 6);
      assert.deepEqual(occ.meeting_schedules.map((o: Json) => o.reservation_id), first.slice(2).map((o) => o.reservation_id));
    });

    it('edit all regenerates the future occurrences and keeps the past ones and the meeting number', async () => {
      const ns = berlin(2030, 1, 14, 11);
      const r = await ok(
        call(u.petra, 'POST', `/api/v1/meeting_schedule/recurrence/${first[3]!.reservation_id}`, {
          ...seriesBody({ name: 'Travelling series v2', type: 'WEEKLY', start: ns, lastDay: [2030, 3, 4], days: [2] }),
        }),
      );
      assert.equal(r.meeting_number, series.meeting_number);
      for (const past of first.slice(0, 2)) {
        const d = await detail(u.petra, past.reservation_id);
        assert.equal(d.schedule_start_time, past.schedule_start_time, 'a past occurrence keeps its time');
        assert.equal(d.meeting_name, 'Travelling series', 'and its name');
        assert.equal(d.recurrence_gid, series.recurrence_gid, 'and stays in the series');
        assert.equal(d.meeting_number, series.meeting_number);
      }
      const occ = await occurrences(u.petra, series.recurrence_gid);
      const items = occ.meeting_schedules as Json[];
      assert.deepEqual(items.map((o) => local(o.schedule_start_time)), ['01-28', '02-04', '02-11', '02-18', '02-25', '03-04'].map((x) => `2030-${x} 11:00`));
      assert.ok(items.every((o) => o.meeting_name === 'Travelling series v2' && o.meeting_number === series.meeting_number));
      assert.ok(items.every((o) => o.meeting_password === series.meeting_password));
      assert.ok(items.every((o) => o.participantUsers.includes(u.ivo.id)), 'invitees carried over');
      const l = await list(u.ivo, { filter: 'Travelling' });
      assert.equal(l.meeting_schedules.length, 1, 'the invited user still sees one entry');
    });

    it('a series over the configured cap → 400 naming the count and the cap; at the cap → 200', async () => {
      const start = berlin(2030, 2, 1, 8);
      const over = await call(u.petra, 'POST', '/api/v1/meeting_schedule', seriesBody({ name: 'Eleven days', type: 'DAILY', start, lastDay: [2030, 2, 11] }));
      assertError(over, 400, '0x10000001', 'recurrenceEndDay');
      assert.match(over.body.error, /\b11\b.*\b10\b/, over.body.error);
      const at = await create(u.petra, seriesBody({ name: 'Ten days', type: 'DAILY', start, lastDay: [2030, 2, 10] }));
      assert.equal((await occurrences(u.petra, at.recurrence_gid)).total_size, 10);
      const grow = await call(u.petra, 'POST', `/api/v1/meeting_schedule/recurrence/${at.recurrence_gid}`, { recurrenceEndDay: berlin(2030, 2, 20, 23, 59, 59) });
      assertError(grow, 400, '0x10000001', 'recurrenceEndDay');
      assert.equal((await occurrences(u.petra, at.recurrence_gid)).total_size, 10, 'unchanged');
    });

    it('a yearly 29 February (MONTHLY every 12 months) series over the cap → 400, not a server error', async () => {
      const start = berlin(2032, 2, 29, 10);
      const r = await call(u.petra, 'POST', '/api/v1/meeting_schedule', seriesBody({ name: 'Leap day', type: 'MONTHLY', interval: 12, start, lastDay: [2099, 12, 31], days: [29] }));
      assertError(r, 400, '0x10000001', 'recurrenceEndDay');
      const fits = await create(u.petra, seriesBody({ name: 'Leap day', type: 'MONTHLY', interval: 12, start, lastDay: [2068, 12, 31], days: [29] }));
      const items = (await occurrences(u.petra, fits.recurrence_gid)).meeting_schedules as Json[];
      assert.deepEqual(items.map((o) => local(o.schedule_start_time).slice(0, 10)), [2032, 2036, 2040, 2044, 2048, 2052, 2056, 2060, 2064, 2068].map((y) => `${y}-02-29`));
    });
  });
}

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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
 * The scheduling calls (client contract §2.3 S1–S9) exactly as each of the five FRTC apps puts them on the wire: body
 * encodings of §3.1 and §4.1 (numbers or numeric strings, booleans or "true"/"false", weekday arrays of strings, the
 * three recurrenceStartDay/EndDay conventions, Android's camelCase duplicates and zeros, Windows' nulls), edit-one bodies
 * of §4.5, delete variants of §4.6, list and occurrence queries, and the fields each app reads back (§3.2, §3.3).
 * The apps and the server share one zone (Europe/Berlin, CONVENE_TIMEZONE); "now" is Monday 7 January 2030.
 */

type AppKey = 'L' | 'A' | 'M' | 'I' | 'W';
type Json = Record<string, any>;

interface App {
  key: AppKey;
  name: string;
  userAgent: string;
  username: string;
  /** What the app sends as `content-type` with a JSON body. */
  contentType: string;
}

interface Session {
  app: App;
  clientId: string;
  token: string;
  userId: string;
}

interface Wire {
  method: string;
  path: string;
  body?: string;
  headers: Record<string, string>;
}

const ZONE = 'Europe/Berlin';
const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2030, 0, 7, 12);

const berlin = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number =>
  Temporal.ZonedDateTime.from({ timeZone: ZONE, year, month, day, hour, minute, second }).epochMilliseconds;
const local = (ms: number): string =>
  Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(ZONE).toPlainDateTime().toString().slice(0, 16).replace('T', ' ');

const JSON_TYPE = 'application/json';
const JSON_UTF8 = 'application/json; charset=utf-8';

const APPS: App[] = [
  { key: 'L', name: 'Linux', userAgent: 'FrtcMeeting/3.4.1 linux', username: 'sched-l', contentType: JSON_TYPE },
  { key: 'A', name: 'Android', userAgent: 'FrtcMeeting/3.4.1 HUAWEI Android 12', username: 'sched-a', contentType: JSON_UTF8 },
  { key: 'M', name: 'macOS', userAgent: 'FrtcMeeting/3.4.0 mac', username: 'sched-m', contentType: JSON_TYPE },
  { key: 'I', name: 'iOS', userAgent: 'FrtcMeeting/3.4.1 ios', username: 'sched-i', contentType: JSON_TYPE },
  { key: 'W', name: 'Windows', userAgent: 'FrtcMeeting/3.4.1 windows 10.0.19045', username: 'sched-w', contentType: JSON_UTF8 },
];

/** The series every app schedules: Mondays and Wednesdays 10:00–11:00 from Monday 4 February to Friday 1 March 2030. */
const SERIES_START = berlin(2030, 2, 4, 10);
const SERIES_END = SERIES_START + HOUR;
const SERIES_DATES = ['02-04', '02-06', '02-11', '02-13', '02-18', '02-20', '02-25', '02-27'];
const SERIES_LOCAL = SERIES_DATES.map((d) => `2030-${d} 10:00`);

/** Fields the macOS app's JSONModel requires (ScheduleSuccessModel.h) on create and detail responses. */
const M_DETAIL_REQUIRED = [
  'call_rate_type',
  'guest_dial_in',
  'invited_users_details',
  'meeting_name',
  'meeting_number',
  'meeting_type',
  'meeting_url',
  'mute_upon_entry',
  'owner_id',
  'owner_name',
  'recurrence_type',
  'reservation_id',
  'schedule_start_time',
  'schedule_end_time',
  'watermark',
  'watermark_type',
];
/** Fields the macOS app requires on every list and occurrence item (ScheduleModel.h). */
const M_ITEM_REQUIRED = ['meeting_name', 'meeting_number', 'meeting_type', 'owner_id', 'owner_name', 'recurrence_type'];

const qs = (pairs: [string, string | number][]) => pairs.map(([k, v]) => `${k}=${v}`).join('&');

/** The query each app puts on a signed-in call: W appends client_id after its own parameters (RESTRequestObj). */
function query(s: Session, extra: [string, string | number][] = []): string {
  if (s.app.key === 'W') return qs([['token', s.token], ...extra, ['client_id', s.clientId]]);
  return qs([['client_id', s.clientId], ['token', s.token], ...extra]);
}

/** A JSON body as the app sends it; M/I/L with application/json, A/W with a charset. */
function json(s: Session, method: string, path: string, body: unknown): Wire {
  return { method, path, body: JSON.stringify(body), headers: { 'user-agent': s.app.userAgent, 'content-type': s.app.contentType } };
}

/** Android serialises its whole param object with Gson: camelCase duplicates and primitive zeros ride along. */
const androidExtras = (s: Session): Json => ({ clientId: s.clientId, token: s.token, meetingNumber: '' });
const androidZeros: Json = { recurrenceInterval: 0, recurrenceStartTime: 0, recurrenceEndTime: 0, recurrenceStartDay: 0, recurrenceEndDay: 0 };
/** Windows' DataContract DTO emits null for every member it does not set, plus recurrenceId and meeting_url. */
const windowsNulls: Json = {
  meeting_description: null,
  meeting_password: null,
  meeting_room_id: null,
  watermark_type: null,
  recurrence_type: null,
  recurrenceInterval: null,
  recurrenceStartTime: null,
  recurrenceEndTime: null,
  recurrenceStartDay: null,
  recurrenceEndDay: null,
  recurrenceDaysOfWeek: null,
  recurrenceDaysOfMonth: null,
  recurrenceId: null,
  meeting_url: null,
};

/** Timestamps: numbers from L, numeric strings from every other app (§3.1). */
const ts = (s: Session, v: number): number | string => (s.app.key === 'L' ? v : String(v));

const WIRE = {
  createInstant(s: Session, name: string): Wire {
    const base = { meeting_type: 'instant', meeting_name: name };
    const path = (extra: [string, string | number][] = []) => `/api/v1/meeting_schedule?${query(s, extra)}`;
    switch (s.app.key) {
      case 'L':
        return json(s, 'POST', path(), { meeting_name: name, meeting_type: 'instant' });
      case 'A':
        return json(s, 'POST', path(), { ...androidExtras(s), ...base, ...androidZeros, time_to_join: 0 });
      case 'M':
        return { method: 'POST', path: path(), body: JSON.stringify(base), headers: { 'user-agent': s.app.userAgent, 'content-type': JSON_TYPE } };
      case 'I': // appends page_num/page_size to every POST on this path
        return json(s, 'POST', path([['page_num', 1], ['page_size', 50]]), base);
      case 'W':
        return json(s, 'POST', path(), { ...windowsNulls, ...base, invited_users: null });
    }
  },

  createReservation(s: Session, name: string, start: number, invitee: string): Wire {
    const path = (extra: [string, string | number][] = []) => `/api/v1/meeting_schedule?${query(s, extra)}`;
    const end = start + HOUR;
    switch (s.app.key) {
      case 'L': // QJsonObject: alphabetical keys; omits meeting_password to have one generated
        return json(s, 'POST', path(), {
          call_rate_type: '2048K',
          guest_dial_in: true,
          invited_users: [invitee],
          meeting_description: 'From Linux',
          meeting_name: name,
          meeting_type: 'reservation',
          mute_upon_entry: 'DISABLE',
          schedule_end_time: end,
          schedule_start_time: start,
          time_to_join: 30,
          watermark: false,
          watermark_type: 'single',
        });
      case 'A': // strings for times and time_to_join, booleans on create, zeros for the recurrence primitives
        return json(s, 'POST', path(), {
          ...androidExtras(s),
          meeting_type: 'reservation',
          meeting_name: name,
          meeting_description: '',
          schedule_start_time: String(start),
          schedule_end_time: String(end),
          call_rate_type: '2048K',
          invited_users: [invitee],
          mute_upon_entry: 'ENABLE',
          guest_dial_in: true,
          watermark: false,
          watermark_type: 'single',
          time_to_join: '30',
          ...androidZeros,
        });
      case 'M': // meeting_password null = generate; meeting_room_id ""; watermark_type "" when off
        return json(s, 'POST', path(), {
          meeting_type: 'reservation',
          meeting_name: name,
          meeting_description: '',
          schedule_start_time: String(start),
          schedule_end_time: String(end),
          call_rate_type: '2048K',
          meeting_password: null,
          meeting_room_id: '',
          invited_users: [invitee],
          mute_upon_entry: 'DISABLE',
          guest_dial_in: true,
          watermark: false,
          watermark_type: '',
          time_to_join: 30,
        });
      case 'I':
        return json(s, 'POST', path([['page_num', 1], ['page_size', 50]]), {
          meeting_type: 'reservation',
          meeting_name: name,
          meeting_description: '',
          schedule_start_time: String(start),
          schedule_end_time: String(end),
          call_rate_type: '2048K',
          meeting_password: null,
          invited_users: [invitee],
          mute_upon_entry: 'DISABLE',
          guest_dial_in: true,
          watermark: false,
          watermark_type: 'single',
          time_to_join: -1,
        });
      case 'W':
        return json(s, 'POST', path(), {
          ...windowsNulls,
          meeting_type: 'reservation',
          meeting_name: name,
          schedule_start_time: String(start),
          schedule_end_time: String(end),
          call_rate_type: '2048K',
          invited_users: [invitee],
          mute_upon_entry: 'DISABLE',
          guest_dial_in: true,
          watermark: false,
          time_to_join: 30,
        });
    }
  },

  /**
   * The Monday/Wednesday series. recurrenceStartDay: the start instant (L, I) or local midnight (A, M, W).
   * recurrenceEndDay: 23:45 (L), midnight + 24 h − 1 s (A), 23:59:59 (M, W), the start time of day on the end date (I).
   */
  createSeries(s: Session, name: string, start = SERIES_START, end = SERIES_END): Wire {
    const midnight = berlin(2030, 2, 4);
    const lastDay = berlin(2030, 3, 1);
    const timeOfDay = start - midnight;
    const common = { meeting_name: name, call_rate_type: '2048K', mute_upon_entry: 'DISABLE', guest_dial_in: true, watermark: false };
    switch (s.app.key) {
      case 'L': // POST /meeting_schedule with meeting_type recurrence, numbers, only the matching day array
        return json(s, 'POST', `/api/v1/meeting_schedule?${query(s)}`, {
          ...common,
          meeting_type: 'recurrence',
          meeting_description: '',
          schedule_start_time: start,
          schedule_end_time: end,
          time_to_join: 30,
          watermark_type: 'single',
          recurrence_type: 'WEEKLY',
          recurrenceInterval: 1,
          recurrenceStartTime: start,
          recurrenceEndTime: end,
          recurrenceStartDay: start,
          recurrenceEndDay: berlin(2030, 3, 1, 23, 45),
          recurrenceDaysOfWeek: [2, 4],
        });
      case 'A': // POST /recurrence; numbers for the recurrence fields, strings for schedule_*
        return json(s, 'POST', `/api/v1/meeting_schedule/recurrence?${query(s)}`, {
          ...androidExtras(s),
          ...common,
          meeting_type: 'recurrence',
          meeting_description: '',
          schedule_start_time: String(start),
          schedule_end_time: String(end),
          time_to_join: '30',
          watermark_type: 'single',
          recurrence_type: 'WEEKLY',
          recurrenceInterval: 1,
          recurrenceStartTime: start,
          recurrenceEndTime: end,
          recurrenceStartDay: midnight,
          recurrenceEndDay: lastDay + DAY - 1000,
          recurrenceDaysOfWeek: [2, 4],
        });
      case 'M': // POST /meeting_schedule; strings; both day arrays, the other empty; meeting_room_id ""
        return json(s, 'POST', `/api/v1/meeting_schedule?${query(s)}`, {
          ...common,
          meeting_type: 'recurrence',
          meeting_description: '',
          meeting_password: null,
          meeting_room_id: '',
          schedule_start_time: String(start),
          schedule_end_time: String(end),
          time_to_join: 30,
          watermark_type: '',
          recurrence_type: 'WEEKLY',
          recurrenceInterval: 1,
          recurrenceStartTime: String(start),
          recurrenceEndTime: String(end),
          recurrenceStartDay: String(midnight),
          recurrenceEndDay: String(berlin(2030, 3, 1, 23, 59, 59)),
          recurrenceDaysOfWeek: [2, 4],
          recurrenceDaysOfMonth: [],
        });
      case 'I': // POST /recurrence?…&page_num=1&page_size=50; the interval and weekdays as strings
        return json(s, 'POST', `/api/v1/meeting_schedule/recurrence?${query(s, [['page_num', 1], ['page_size', 50]])}`, {
          ...common,
          meeting_type: 'recurrence',
          meeting_description: '',
          meeting_password: null,
          schedule_start_time: String(start),
          schedule_end_time: String(end),
          time_to_join: 30,
          watermark_type: 'single',
          recurrence_type: 'WEEKLY',
          recurrenceInterval: '1',
          recurrenceStartTime: String(start),
          recurrenceEndTime: String(end),
          recurrenceStartDay: String(start),
          recurrenceEndDay: String(lastDay + timeOfDay),
          recurrenceDaysOfWeek: ['2', '4'],
        });
      case 'W': // POST /recurrence; strings; null for the other day array and every unset member
        return json(s, 'POST', `/api/v1/meeting_schedule/recurrence?${query(s)}`, {
          ...windowsNulls,
          ...common,
          meeting_type: 'recurrence',
          schedule_start_time: String(start),
          schedule_end_time: String(end),
          invited_users: null,
          time_to_join: 30,
          recurrence_type: 'WEEKLY',
          recurrenceInterval: '1',
          recurrenceStartTime: String(start),
          recurrenceEndTime: String(end),
          recurrenceStartDay: String(midnight),
          recurrenceEndDay: String(berlin(2030, 3, 1, 23, 59, 59)),
          recurrenceDaysOfWeek: [2, 4],
          recurrenceDaysOfMonth: null,
        });
    }
  },

  list(s: Session): Wire {
    const headers = { 'user-agent': s.app.userAgent, ...(s.app.key === 'A' ? { 'content-type': JSON_UTF8 } : {}) };
    const path = (extra: [string, string | number][]) => `/api/v1/meeting_schedule?${query(s, extra)}`;
    switch (s.app.key) {
      case 'L':
        return { method: 'GET', path: path([['page_num', 1], ['page_size', 500]]), headers };
      case 'A':
        return { method: 'GET', path: path([['page_num', 1], ['page_size', 500], ['filter', ''], ['sort', 'startTime']]), headers };
      case 'M': // no paging parameters at all
        return { method: 'GET', path: path([]), headers };
      case 'I':
        return { method: 'GET', path: path([['page_num', 1], ['page_size', 500]]), headers };
      case 'W':
        return { method: 'GET', path: path([['page_num', 1], ['page_size', 500], ['sort', 'startTime']]), headers };
    }
  },

  detail(s: Session, rid: string): Wire {
    return { method: 'GET', path: `/api/v1/meeting_schedule/${rid}?${query(s)}`, headers: { 'user-agent': s.app.userAgent } };
  },

  occurrences(s: Session, gid: string): Wire {
    const extra: Record<AppKey, [string, string | number][]> = {
      L: [['page_num', 1], ['page_size', 100]],
      A: [['page_num', 1], ['page_size', 50], ['filter', '']],
      M: [['page_num', 1], ['page_size', 50]],
      I: [['page_num', 1], ['page_size', 100]],
      W: [['page_num', 1], ['page_size', 365], ['sort', 'startTime']],
    };
    return { method: 'GET', path: `/api/v1/meeting_schedule/recurrence/${gid}?${query(s, extra[s.app.key])}`, headers: { 'user-agent': s.app.userAgent } };
  },

  /** Edit one occurrence (§4.5): `d` is the occurrence's detail as the app holds it. */
  editOne(s: Session, d: Json, start: number, end: number): Wire {
    const path = `/api/v1/meeting_schedule/${d.reservation_id}?${query(s)}`;
    switch (s.app.key) {
      case 'L': // the whole detail copied, new times, meeting_type recurrence
        return json(s, 'POST', path, {
          ...d,
          meeting_type: 'recurrence',
          invited_users: d.participantUsers,
          schedule_start_time: start,
          schedule_end_time: end,
        });
      case 'A': // isSingle: form values, booleans as strings in updates, zeros for the recurrence primitives
        return json(s, 'POST', path, {
          ...androidExtras(s),
          meetingNumber: d.meeting_number,
          meeting_name: d.meeting_name,
          meeting_type: d.meeting_type,
          schedule_start_time: String(start),
          schedule_end_time: String(end),
          meeting_password: d.meeting_password,
          call_rate_type: d.call_rate_type,
          invited_users: d.participantUsers,
          mute_upon_entry: d.mute_upon_entry,
          guest_dial_in: String(d.guest_dial_in),
          watermark: String(d.watermark),
          watermark_type: d.watermark_type,
          time_to_join: String(d.time_to_join),
          ...androidZeros,
        });
      case 'M': // only the times (frtcUpdateMeetingTime)
        return json(s, 'POST', path, { schedule_start_time: String(start), schedule_end_time: String(end) });
      case 'I':
        return json(s, 'POST', path, {
          schedule_start_time: String(start),
          schedule_end_time: String(end),
          meeting_type: d.meeting_type,
          meeting_name: d.meeting_name,
          guest_dial_in: d.guest_dial_in,
          watermark: d.watermark,
          call_rate_type: d.call_rate_type || '2048K',
          watermark_type: d.watermark_type,
          mute_upon_entry: d.mute_upon_entry,
          invited_users: d.participantUsers,
          meeting_room_id: d.meeting_room_id,
          meeting_password: d.meeting_password || '',
        });
      case 'W': // DTO defaults: false booleans, nulls, recurrenceId
        return json(s, 'POST', path, {
          ...windowsNulls,
          meeting_name: d.meeting_name,
          meeting_description: d.meeting_description,
          schedule_start_time: String(start),
          schedule_end_time: String(end),
          call_rate_type: d.call_rate_type,
          time_to_join: d.time_to_join,
          mute_upon_entry: d.mute_upon_entry,
          guest_dial_in: false,
          watermark: false,
          invited_users: null,
          recurrenceId: d.recurrence_gid,
        });
    }
  },

  /** Edit all (§4.4): the app's create body for the new rule, posted to /recurrence/{reservation_id}. */
  editAll(s: Session, rid: string, name: string, start: number, end: number): Wire {
    const create = WIRE.createSeries(s, name, start, end);
    const body = JSON.parse(create.body!) as Json;
    if (s.app.key === 'A') Object.assign(body, { guest_dial_in: 'true', watermark: 'false', time_to_join: '30' });
    return { ...create, path: `/api/v1/meeting_schedule/recurrence/${rid}?${query(s)}`, body: JSON.stringify(body) };
  },

  /** Delete one meeting or occurrence (§4.6). */
  deleteOne(s: Session, rid: string): Wire {
    const ua = { 'user-agent': s.app.userAgent };
    const path = (extra: [string, string | number][]) => `/api/v1/meeting_schedule/${rid}?${query(s, extra)}`;
    switch (s.app.key) {
      case 'L':
        return { method: 'DELETE', path: path([]), body: '{}', headers: { ...ua, 'content-type': JSON_TYPE } };
      case 'A':
        return { method: 'DELETE', path: path([['deleteGroup', 'false']]), body: '', headers: { ...ua, 'content-type': JSON_UTF8 } };
      case 'M':
        return { method: 'DELETE', path: path([['deleteGroup', 'false']]), headers: ua };
      case 'I': // the NSNumber NO formatted into the URL
        return { method: 'DELETE', path: path([['deleteGroup', 0]]), headers: ua };
      case 'W':
        return { method: 'DELETE', path: path([['deleteGroup', 'false']]), headers: ua };
    }
  },

  /** Delete a whole series from one of its occurrences (§4.6). */
  deleteSeries(s: Session, rid: string): Wire {
    const ua = { 'user-agent': s.app.userAgent };
    const path = (extra: [string, string | number][]) => `/api/v1/meeting_schedule/${rid}?${query(s, extra)}`;
    switch (s.app.key) {
      case 'L':
        return { method: 'DELETE', path: path([['deleteGroup', 'true']]), body: '{"deleteGroup":true}', headers: { ...ua, 'content-type': JSON_TYPE } };
      case 'A':
        return { method: 'DELETE', path: path([['deleteGroup', 'true']]), body: '', headers: { ...ua, 'content-type': JSON_UTF8 } };
      case 'M':
        return { method: 'DELETE', path: path([['deleteGroup', 'true']]), headers: ua };
      case 'I': // the NSNumber YES formatted into the URL, plus the body
        return { method: 'DELETE', path: path([['deleteGroup', 1]]), body: '{"deleteGroup":true}', headers: { ...ua, 'content-type': JSON_TYPE } };
      case 'W':
        return { method: 'DELETE', path: path([['deleteGroup', 'true']]), headers: ua };
    }
  },
};

function assertSuccess(r: Reply): void {
  assert.equal(r.status, 200, r.text);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  assert.ok(r.body !== null && typeof r.body === 'object' && !Array.isArray(r.body), `JSON object body: ${r.text}`);
}

function assertPresent(m: Json, fields: readonly string[], where: string): void {
  for (const f of fields) assert.ok(m[f] !== undefined && m[f] !== null, `${where}: ${f} must be present and not null (${JSON.stringify(m[f])})`);
}

/** What the Linux app needs from any meeting it shows (§3.2/§3.3 traps) and the JSON types of §3.4. */
function assertLinuxTypes(m: Json, where: string): void {
  assert.ok(Array.isArray(m.participantUsers), `${where}: participantUsers is an array`);
  for (const k of ['schedule_start_time', 'schedule_end_time', 'recurrenceStartTime', 'recurrenceEndTime', 'recurrenceStartDay', 'recurrenceEndDay', 'time_to_join', 'recurrenceInterval']) {
    assert.equal(typeof m[k], 'number', `${where}: ${k} is a number`);
  }
  assert.equal(typeof m.guest_dial_in, 'boolean', `${where}: guest_dial_in`);
  assert.equal(typeof m.watermark, 'boolean', `${where}: watermark`);
  assert.ok(m.recurrenceDaysOfWeek.every((d: unknown) => typeof d === 'number'), `${where}: weekday numbers`);
  assert.ok(m.mute_upon_entry === 'ENABLE' || m.mute_upon_entry === 'DISABLE', `${where}: mute_upon_entry`);
}

for (const dialect of testDialects()) {
  describe(`FRTC app scheduling calls [${dialect}]`, () => {
    const clock = new ManualClock(NOW);
    let t: TestServer;
    let bobId: string;
    const sessions = new Map<AppKey, Session>();
    const created = new Map<AppKey, { instant: Json; reservation: Json; series: Json; occurrences: Json[] }>();
    const send = (w: Wire) => t.call(w.method, w.path, { headers: w.headers, ...(w.body !== undefined ? { body: w.body } : {}) });
    const of = (key: AppKey) => sessions.get(key)!;
    const state = (key: AppKey) => created.get(key)!;
    const occurrencesOf = async (s: Session, gid: string): Promise<Json[]> => {
      const r = await send(WIRE.occurrences(s, gid));
      assertSuccess(r);
      return r.body.meeting_schedules;
    };

    before(async () => {
      t = await startTestServer(dialect, { CONVENE_TIMEZONE: ZONE }, { clock });
      bobId = await t.createUser('bob', 'bob-pw-1', 'Normal', { real_name: 'Bob Invited' });
      for (const app of APPS) {
        const userId = await t.createUser(app.username, `${app.username}-pw-1`, 'Normal', { real_name: `User ${app.name}` });
        const clientId = randomUUID();
        sessions.set(app.key, { app, clientId, userId, token: await t.signIn(app.username, `${app.username}-pw-1`, clientId) });
      }
    });
    after(() => t.close());

    describe(`S2 POST /api/v1/meeting_schedule (instant) [${dialect}]`, () => {
      for (const app of APPS) {
        it(`${app.key} (${app.name}) body → 200 with meeting_number, meeting_password, meeting_name, owner_name, meeting_type`, async () => {
          const s = of(app.key);
          const r = await send(WIRE.createInstant(s, `${app.name} instant`));
          assertSuccess(r);
          assert.match(r.body.meeting_number, /^[1-9][0-9]{8}$/);
          assert.match(r.body.meeting_password, /^[0-9]{6}$/);
          assert.equal(r.body.meeting_name, `${app.name} instant`);
          assert.equal(r.body.owner_name, `User ${app.name}`);
          assert.equal(r.body.meeting_type, 'instant');
          assert.equal(r.body.schedule_start_time, NOW);
          assertPresent(r.body, M_DETAIL_REQUIRED, 'instant');
          created.set(app.key, { instant: r.body, reservation: {}, series: {}, occurrences: [] });
        });
      }
    });

    describe(`S3 POST /api/v1/meeting_schedule (reservation) [${dialect}]`, () => {
      APPS.forEach((app, i) => {
        it(`${app.key} (${app.name}) body → 200 with every field the apps read, the invitee in both detail lists`, async () => {
          const s = of(app.key);
          const start = berlin(2030, 1, 20 + i, 9);
          const r = await send(WIRE.createReservation(s, `${app.name} reservation`, start, bobId));
          assertSuccess(r);
          const m = r.body;
          assert.equal(m.meeting_type, 'reservation');
          assert.equal(m.schedule_start_time, start);
          assert.equal(m.schedule_end_time, start + HOUR);
          assert.equal(m.time_to_join, app.key === 'I' ? -1 : 30);
          assert.equal(m.guest_dial_in, true);
          assert.equal(m.watermark, false);
          assert.equal(m.mute_upon_entry, app.key === 'A' ? 'ENABLE' : 'DISABLE');
          assert.equal(m.meeting_description, app.key === 'L' ? 'From Linux' : '', 'Windows\' null description reads as ""');
          assert.equal(m.meeting_room_id, '');
          assert.match(m.meeting_password, /^[0-9]{6}$/, 'absent or null password → generated');
          assert.equal(m.recurrence_type, 'NONE');
          assert.deepEqual(m.participantUsers, [bobId]);
          const bob = { user_id: bobId, username: 'bob', real_name: 'Bob Invited' };
          assert.deepEqual(m.invited_users_details, [bob], 'plural for M/W/L');
          assert.deepEqual(m.invited_users_detail, [bob], 'singular for A\'s create result');
          assert.equal(typeof m.meeting_url, 'string');
          assert.equal(typeof m.groupMeetingUrl, 'string');
          assertPresent(m, M_DETAIL_REQUIRED, 'reservation');
          assertLinuxTypes(m, 'reservation');
          state(app.key).reservation = m;
        });
      });
    });

    describe(`S4 create a weekly series (Mondays and Wednesdays) [${dialect}]`, () => {
      for (const app of APPS) {
        it(`${app.key} (${app.name}) body → 200; the series expands to the same eight occurrences`, async () => {
          const s = of(app.key);
          const r = await send(WIRE.createSeries(s, `${app.name} weekly`));
          assertSuccess(r);
          const m = r.body;
          assert.equal(m.meeting_type, 'recurrence');
          assert.equal(m.recurrence_type, 'WEEKLY');
          assert.equal(m.recurrenceInterval, 1);
          assert.deepEqual(m.recurrenceDaysOfWeek, [2, 4]);
          assert.deepEqual(m.recurrenceDaysOfMonth, []);
          assert.equal(m.recurrenceStartTime, SERIES_START);
          assert.equal(m.recurrenceEndTime, SERIES_END);
          assert.equal(m.recurrenceStartDay, berlin(2030, 2, 4));
          assert.equal(m.recurrenceEndDay, berlin(2030, 3, 1, 23, 59, 59));
          assert.equal(m.schedule_start_time, SERIES_START);
          assert.ok(m.groupMeetingUrl.endsWith(`/j/${m.groupInfoKey}`), m.groupMeetingUrl);
          assert.match(m.recurrence_gid, /.+/);
          assertPresent(m, M_DETAIL_REQUIRED, 'series');
          assertLinuxTypes(m, 'series');
          const occ = await occurrencesOf(s, m.recurrence_gid);
          assert.deepEqual(occ.map((o) => local(o.schedule_start_time)), SERIES_LOCAL);
          assert.ok(occ.every((o) => o.meeting_number === m.meeting_number && o.meeting_password === m.meeting_password));
          Object.assign(state(app.key), { series: m, occurrences: occ });
        });
      }
    });

    describe(`S1 GET /api/v1/meeting_schedule (list) [${dialect}]`, () => {
      for (const app of APPS) {
        it(`${app.key} (${app.name}) query → 200 meeting_schedules with one entry per series and the fields the apps read`, async () => {
          const s = of(app.key);
          const r = await send(WIRE.list(s));
          assertSuccess(r);
          const items: Json[] = r.body.meeting_schedules;
          assert.deepEqual(r.body.scheduled_meetings, documented(items), 'the API document\'s name and fields');
          assert.deepEqual(items.map((m) => m.meeting_name), [`${app.name} instant`, `${app.name} reservation`, `${app.name} weekly`]);
          assert.equal(r.body.total_size, 3);
          assert.equal(r.body.total_page_num, 1);
          const series = items[2]!;
          assert.equal(series.reservation_id, state(app.key).occurrences[0]!.reservation_id);
          assert.equal(series.recurrenceReservationList.length, SERIES_DATES.length - 1, 'M counts the rest as recurrenceReservationList.length + 1');
          for (const m of [...items, ...series.recurrenceReservationList]) {
            assertPresent(m, M_ITEM_REQUIRED, `item ${m.meeting_name}`);
            assertLinuxTypes(m, `item ${m.meeting_name}`);
            for (const k of ['meeting_password', 'reservation_id', 'recurrence_gid', 'meeting_url', 'groupMeetingUrl', 'meetingInfoKey', 'groupInfoKey']) {
              assert.equal(typeof m[k], 'string', `${k} is a string`);
            }
            assert.equal(m.owner_id, s.userId);
          }
        });
      }

      it('bob, invited by every app, sees each reservation, not the instant meetings or the series he was not invited to', async () => {
        const token = await t.signIn('bob', 'bob-pw-1', 'bob-l');
        const r = await t.call('GET', '/api/v1/meeting_schedule', { query: { client_id: 'bob-l', token, page_num: 1, page_size: 500 } });
        assertSuccess(r);
        assert.deepEqual(r.body.meeting_schedules.map((m: Json) => m.meeting_name), APPS.map((a) => `${a.name} reservation`));
        for (const m of r.body.meeting_schedules) assert.deepEqual(m.participantUsers, [bobId]);
      });
    });

    describe(`S5 GET /api/v1/meeting_schedule/{rid} (detail) [${dialect}]`, () => {
      for (const app of APPS) {
        it(`${app.key} (${app.name}) → 200; every field M requires is present and not null, L's types hold`, async () => {
          const s = of(app.key);
          for (const m of [state(app.key).reservation, state(app.key).occurrences[3]!, state(app.key).instant]) {
            const r = await send(WIRE.detail(s, m.reservation_id));
            assertSuccess(r);
            assertPresent(r.body, M_DETAIL_REQUIRED, `detail of ${m.meeting_name}`);
            assertLinuxTypes(r.body, `detail of ${m.meeting_name}`);
            assert.equal(r.body.reservation_id, m.reservation_id);
            for (const k of ['meeting_number', 'meeting_description', 'qrcode_string', 'groupMeetingUrl', 'groupInfoKey', 'meeting_room_id', 'recurrence_gid']) {
              assert.equal(typeof r.body[k], 'string', k);
            }
            assert.ok(Array.isArray(r.body.invited_users_details));
            assert.deepEqual(r.body.invited_users_detail, r.body.invited_users_details);
          }
        });
      }
    });

    describe(`S8 GET /api/v1/meeting_schedule/recurrence/{gid} [${dialect}]`, () => {
      for (const app of APPS) {
        it(`${app.key} (${app.name}) query → 200 occurrences by start, camelCase series fields, recurrence_type on items`, async () => {
          const s = of(app.key);
          const { series } = state(app.key);
          const r = await send(WIRE.occurrences(s, series.recurrence_gid));
          assertSuccess(r);
          const items: Json[] = r.body.meeting_schedules;
          assert.deepEqual(items.map((o) => local(o.schedule_start_time)), SERIES_LOCAL);
          assert.equal(r.body.total_size, SERIES_DATES.length);
          assert.equal(r.body.total_page_num, 1);
          assert.equal(r.body.recurrenceType, 'WEEKLY');
          assert.equal(r.body.recurrenceInterval, 1);
          assert.equal(r.body.recurrenceStartTime, SERIES_START);
          assert.equal(r.body.recurrenceEndTime, SERIES_END);
          assert.equal(r.body.recurrenceStartDay, berlin(2030, 2, 4));
          assert.equal(r.body.recurrenceEndDay, berlin(2030, 3, 1, 23, 59, 59));
          assert.deepEqual(r.body.recurrenceDaysOfWeek, [2, 4]);
          assert.deepEqual(r.body.recurrenceDaysOfMonth, []);
          assert.equal(r.body.groupMeetingUrl, series.groupMeetingUrl);
          assert.equal(r.body.groupInfoKey, series.groupInfoKey);
          assert.equal(items[0]!.recurrence_type, 'WEEKLY', 'M reads the type from the first item');
          for (const o of items) {
            assertPresent(o, M_ITEM_REQUIRED, 'occurrence');
            assertLinuxTypes(o, 'occurrence');
          }
          // The reservation_id form the apps use for their own calls gives the same answer.
          const byRid = await t.call('GET', `/api/v1/meeting_schedule/recurrence/${items[1]!.reservation_id}`, { query: { client_id: s.clientId, token: s.token } });
          assertSuccess(byRid);
          assert.deepEqual(byRid.body.meeting_schedules.map((o: Json) => o.reservation_id), items.map((o) => o.reservation_id));
        });
      }
    });

    describe(`S6 edit one occurrence (POST /api/v1/meeting_schedule/{rid}) [${dialect}]`, () => {
      for (const app of APPS) {
        it(`${app.key} (${app.name}) body moves Wednesday 6 February to Thursday 12:00 and leaves the rest of the series alone`, async () => {
          const s = of(app.key);
          const { series, occurrences: occ } = state(app.key);
          const target = occ[1]!;
          const d = (await send(WIRE.detail(s, target.reservation_id))).body as Json;
          const start = berlin(2030, 2, 7, 12);
          const r = await send(WIRE.editOne(s, d, start, start + HOUR));
          assertSuccess(r);
          const now = await occurrencesOf(s, series.recurrence_gid);
          assert.deepEqual(now.map((o) => o.reservation_id), occ.map((o) => o.reservation_id), 'the occurrence stays in its group');
          assert.deepEqual(now.map((o) => local(o.schedule_start_time)), SERIES_LOCAL.map((x, i) => (i === 1 ? '2030-02-07 12:00' : x)));
          const moved = now[1]!;
          assert.equal(moved.schedule_end_time, start + HOUR);
          assert.equal(moved.recurrence_gid, series.recurrence_gid);
          assert.equal(moved.meeting_number, series.meeting_number);
          assert.equal(moved.meeting_password, series.meeting_password);
          assert.equal(moved.meeting_name, `${app.name} weekly`);
          assert.equal(moved.guest_dial_in, true, 'W\'s default false does not reset guest_dial_in');
          assert.equal(moved.watermark, false);
          assert.equal(moved.call_rate_type, '2048K');
          for (const o of now) assert.equal(o.guest_dial_in, true);
        });
      }

      it('W (Windows) body with a time overlapping the next occurrence → 400 (clients bound edits by the neighbours)', async () => {
        const s = of('W');
        const { occurrences: occ } = state('W');
        const d = (await send(WIRE.detail(s, occ[2]!.reservation_id))).body as Json;
        const start = berlin(2030, 2, 13, 9, 30);
        const r = await send(WIRE.editOne(s, d, start, start + HOUR));
        assert.equal(r.status, 400, r.text);
        assert.equal(r.body.errorCode, '0x10000001');
      });
    });

    describe(`S7 edit all (POST /api/v1/meeting_schedule/recurrence/{rid}) [${dialect}]`, () => {
      for (const app of APPS) {
        it(`${app.key} (${app.name}) body with the opened occurrence's reservation_id → 200; occurrences move to 11:00, number kept`, async () => {
          const s = of(app.key);
          const { series, occurrences: occ } = state(app.key);
          const start = berlin(2030, 2, 4, 11);
          const r = await send(WIRE.editAll(s, occ[2]!.reservation_id, `${app.name} weekly v2`, start, start + HOUR));
          assertSuccess(r);
          const now = await occurrencesOf(s, series.recurrence_gid);
          assert.deepEqual(now.map((o) => local(o.schedule_start_time)), SERIES_DATES.map((x) => `2030-${x} 11:00`));
          assert.ok(now.every((o) => o.meeting_number === series.meeting_number && o.meeting_password === series.meeting_password));
          assert.ok(now.every((o) => o.meeting_name === `${app.name} weekly v2` && o.recurrence_gid === series.recurrence_gid));
          assert.ok(now.every((o) => o.guest_dial_in === true && o.watermark === false), 'A\'s "true"/"false" strings read as booleans');
          state(app.key).occurrences = now;
        });
      }
    });

    describe(`S9 DELETE /api/v1/meeting_schedule/{rid} [${dialect}]`, () => {
      for (const app of APPS) {
        it(`${app.key} (${app.name}) delete-one variant removes only that occurrence`, async () => {
          const s = of(app.key);
          const { series, occurrences: occ } = state(app.key);
          const r = await send(WIRE.deleteOne(s, occ[occ.length - 1]!.reservation_id));
          assertSuccess(r);
          assert.deepEqual(r.body, {});
          const now = await occurrencesOf(s, series.recurrence_gid);
          assert.deepEqual(now.map((o) => o.reservation_id), occ.slice(0, -1).map((o) => o.reservation_id));
        });

        it(`${app.key} (${app.name}) delete-series variant removes the series and every occurrence`, async () => {
          const s = of(app.key);
          const { series, occurrences: occ } = state(app.key);
          const r = await send(WIRE.deleteSeries(s, occ[1]!.reservation_id));
          assertSuccess(r);
          const gone = await send(WIRE.occurrences(s, series.recurrence_gid));
          assert.equal(gone.status, 404, gone.text);
          assert.equal(gone.body.errorCode, '0x10000004');
          for (const o of occ) assert.equal((await send(WIRE.detail(s, o.reservation_id))).status, 404);
        });

        it(`${app.key} (${app.name}) delete-one variant on a reservation removes it; the list is left with the instant meeting`, async () => {
          const s = of(app.key);
          const r = await send(WIRE.deleteOne(s, state(app.key).reservation.reservation_id));
          assertSuccess(r);
          assert.equal((await send(WIRE.detail(s, state(app.key).reservation.reservation_id))).status, 404);
          const l = await send(WIRE.list(s));
          assertSuccess(l);
          assert.deepEqual(l.body.meeting_schedules.map((m: Json) => m.meeting_name), [`${app.name} instant`]);
        });
      }
    });
  });
}

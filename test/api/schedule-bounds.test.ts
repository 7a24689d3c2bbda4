import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Temporal } from 'temporal-polyfill';
import { ManualClock } from '../../src/kernel/clock.ts';
import { testDialects } from '../support/dialects.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { DOCUMENTED_ITEM_FIELDS } from '../../contract/rest/meeting-schedule.ts';

/** An item as the API document shows it under `scheduled_meetings`: its twelve fields, in its order. */
const documented = (items: Record<string, any>[]) => items.map((m) => Object.fromEntries(DOCUMENTED_ITEM_FIELDS.map((k) => [k, m[k]])));

/**
 * Issue 11, item 1: one user cannot stall the server through the meeting list. The attack of the issue — a Normal
 * user creates three 5000-occurrence daily series and invites someone — must give that person a list whose size
 * depends on the page, not on the series, and the list must still be right: one entry per series keyed by its next
 * occurrence that has not ended, ordered by start then id, counted, paged and filtered in the database. Also the
 * per-user quotas on meetings and series (CONVENE_MAX_MEETINGS_PER_USER, CONVENE_MAX_SERIES_PER_USER).
 */

const ZONE = 'Europe/Berlin';
const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2030, 0, 7, 12); // Monday 7 January 2030, 13:00 in Berlin
const LATER = 10; // occurrences a list entry carries after its next one

const berlin = (year: number, month: number, day: number, hour = 0, minute = 0): number =>
  Temporal.ZonedDateTime.from({ timeZone: ZONE, year, month, day, hour, minute }).epochMilliseconds;
const local = (ms: number): string =>
  Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(ZONE).toPlainDateTime().toString().slice(0, 16).replace('T', ' ');

type Json = Record<string, any>;
interface Who {
  id: string;
  token: string;
  clientId: string;
}

/** A daily (or weekly) series of `count` days from `start`, as the Linux app sends it. */
function seriesBody(name: string, start: number, days: number, extra: Json = {}): Json {
  const end = start + HOUR;
  const last = Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(ZONE).toPlainDate().add({ days: days - 1 });
  return {
    meeting_type: 'recurrence',
    meeting_name: name,
    schedule_start_time: start,
    schedule_end_time: end,
    recurrence_type: 'DAILY',
    recurrenceInterval: 1,
    recurrenceStartTime: start,
    recurrenceEndTime: end,
    recurrenceStartDay: start,
    recurrenceEndDay: berlin(last.year, last.month, last.day, 23, 45),
    ...extra,
  };
}

const reservation = (name: string, start: number, extra: Json = {}): Json => ({
  meeting_type: 'reservation',
  meeting_name: name,
  schedule_start_time: start,
  schedule_end_time: start + HOUR,
  ...extra,
});

function client(get: () => TestServer) {
  const call = (who: Who, method: string, path: string, body?: unknown, query: Record<string, string | number> = {}) =>
    get().call(method, path, { query: { client_id: who.clientId, token: who.token, ...query }, ...(body !== undefined ? { body } : {}) });
  const ok = async (who: Who, method: string, path: string, body?: unknown, query: Record<string, string | number> = {}): Promise<Json> => {
    const r = await call(who, method, path, body, query);
    assert.equal(r.status, 200, r.text.slice(0, 500));
    return r.body as Json;
  };
  return { call, ok };
}

async function person(t: TestServer, username: string, role = 'Normal'): Promise<Who> {
  const id = await t.createUser(username, `${username}-pw-1`, role);
  const clientId = `app-${username}`;
  return { id, clientId, token: await t.signIn(username, `${username}-pw-1`, clientId) };
}

/** Entries ordered as the list must order them: by the next occurrence's start, then its reservation_id. */
const byStartThenId = (a: Json, b: Json) =>
  a.schedule_start_time - b.schedule_start_time || (a.reservation_id < b.reservation_id ? -1 : a.reservation_id > b.reservation_id ? 1 : 0);

for (const dialect of testDialects()) {
  describe(`the meeting list is bounded whatever the data [${dialect}]`, () => {
    const clock = new ManualClock(NOW);
    let t: TestServer;
    let mallory: Who;
    let ivy: Who;
    let bob: Who;
    const { call, ok } = client(() => t);
    const flood: Json[] = [];
    let review: Json;
    let solo: Json;
    let bobWeekly: Json;
    let bobSingle: Json;

    before(async () => {
      // The attacker holds 15 000 occurrences: above the default quota, so it is raised here.
      t = await startTestServer(dialect, { CONVENE_TIMEZONE: ZONE, CONVENE_MAX_MEETINGS_PER_USER: '20000' }, { clock });
      mallory = await person(t, 'mallory');
      ivy = await person(t, 'ivy');
      bob = await person(t, 'bob');
      for (const [i, name] of ['Flood A', 'Flood B', 'Flood C'].entries()) {
        flood.push(await ok(mallory, 'POST', '/api/v1/meeting_schedule/recurrence', seriesBody(name, berlin(2030, 1, 8, 9 + i), 5000, { invited_users: [ivy.id] })));
      }
      // Same start as Flood A's next occurrence below: the two are ordered by reservation_id.
      review = await ok(ivy, 'POST', '/api/v1/meeting_schedule', reservation('Ärger-Review', berlin(2030, 1, 10, 9)));
      solo = await ok(ivy, 'POST', '/api/v1/meeting_schedule', reservation('Ivy solo', berlin(2030, 1, 12, 8)));
      await ok(ivy, 'POST', '/api/v1/meeting_schedule', reservation('Ivy yesterday-ish', berlin(2030, 1, 8, 8)));
      bobWeekly = await ok(bob, 'POST', '/api/v1/meeting_schedule/recurrence', {
        ...seriesBody('Bob weekly', berlin(2030, 1, 10, 15), 30),
        recurrence_type: 'WEEKLY',
        recurrenceDaysOfWeek: [5],
      });
      bobSingle = await ok(bob, 'POST', '/api/v1/meeting_schedule', reservation('Bob single', berlin(2030, 1, 11, 12)));
      await ok(bob, 'POST', '/api/v1/meeting_schedule', reservation('Bob private', berlin(2030, 1, 11, 13)));
      await ok(ivy, 'POST', `/api/v1/meeting_list/add/${bobWeekly.groupInfoKey}`);
      await ok(ivy, 'POST', `/api/v1/meeting_list/add/${bobSingle.meetingInfoKey}`);
      // Wednesday 9 January, 13:00 in Berlin: the first two days of every flood series and "yesterday-ish" have ended.
      clock.advance(2 * DAY);
    });
    after(() => t.close());

    it('the attacked list holds one entry per series with at most 10 later occurrences, and stays small', async () => {
      const r = await call(ivy, 'GET', '/api/v1/meeting_schedule'); // the macOS app sends no paging
      assert.equal(r.status, 200, r.text.slice(0, 300));
      assert.ok(r.text.length < 250_000, `the answer is ${r.text.length} bytes (was 32 MB before the list was bounded)`);
      const body = r.body as Json;
      assert.deepEqual(body.scheduled_meetings, documented(body.meeting_schedules), 'the same entries under the document\'s name, with its fields');
      const items: Json[] = body.meeting_schedules;
      assert.equal(body.total_size, 7);
      assert.equal(body.total_page_num, 1);
      assert.equal(items.length, 7);
      const gids = items.map((m) => m.recurrence_gid).filter((g) => g !== '');
      assert.equal(new Set(gids).size, gids.length, 'a series is one entry');
      for (const m of items) {
        assert.ok(m.recurrenceReservationList.length <= LATER, `${m.meeting_name}: ${m.recurrenceReservationList.length} later occurrences`);
        assert.ok(Array.isArray(m.participantUsers));
        for (const o of m.recurrenceReservationList) assert.ok(Array.isArray(o.participantUsers) && typeof o.meeting_url === 'string');
      }
      assert.deepEqual([...items].sort(byStartThenId).map((m) => m.reservation_id), items.map((m) => m.reservation_id), 'ordered by start, then id');
      assert.deepEqual(
        items.map((m) => `${m.meeting_name} ${local(m.schedule_start_time)}`).sort(),
        [
          'Flood A 2030-01-10 09:00',
          'Ärger-Review 2030-01-10 09:00',
          'Flood B 2030-01-10 10:00',
          'Flood C 2030-01-10 11:00',
          'Bob weekly 2030-01-10 15:00',
          'Bob single 2030-01-11 12:00',
          'Ivy solo 2030-01-12 08:00',
        ].sort(),
      );
      assert.deepEqual(items.slice(2).map((m) => m.meeting_name), ['Flood B', 'Flood C', 'Bob weekly', 'Bob single', 'Ivy solo']);
      assert.deepEqual(new Set(items.slice(0, 2).map((m) => m.meeting_name)), new Set(['Flood A', 'Ärger-Review']));
    });

    it('a series entry is its next occurrence that has not ended, carrying the next 10 in order', async () => {
      const items: Json[] = (await ok(ivy, 'GET', '/api/v1/meeting_schedule', undefined, { page_num: 1, page_size: 500 })).meeting_schedules;
      const a = items.find((m) => m.meeting_name === 'Flood A')!;
      assert.equal(a.recurrence_gid, flood[0]!.recurrence_gid);
      assert.equal(local(a.schedule_start_time), '2030-01-10 09:00');
      assert.deepEqual(
        a.recurrenceReservationList.map((o: Json) => local(o.schedule_start_time)),
        Array.from({ length: LATER }, (_, i) => `2030-01-${String(11 + i).padStart(2, '0')} 09:00`),
      );
      assert.ok(a.recurrenceReservationList.every((o: Json) => o.recurrence_gid === a.recurrence_gid && o.participantUsers.includes(ivy.id)));
      // The series' own first occurrence has ended: the entry is not it, and recurrenceStartTime still describes the rule.
      assert.notEqual(a.reservation_id, flood[0]!.reservation_id);
      assert.equal(a.recurrenceStartTime, flood[0]!.recurrenceStartTime);
      const weekly = items.find((m) => m.meeting_name === 'Bob weekly')!;
      assert.deepEqual(weekly.recurrenceReservationList.map((o: Json) => local(o.schedule_start_time)), ['2030-01-17 15:00', '2030-01-24 15:00', '2030-01-31 15:00', '2030-02-07 15:00']);
      assert.ok(!items.some((m) => m.meeting_name === 'Bob private' || m.meeting_name === 'Ivy yesterday-ish'));
    });

    it('pages in the database: page_size 2 walks the same entries, total_size counts entries, a page past the end is empty', async () => {
      const all: Json[] = (await ok(ivy, 'GET', '/api/v1/meeting_schedule')).meeting_schedules;
      const walked: string[] = [];
      for (let page = 1; page <= 4; page++) {
        const p = await ok(ivy, 'GET', '/api/v1/meeting_schedule', undefined, { page_num: page, page_size: 2 });
        assert.equal(p.total_size, 7);
        assert.equal(p.total_page_num, 4);
        assert.equal(p.meeting_schedules.length, page < 4 ? 2 : 1);
        walked.push(...p.meeting_schedules.map((m: Json) => m.reservation_id));
      }
      assert.deepEqual(walked, all.map((m) => m.reservation_id));
      const past = await ok(ivy, 'GET', '/api/v1/meeting_schedule', undefined, { page_num: 5, page_size: 2 });
      assert.deepEqual(past.meeting_schedules, []);
      assert.equal(past.total_size, 7);
    });

    it('filters in the database: by name ignoring case (also beyond ASCII) and by meeting number', async () => {
      const byName = await ok(ivy, 'GET', '/api/v1/meeting_schedule', undefined, { filter: 'flood b' });
      assert.deepEqual(byName.meeting_schedules.map((m: Json) => m.meeting_name), ['Flood B']);
      assert.equal(byName.total_size, 1);
      assert.equal(byName.meeting_schedules[0].recurrenceReservationList.length, LATER);
      const umlaut = await ok(ivy, 'GET', '/api/v1/meeting_schedule', undefined, { filter: 'ÄRGER' });
      assert.deepEqual(umlaut.meeting_schedules.map((m: Json) => m.reservation_id), [review.reservation_id]);
      const byNumber = await ok(ivy, 'GET', '/api/v1/meeting_schedule', undefined, { filter: flood[2]!.meeting_number });
      assert.deepEqual(byNumber.meeting_schedules.map((m: Json) => m.meeting_name), ['Flood C']);
      const wildcard = await ok(ivy, 'GET', '/api/v1/meeting_schedule', undefined, { filter: '%' });
      assert.equal(wildcard.total_size, 0, 'LIKE wildcards in the filter match literally');
    });

    it('the filter matches what the list shows: a series whose next occurrence was renamed is found by that name', async () => {
      const page = await ok(ivy, 'GET', `/api/v1/meeting_schedule/recurrence/${flood[0]!.recurrence_gid}`, undefined, { page_num: 1, page_size: 10 });
      const [next, , , , , sixth] = page.meeting_schedules;
      assert.equal(local(next.schedule_start_time), '2030-01-10 09:00');
      await ok(mallory, 'POST', `/api/v1/meeting_schedule/${next.reservation_id}`, { meeting_name: 'Special edition' });
      await ok(mallory, 'POST', `/api/v1/meeting_schedule/${sixth.reservation_id}`, { meeting_name: 'Later special' });
      const found = await ok(ivy, 'GET', '/api/v1/meeting_schedule', undefined, { filter: 'special' });
      assert.deepEqual(
        found.meeting_schedules.map((m: Json) => [m.reservation_id, m.recurrence_gid, m.recurrenceReservationList.length]),
        [[next.reservation_id, flood[0]!.recurrence_gid, LATER]],
        'one entry, the series as its next occurrence (a later occurrence\'s name does not make another entry)',
      );
      assert.equal(found.total_size, 1);
      const a = (await ok(ivy, 'GET', '/api/v1/meeting_schedule')).meeting_schedules.find((m: Json) => m.recurrence_gid === flood[0]!.recurrence_gid);
      assert.equal(a.meeting_name, 'Special edition');
      assert.equal(a.recurrenceReservationList[4].meeting_name, 'Later special', 'an occurrence renamed on its own keeps its place');
      assert.equal(a.recurrenceReservationList[5].meeting_name, 'Flood A');
    });

    it('GET …/recurrence/{id} pages a 5000-occurrence series in the database', async () => {
      const p = await ok(ivy, 'GET', `/api/v1/meeting_schedule/recurrence/${flood[1]!.recurrence_gid}`, undefined, { page_num: 3, page_size: 100 });
      assert.equal(p.total_size, 4998, 'the two ended occurrences are not counted');
      assert.equal(p.total_page_num, 50);
      assert.equal(p.meeting_schedules.length, 100);
      assert.deepEqual(p.scheduled_meetings, documented(p.meeting_schedules));
      assert.equal(local(p.meeting_schedules[0].schedule_start_time), '2030-07-29 10:00', '10 January + 200 days, at 10:00 local across DST');
      const unpaged = await ok(ivy, 'GET', `/api/v1/meeting_schedule/recurrence/${flood[1]!.recurrence_gid}`);
      assert.equal(unpaged.meeting_schedules.length, 500, 'without paging: one page of at most 500');
      assert.equal(unpaged.total_size, 4998);
      assert.equal(unpaged.recurrenceType, 'DAILY');
    });

    it('the iCalendar file of a series with many occurrences edited on their own stays bounded and true', async () => {
      const page = await ok(mallory, 'GET', `/api/v1/meeting_schedule/recurrence/${flood[2]!.recurrence_gid}`, undefined, { page_num: 1, page_size: 150 });
      for (const o of page.meeting_schedules.slice(0, 120)) {
        await ok(mallory, 'POST', `/api/v1/meeting_schedule/${o.reservation_id}`, { meeting_name: `Edited ${o.reservation_id.slice(0, 4)}` });
      }
      const ics = await t.call('GET', `/api/v1/calendar/${flood[2]!.groupInfoKey}.ics`);
      assert.equal(ics.status, 200);
      const overrides = ics.text.split('\r\n').filter((l) => l.startsWith('RECURRENCE-ID'));
      assert.ok(overrides.length <= 100, `${overrides.length} RECURRENCE-ID events`);
      assert.ok(ics.text.length < 200_000, `${ics.text.length} bytes`);
      // The rule stops before the first edit it cannot describe, so nothing in the file is wrong.
      const until = /UNTIL=(\d{8}T\d{6}Z)/.exec(ics.text)?.[1];
      assert.ok(until, 'an UNTIL');
      const cut = page.meeting_schedules[overrides.length].schedule_start_time as number;
      const untilMs = Date.parse(until!.replace(/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/, '$1-$2-$3T$4:$5:$6Z'));
      assert.ok(untilMs < cut, `UNTIL ${until} is before the first occurrence left out`);
    });

    it('ivy still gets her list in one request while the series exist (no timeout, no 5xx)', async () => {
      const r = await call(ivy, 'GET', '/api/v1/meeting_schedule', undefined, { page_num: 1, page_size: 500 });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.meeting_schedules.map((m: Json) => m.reservation_id).includes(solo.reservation_id), true);
    });
  });

  describe(`the list served again from its cache is never stale [${dialect}]`, () => {
    const clock = new ManualClock(NOW);
    let t: TestServer;
    let ida: Who;
    let max: Who;
    let admin: Who;
    const { ok } = client(() => t);
    const names = async (who: Who) => (await ok(who, 'GET', '/api/v1/meeting_schedule')).meeting_schedules.map((m: Json) => m.meeting_name);

    before(async () => {
      t = await startTestServer(dialect, { CONVENE_TIMEZONE: ZONE }, { clock });
      ida = await person(t, 'ida');
      max = await person(t, 'max');
      admin = await person(t, 'adam', 'SystemAdmin');
    });
    after(() => t.close());

    it('shows another person\'s invitation, edit and deletion at once', async () => {
      await ok(ida, 'POST', '/api/v1/meeting_schedule', reservation('Own', berlin(2030, 1, 8, 9)));
      assert.deepEqual(await names(ida), ['Own']);
      assert.deepEqual(await names(ida), ['Own']);
      const invite = await ok(max, 'POST', '/api/v1/meeting_schedule', reservation('From Max', berlin(2030, 1, 8, 8), { invited_users: [ida.id] }));
      assert.deepEqual(await names(ida), ['From Max', 'Own']);
      await ok(max, 'POST', `/api/v1/meeting_schedule/${invite.reservation_id}`, { meeting_name: 'From Max, renamed' });
      assert.deepEqual(await names(ida), ['From Max, renamed', 'Own']);
      await ok(max, 'DELETE', `/api/v1/meeting_schedule/${invite.reservation_id}`);
      assert.deepEqual(await names(ida), ['Own']);
    });

    it('shows a room\'s new password on the meetings in it at once', async () => {
      const room = await ok(admin, 'POST', '/api/v1/meeting_rooms', { meetingroom_name: 'Room', owner_id: ida.id, meeting_password: '123456' });
      await ok(ida, 'POST', '/api/v1/meeting_schedule', reservation('In the room', berlin(2030, 1, 9, 9), { meeting_room_id: room.meeting_room_id }));
      const before = (await ok(ida, 'GET', '/api/v1/meeting_schedule')).meeting_schedules.find((m: Json) => m.meeting_name === 'In the room');
      assert.equal(before.meeting_password, '123456');
      await ok(admin, 'POST', `/api/v1/meeting_rooms/${room.meeting_room_id}`, { meeting_password: '654321' });
      const after = (await ok(ida, 'GET', '/api/v1/meeting_schedule')).meeting_schedules.find((m: Json) => m.meeting_name === 'In the room');
      assert.equal(after.meeting_password, '654321');
    });

    it('drops an entry when it ends, without any write', async () => {
      assert.ok((await names(ida)).includes('Own'));
      clock.advance(berlin(2030, 1, 8, 10) - clock.now() + 1); // "Own" (8 January, 9–10) has just ended
      assert.ok(!(await names(ida)).includes('Own'));
    });

    it('shows a write made outside this server process within 10 s (the cache\'s longest life)', async () => {
      const listed = await names(ida);
      // As another process on the same database would: straight into the tables, not through this server.
      await t.server.database.db.updateTable('reservations').set({ name: 'Renamed elsewhere', name_key: 'renamed elsewhere' }).where('name', '=', 'In the room').execute();
      assert.deepEqual(await names(ida), listed, 'served from the cache meanwhile');
      clock.advance(10_000);
      assert.ok((await names(ida)).includes('Renamed elsewhere'));
    });
  });

  describe(`per-user quotas on meetings and series [${dialect}]`, () => {
    const clock = new ManualClock(NOW);
    let t: TestServer;
    let olga: Who;
    let admin: Who;
    const { call, ok } = client(() => t);

    before(async () => {
      t = await startTestServer(dialect, { CONVENE_TIMEZONE: ZONE, CONVENE_MAX_MEETINGS_PER_USER: '20', CONVENE_MAX_SERIES_PER_USER: '2', CONVENE_TOKEN_IDLE_MINUTES: '525600' }, { clock });
      olga = await person(t, 'olga');
      admin = await person(t, 'opal', 'SystemAdmin');
    });
    after(() => t.close());

    const refused = (r: { status: number; body: Json; text: string }, limit: string) => {
      assert.equal(r.status, 403, r.text);
      assert.equal(r.body.errorCode, '0x10000006');
      assert.match(r.body.error, new RegExp(limit), r.body.error);
    };
    const listed = async (who: Who) => (await ok(who, 'GET', '/api/v1/meeting_schedule')).total_size as number;

    it('a series that would take the owner beyond CONVENE_MAX_MEETINGS_PER_USER is refused with 403 0x10000006 and nothing is stored', async () => {
      await ok(olga, 'POST', '/api/v1/meeting_schedule/recurrence', seriesBody('Fifteen', berlin(2030, 1, 8, 9), 15));
      refused(await call(olga, 'POST', '/api/v1/meeting_schedule/recurrence', seriesBody('Ten more', berlin(2030, 1, 8, 11), 10)), 'CONVENE_MAX_MEETINGS_PER_USER');
      assert.equal(await listed(olga), 1);
      await ok(olga, 'POST', '/api/v1/meeting_schedule/recurrence', seriesBody('Five', berlin(2030, 1, 8, 11), 5)); // exactly 20
    });

    it('so is a single meeting or an instant meeting beyond it; another person\'s quota is their own', async () => {
      refused(await call(olga, 'POST', '/api/v1/meeting_schedule', reservation('One more', berlin(2030, 2, 1, 9))), 'CONVENE_MAX_MEETINGS_PER_USER');
      refused(await call(olga, 'POST', '/api/v1/meeting_schedule', { meeting_type: 'instant', meeting_name: 'Now' }), 'at most 20 per user');
      await ok(admin, 'POST', '/api/v1/meeting_schedule', reservation('Admin meeting', berlin(2030, 2, 1, 9)));
    });

    it('a third series is refused naming CONVENE_MAX_SERIES_PER_USER', async () => {
      clock.advance(6 * DAY); // the "Five" series has ended, "Fifteen" has 9 occurrences left
      await ok(olga, 'POST', '/api/v1/meeting_schedule/recurrence', seriesBody('Two', berlin(2030, 1, 20, 9), 2));
      refused(await call(olga, 'POST', '/api/v1/meeting_schedule/recurrence', seriesBody('Third', berlin(2030, 1, 21, 9), 2)), 'CONVENE_MAX_SERIES_PER_USER');
    });

    it('an edit of a whole series that regenerates more occurrences than the quota allows is refused and changes nothing', async () => {
      const fifteen = (await ok(olga, 'GET', '/api/v1/meeting_schedule', undefined, { filter: 'Fifteen' })).meeting_schedules[0];
      const before = await ok(olga, 'GET', `/api/v1/meeting_schedule/recurrence/${fifteen.recurrence_gid}`);
      assert.equal(before.total_size, 9);
      const longer = seriesBody('Fifteen', fifteen.recurrenceStartTime, 30);
      refused(await call(olga, 'POST', `/api/v1/meeting_schedule/recurrence/${fifteen.reservation_id}`, longer), 'CONVENE_MAX_MEETINGS_PER_USER');
      const after = await ok(olga, 'GET', `/api/v1/meeting_schedule/recurrence/${fifteen.recurrence_gid}`);
      assert.deepEqual(after.meeting_schedules.map((m: Json) => m.reservation_id), before.meeting_schedules.map((m: Json) => m.reservation_id));
      // Within the quota (9 + 2 + 7 = 18): accepted.
      await ok(olga, 'POST', `/api/v1/meeting_schedule/recurrence/${fifteen.reservation_id}`, seriesBody('Fifteen', fifteen.recurrenceStartTime, 22));
    });

    it('an administrator editing someone\'s series counts against the owner\'s quota', async () => {
      const two = (await ok(olga, 'GET', '/api/v1/meeting_schedule', undefined, { filter: 'Two' })).meeting_schedules[0];
      refused(
        await call(admin, 'POST', `/api/v1/meeting_schedule/recurrence/${two.reservation_id}`, seriesBody('Two', two.recurrenceStartTime, 10)),
        'CONVENE_MAX_MEETINGS_PER_USER',
      );
    });

    it('meetings that have ended no longer count', async () => {
      clock.advance(60 * DAY);
      await ok(olga, 'POST', '/api/v1/meeting_schedule/recurrence', seriesBody('After the break', berlin(2030, 4, 1, 9), 20));
    });
  });
}

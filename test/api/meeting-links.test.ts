import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Temporal } from 'temporal-polyfill';
import { renewMeetingLink } from '../../contract/rest/meeting-links.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import type { Reply } from '../support/client.ts';
import { testDialects } from '../support/dialects.ts';
import { closeAll, joinAs, restFor } from '../support/live.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Meeting links (client contract §2.3 S10–S12, §5.3; issue 3 items 8 and 10): resolving a link without sign-in,
 * adding and removing someone else's meeting, the iCalendar download and the `/j/{key}` page.
 */

const PUBLIC_URL = 'https://meet.example.org:8443';
const SERVER_ADDRESS = 'meet.example.org:8443';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MT_KEYS = [
  'calendar_url',
  'meeting_link',
  'meeting_name',
  'meeting_number',
  'meeting_password',
  'meeting_status',
  'meeting_url',
  'schedule_end_time',
  'schedule_start_time',
];

type Who = 'alice' | 'bob' | 'carol';

function assertError(r: Reply, status: number, code: string): void {
  assert.equal(r.status, status, `status (body: ${r.text})`);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  assert.equal(r.body?.errorCode, code, r.text);
  assert.equal(typeof r.body.error, 'string');
}

/** The last path segment of a meeting URL: what the apps cut out as the key. */
const keyOf = (url: string) => {
  const m = /\/j\/([^/?#]+)$/.exec(url);
  assert.ok(m, `not a meeting URL: ${url}`);
  return m[1]!;
};

const pathOf = (url: string) => new URL(url).pathname;

// ---- a small RFC 5545 reader for the assertions ----

interface Prop {
  name: string;
  params: Record<string, string>;
  value: string;
}
interface Component {
  name: string;
  props: Prop[];
  children: Component[];
}

/** Checks the physical form (CRLF only, ≤ 75 octets a line), unfolds and parses into components. */
function parseICalendar(text: string): Component {
  assert.ok(text.endsWith('\r\n'), 'ends with CRLF');
  assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(text), 'every line ends with CRLF (no bare CR or LF)');
  for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line, 'utf8') <= 75, `line longer than 75 octets: ${line}`);
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n').filter((l) => l !== '');
  const root: Component = { name: '', props: [], children: [] };
  const stack: Component[] = [root];
  for (const line of lines) {
    const colon = line.indexOf(':');
    assert.ok(colon > 0, `content line without a colon: ${line}`);
    const [name, ...rawParams] = line.slice(0, colon).split(';');
    const value = line.slice(colon + 1);
    const top = stack[stack.length - 1]!;
    if (name === 'BEGIN') {
      const c: Component = { name: value, props: [], children: [] };
      top.children.push(c);
      stack.push(c);
    } else if (name === 'END') {
      assert.equal(top.name, value, `END:${value} closes ${top.name}`);
      stack.pop();
    } else {
      const params = Object.fromEntries(rawParams.map((p) => p.split('=') as [string, string]));
      top.props.push({ name: name!, params, value });
    }
  }
  assert.equal(stack.length, 1, 'every BEGIN has its END');
  assert.equal(root.children.length, 1);
  const cal = root.children[0]!;
  assert.equal(cal.name, 'VCALENDAR');
  assert.equal(prop(cal, 'VERSION').value, '2.0');
  assert.ok(prop(cal, 'PRODID').value.length > 0);
  return cal;
}

const props = (c: Component, name: string) => c.props.filter((p) => p.name === name);
function prop(c: Component, name: string): Prop {
  const found = props(c, name);
  assert.equal(found.length, 1, `exactly one ${name} in ${c.name}: ${JSON.stringify(found)}`);
  return found[0]!;
}
const children = (c: Component, name: string) => c.children.filter((x) => x.name === name);
const unescapeText = (v: string) => v.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
const icalUtc = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** Epoch ms of a wall-clock time in a zone. */
const at = (zone: string, date: Temporal.PlainDate, hour: number, minute = 0) =>
  date.toZonedDateTime({ timeZone: zone, plainTime: new Temporal.PlainTime(hour, minute) }).epochMilliseconds;
const icalLocal = (zone: string, ms: number) => {
  const d = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).toPlainDateTime();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.year, 4)}${p(d.month)}${p(d.day)}T${p(d.hour)}${p(d.minute)}${p(d.second)}`;
};

async function setUp(t: TestServer) {
  const ids = {} as Record<Who, string>;
  const tokens = {} as Record<Who, string>;
  for (const who of ['alice', 'bob', 'carol'] as const) {
    ids[who] = await t.createUser(who, `${who}-pw-1`);
    tokens[who] = await t.signIn(who, `${who}-pw-1`, `client-${who}`);
  }
  const as = (who: Who, method: string, path: string, options: { body?: unknown; query?: Record<string, string | number> } = {}) =>
    t.call(method, path, {
      query: { client_id: `client-${who}`, token: tokens[who], ...options.query },
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
  const create = async (who: Who, body: Record<string, unknown>, path = '/api/v1/meeting_schedule') => {
    const r = await as(who, 'POST', path, { body });
    assert.equal(r.status, 200, r.text);
    return r.body as Record<string, any>;
  };
  const reservation = (who: Who, name: string, start: number, extra: Record<string, unknown> = {}) =>
    create(who, { meeting_type: 'reservation', meeting_name: name, schedule_start_time: start, schedule_end_time: start + HOUR, ...extra });
  const list = async (who: Who) => {
    const r = await as(who, 'GET', '/api/v1/meeting_schedule', { query: { page_num: 1, page_size: 500 } });
    assert.equal(r.status, 200, r.text);
    return r.body.meeting_schedules as Record<string, any>[];
  };
  return { ids, tokens, as, create, reservation, list };
}

for (const dialect of testDialects()) {
  describe(`meeting links: GET /api/v1/mt/{key}, meeting_list add/remove, /j/{key} [${dialect}]`, () => {
    let t: TestServer;
    let h: Awaited<ReturnType<typeof setUp>>;
    const soon = Date.now() + 2 * DAY;

    /** A weekly Monday/Wednesday 10:00 series in the server zone (UTC here), four weeks long. */
    const weekly = (who: Who, name: string) => {
      const start = Math.ceil((Date.now() + 3 * DAY) / DAY) * DAY + 10 * HOUR;
      const day = new Date(start).getUTCDay();
      const monday = start + (((8 - day) % 7) * DAY);
      return h.create(
        who,
        {
          meeting_type: 'recurrence',
          meeting_name: name,
          schedule_start_time: monday,
          schedule_end_time: monday + HOUR,
          meeting_password: '432100',
          recurrence_type: 'WEEKLY',
          recurrenceInterval: 1,
          recurrenceStartTime: monday,
          recurrenceEndTime: monday + HOUR,
          recurrenceStartDay: monday - 10 * HOUR,
          recurrenceEndDay: monday + 25 * DAY,
          recurrenceDaysOfWeek: [2, 4],
        },
        '/api/v1/meeting_schedule/recurrence',
      );
    };

    before(async () => {
      t = await startTestServer(dialect, { CONVENE_PUBLIC_URL: PUBLIC_URL, CONVENE_TIMEZONE: 'UTC' });
      h = await setUp(t);
    });
    after(() => t.close());

    it('GET /api/v1/mt/{key} with a meeting key → 200 with the meeting, no client_id or token needed', async () => {
      const m = await h.reservation('alice', 'Design review', soon, { meeting_password: '246810', invited_users: [h.ids.carol] });
      const key = keyOf(m.meeting_url);
      assert.equal(key, m.meetingInfoKey);
      const r = await t.call('GET', `/api/v1/mt/${key}`);
      assert.equal(r.status, 200, r.text);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      assert.deepEqual(Object.keys(r.body).sort(), MT_KEYS, 'exactly the link fields: no owner, no invitees');
      assert.equal(r.body.meeting_number, m.meeting_number);
      assert.equal(r.body.meeting_password, '246810');
      assert.equal(r.body.meeting_name, 'Design review');
      assert.equal(r.body.meeting_url, `${PUBLIC_URL}/j/${key}`);
      assert.equal(r.body.schedule_start_time, soon);
      assert.equal(r.body.schedule_end_time, soon + HOUR);
      assert.equal(r.body.meeting_status, 'NOT_STARTED');
      assert.equal(r.body.calendar_url, m.calendar_url);
      assert.doesNotMatch(r.text, new RegExp(`${h.ids.alice}|${h.ids.carol}`), 'owner and invitee ids are not in the answer');
      const link = JSON.parse(Buffer.from(r.body.meeting_link, 'base64').toString('utf8'));
      assert.deepEqual(link, {
        meeting_number: m.meeting_number,
        meeting_passwd: '246810',
        server_address: SERVER_ADDRESS,
        meeting_url: `${PUBLIC_URL}/j/${key}`,
      });
    });

    it('GET /api/v1/mt/{key} also answers with client_id and token, and without a password gives ""', async () => {
      const m = await h.reservation('alice', 'Open door', soon, { meeting_password: '' });
      const r = await h.as('bob', 'GET', `/api/v1/mt/${m.meetingInfoKey}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.meeting_password, '');
      assert.equal(JSON.parse(Buffer.from(r.body.meeting_link, 'base64').toString('utf8')).meeting_passwd, '');
    });

    it('GET /api/v1/mt/{key} with a series group key → the next occurrence, the series number and the group link', async () => {
      const s = await weekly('alice', 'Weekly sync');
      const groupKey = keyOf(s.groupMeetingUrl);
      assert.equal(groupKey, s.groupInfoKey);
      const r = await t.call('GET', `/api/v1/mt/${groupKey}`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(Object.keys(r.body).sort(), MT_KEYS);
      assert.equal(r.body.meeting_number, s.meeting_number);
      assert.equal(r.body.meeting_password, '432100');
      assert.equal(r.body.meeting_name, 'Weekly sync');
      assert.equal(r.body.meeting_url, s.groupMeetingUrl);
      assert.equal(r.body.schedule_start_time, s.schedule_start_time, 'the first occurrence is the next one');
      assert.equal(r.body.schedule_end_time, s.schedule_end_time);
      assert.equal(r.body.meeting_status, 'NOT_STARTED');
      assert.equal(r.body.calendar_url, `${PUBLIC_URL}/api/v1/calendar/${groupKey}.ics`);
      const link = JSON.parse(Buffer.from(r.body.meeting_link, 'base64').toString('utf8'));
      assert.deepEqual(link, { meeting_number: s.meeting_number, meeting_passwd: '432100', server_address: SERVER_ADDRESS, meeting_url: s.groupMeetingUrl });
      // An occurrence's own key resolves to that occurrence.
      const one = await t.call('GET', `/api/v1/mt/${s.meetingInfoKey}`);
      assert.equal(one.status, 200);
      assert.equal(one.body.meeting_url, s.meeting_url);
      assert.equal(one.body.meeting_number, s.meeting_number);
    });

    it('GET /api/v1/mt/{key} for an instant meeting → STARTED', async () => {
      const m = await h.create('alice', { meeting_type: 'instant', meeting_name: 'Right now' });
      const r = await t.call('GET', `/api/v1/mt/${m.meetingInfoKey}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.meeting_status, 'STARTED');
    });

    it('GET /api/v1/mt/{key} with an unknown key → 404 0x10000004 (JSON)', async () => {
      assertError(await t.call('GET', '/api/v1/mt/NoSuchKey0000000'), 404, '0x10000004');
      assertError(await h.as('bob', 'GET', '/api/v1/mt/NoSuchKey0000000'), 404, '0x10000004');
    });

    it('GET /api/v1/mt/{key} after the meeting is deleted → 404', async () => {
      const m = await h.reservation('alice', 'Soon gone', soon);
      assert.equal((await t.call('GET', `/api/v1/mt/${m.meetingInfoKey}`)).status, 200);
      assert.equal((await h.as('alice', 'DELETE', `/api/v1/meeting_schedule/${m.reservation_id}`)).status, 200);
      assertError(await t.call('GET', `/api/v1/mt/${m.meetingInfoKey}`), 404, '0x10000004');
    });

    it('meeting_list add → the meeting is in the list and readable; remove → gone again and 403', async () => {
      const m = await h.reservation('alice', 'Budget talk', soon + HOUR);
      const key = keyOf(m.meeting_url);
      const inList = async () => (await h.list('bob')).filter((x) => x.reservation_id === m.reservation_id).length;

      assertError(await h.as('bob', 'GET', `/api/v1/meeting_schedule/${m.reservation_id}`), 403, '0x10000003');
      assert.equal(await inList(), 0);

      const added = await h.as('bob', 'POST', `/api/v1/meeting_list/add/${key}`);
      assert.equal(added.status, 200, added.text);
      assert.deepEqual(added.body, {});
      assert.equal(await inList(), 1);
      const detail = await h.as('bob', 'GET', `/api/v1/meeting_schedule/${m.reservation_id}`);
      assert.equal(detail.status, 200, detail.text);
      assert.equal(detail.body.meeting_name, 'Budget talk');
      // Someone else's list is untouched.
      assert.equal((await h.list('carol')).filter((x) => x.reservation_id === m.reservation_id).length, 0);
      assertError(await h.as('carol', 'GET', `/api/v1/meeting_schedule/${m.reservation_id}`), 403, '0x10000003');

      const removed = await h.as('bob', 'DELETE', `/api/v1/meeting_list/remove/${key}`);
      assert.equal(removed.status, 200, removed.text);
      assert.deepEqual(removed.body, {});
      assert.equal(await inList(), 0);
      assertError(await h.as('bob', 'GET', `/api/v1/meeting_schedule/${m.reservation_id}`), 403, '0x10000003');
      // Still the owner's.
      assert.equal((await h.as('alice', 'GET', `/api/v1/meeting_schedule/${m.reservation_id}`)).status, 200);
    });

    it('meeting_list add/remove with Android\'s "" body and JSON content type, and with no body at all (Apple)', async () => {
      const m = await h.reservation('alice', 'Body variants', soon + 2 * HOUR);
      const key = m.meetingInfoKey as string;
      const bobQuery = { client_id: 'client-bob', token: h.tokens.bob };
      const count = async () => (await h.list('bob')).filter((x) => x.reservation_id === m.reservation_id).length;

      const android = await t.call('POST', `/api/v1/meeting_list/add/${key}`, { query: bobQuery, body: '', headers: { 'content-type': 'application/json; charset=utf-8' } });
      assert.equal(android.status, 200, android.text);
      assert.equal(await count(), 1);
      const androidRemove = await t.call('DELETE', `/api/v1/meeting_list/remove/${key}`, { query: bobQuery, body: '' });
      assert.equal(androidRemove.status, 200, androidRemove.text);
      assert.equal(await count(), 0);

      const apple = await t.call('POST', `/api/v1/meeting_list/add/${key}`, { query: bobQuery });
      assert.equal(apple.status, 200, apple.text);
      assert.equal(await count(), 1);
      const appleRemove = await t.call('DELETE', `/api/v1/meeting_list/remove/${key}`, { query: bobQuery });
      assert.equal(appleRemove.status, 200, appleRemove.text);
      assert.equal(await count(), 0);

      const linux = await t.call('POST', `/api/v1/meeting_list/add/${key}`, { query: bobQuery, body: {} });
      assert.equal(linux.status, 200, linux.text);
      assert.equal(await count(), 1);
    });

    it('adding twice keeps one entry; adding one\'s own meeting is harmless', async () => {
      const m = await h.reservation('alice', 'Twice', soon + 3 * HOUR);
      for (let i = 0; i < 2; i++) assert.equal((await h.as('bob', 'POST', `/api/v1/meeting_list/add/${m.meetingInfoKey}`)).status, 200);
      assert.equal((await h.list('bob')).filter((x) => x.reservation_id === m.reservation_id).length, 1);
      const before = (await h.list('alice')).length;
      const own = await h.as('alice', 'POST', `/api/v1/meeting_list/add/${m.meetingInfoKey}`);
      assert.equal(own.status, 200, own.text);
      assert.equal((await h.list('alice')).length, before);
      assert.equal((await h.list('alice')).filter((x) => x.reservation_id === m.reservation_id).length, 1);
      // Removing one's own meeting from the list does not hide it: ownership is not a list entry.
      assert.equal((await h.as('alice', 'DELETE', `/api/v1/meeting_list/remove/${m.meetingInfoKey}`)).status, 200);
      assert.equal((await h.list('alice')).filter((x) => x.reservation_id === m.reservation_id).length, 1);
    });

    it('adding a series by its group key shows it aggregated; removing by an occurrence\'s meeting_url key removes it', async () => {
      const s = await weekly('alice', 'Series by link');
      const gid = s.recurrence_gid as string;
      const entries = async () => (await h.list('carol')).filter((x) => x.recurrence_gid === gid);
      assert.equal((await entries()).length, 0);
      assertError(await h.as('carol', 'GET', `/api/v1/meeting_schedule/${s.reservation_id}`), 403, '0x10000003');

      assert.equal((await h.as('carol', 'POST', `/api/v1/meeting_list/add/${keyOf(s.groupMeetingUrl)}`)).status, 200);
      const [entry, ...more] = await entries();
      assert.ok(entry, 'the series is in the list');
      assert.equal(more.length, 0, 'one aggregated entry per series');
      assert.equal(entry.recurrenceReservationList.length, 7, 'eight occurrences: the next one plus seven later');
      const later = entry.recurrenceReservationList[3];
      assert.equal((await h.as('carol', 'GET', `/api/v1/meeting_schedule/${later.reservation_id}`)).status, 200);
      const occurrences = await h.as('carol', 'GET', `/api/v1/meeting_schedule/recurrence/${gid}`);
      assert.equal(occurrences.status, 200, occurrences.text);

      // The Android and macOS apps remove with the last segment of the entry's meeting_url (an occurrence key).
      const removed = await h.as('carol', 'DELETE', `/api/v1/meeting_list/remove/${keyOf(entry.meeting_url)}`);
      assert.equal(removed.status, 200, removed.text);
      assert.deepEqual(await entries(), []);
      assertError(await h.as('carol', 'GET', `/api/v1/meeting_schedule/${later.reservation_id}`), 403, '0x10000003');
      assertError(await h.as('carol', 'GET', `/api/v1/meeting_schedule/recurrence/${gid}`), 403, '0x10000003');

      // The Windows app removes with groupInfoKey.
      assert.equal((await h.as('carol', 'POST', `/api/v1/meeting_list/add/${s.groupInfoKey}`)).status, 200);
      assert.equal((await entries()).length, 1);
      assert.equal((await h.as('carol', 'DELETE', `/api/v1/meeting_list/remove/${s.groupInfoKey}`)).status, 200);
      assert.deepEqual(await entries(), []);
    });

    it('adding one occurrence by its own key shows that occurrence only', async () => {
      const s = await weekly('alice', 'One of many');
      const occ = await h.as('alice', 'GET', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`);
      const third = occ.body.meeting_schedules[2];
      assert.equal((await h.as('bob', 'POST', `/api/v1/meeting_list/add/${third.meetingInfoKey}`)).status, 200);
      const mine = (await h.list('bob')).filter((x) => x.recurrence_gid === s.recurrence_gid);
      assert.equal(mine.length, 1);
      assert.equal(mine[0]!.reservation_id, third.reservation_id);
      assert.equal(mine[0]!.recurrenceReservationList.length, 0);
      assertError(await h.as('bob', 'GET', `/api/v1/meeting_schedule/${s.reservation_id}`), 403, '0x10000003');
      // Removing the series by its group key (Windows) also removes the occurrence added by its own key.
      assert.equal((await h.as('bob', 'DELETE', `/api/v1/meeting_list/remove/${s.groupInfoKey}`)).status, 200);
      assert.deepEqual((await h.list('bob')).filter((x) => x.recurrence_gid === s.recurrence_gid), []);
      assertError(await h.as('bob', 'GET', `/api/v1/meeting_schedule/${third.reservation_id}`), 403, '0x10000003');
    });

    it('meeting_list with an unknown key → 404 0x10000004; without a token → 401', async () => {
      assertError(await h.as('bob', 'POST', '/api/v1/meeting_list/add/NoSuchKey0000000'), 404, '0x10000004');
      assertError(await h.as('bob', 'DELETE', '/api/v1/meeting_list/remove/NoSuchKey0000000'), 404, '0x10000004');
      const m = await h.reservation('alice', 'Needs sign-in', soon);
      assertError(await t.call('POST', `/api/v1/meeting_list/add/${m.meetingInfoKey}`, { query: { client_id: 'c' } }), 401, '0x10000002');
      assertError(await t.call('DELETE', `/api/v1/meeting_list/remove/${m.meetingInfoKey}`, { query: { client_id: 'c' } }), 401, '0x10000002');
      assertError(await t.call('POST', `/api/v1/meeting_list/add/${m.meetingInfoKey}`), 400, '0x10000001');
    });

    it('a meeting deleted after it was added can still be removed from the list; then the key is unknown', async () => {
      const m = await h.reservation('alice', 'Deleted later', soon);
      assert.equal((await h.as('bob', 'POST', `/api/v1/meeting_list/add/${m.meetingInfoKey}`)).status, 200);
      assert.equal((await h.as('alice', 'DELETE', `/api/v1/meeting_schedule/${m.reservation_id}`)).status, 200);
      assert.equal((await h.as('bob', 'DELETE', `/api/v1/meeting_list/remove/${m.meetingInfoKey}`)).status, 200);
      assertError(await h.as('bob', 'DELETE', `/api/v1/meeting_list/remove/${m.meetingInfoKey}`), 404, '0x10000004');
    });

    it('GET the calendar_url of a meeting → one UTC VEVENT with escaped text, folded lines and CRLF', async () => {
      const name = 'Quarterly review; budget, plans \\ more — with a long name that needs folding at seventy-five octets ✓✓✓';
      const description = 'Agenda:\n1. numbers, charts; and\n2. ünïcödé';
      const m = await h.reservation('alice', name, soon, { meeting_password: '135790', meeting_description: description });
      assert.equal(m.calendar_url, `${PUBLIC_URL}/api/v1/calendar/${m.meetingInfoKey}.ics`);
      const r = await t.call('GET', pathOf(m.calendar_url));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['content-type'], 'text/calendar; charset=utf-8');
      assert.match(String(r.headers['content-disposition']), /^attachment; filename="[\w.-]+\.ics"$/);
      const cal = parseICalendar(r.text);
      assert.ok(r.text.split('\r\n').some((l) => l.startsWith(' ')), 'long lines are folded');
      const [event, ...others] = children(cal, 'VEVENT');
      assert.ok(event);
      assert.equal(others.length, 0);
      assert.equal(children(cal, 'VTIMEZONE').length, 0, 'UTC times need no VTIMEZONE');
      assert.equal(prop(event, 'UID').value, `${m.reservation_id}@convene`);
      assert.equal(prop(event, 'DTSTART').value, icalUtc(soon));
      assert.equal(prop(event, 'DTEND').value, icalUtc(soon + HOUR));
      assert.match(prop(event, 'DTSTAMP').value, /^\d{8}T\d{6}Z$/);
      assert.equal(unescapeText(prop(event, 'SUMMARY').value), name);
      assert.match(prop(event, 'SUMMARY').value, /review\\; budget\\, plans \\\\ more/);
      const desc = unescapeText(prop(event, 'DESCRIPTION').value);
      assert.ok(desc.startsWith(description), desc);
      assert.match(desc, new RegExp(`Meeting number: ${m.meeting_number}`));
      assert.match(desc, /Meeting password: 135790/);
      assert.ok(desc.includes(m.meeting_url), desc);
      assert.ok(!prop(event, 'DESCRIPTION').value.includes('\n'));
      assert.equal(prop(event, 'URL').value, m.meeting_url);
      // A second download is the same event (stable UID).
      const again = parseICalendar((await t.call('GET', pathOf(m.calendar_url))).text);
      assert.equal(prop(children(again, 'VEVENT')[0]!, 'UID').value, `${m.reservation_id}@convene`);
    });

    it('GET /api/v1/calendar/{key}.ics with an unknown key → 404 JSON 0x10000004', async () => {
      assertError(await t.call('GET', '/api/v1/calendar/NoSuchKey0000000.ics'), 404, '0x10000004');
    });

    it('GET /j/{key} → an HTML page with the escaped name, the time, the number and the calendar link', async () => {
      const name = '<script>alert(1)</script>';
      const m = await h.reservation('alice', name, soon, { meeting_description: 'Bring "notes" & <b>ideas</b>' });
      const r = await t.call('GET', pathOf(m.meeting_url));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
      assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
      assert.ok(!r.text.includes(name), 'the name is not inserted raw');
      assert.ok(r.text.includes('&#60;script&#62;alert(1)&#60;/script&#62;'), 'the name is HTML-escaped');
      assert.ok(!r.text.includes('<b>ideas</b>'));
      assert.ok(r.text.includes('Bring &#34;notes&#34; &#38; &#60;b&#62;ideas&#60;/b&#62;'));
      assert.ok(r.text.includes(m.meeting_number), 'the meeting number');
      assert.ok(r.text.includes(`data-ms="${soon}"`), 'the start time for the local-time script');
      const d = new Date(soon);
      const utc = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
      assert.ok(r.text.includes(utc), 'the UTC date as fallback text');
      assert.ok(r.text.includes(`href="${m.calendar_url}"`), 'the calendar link');
      assert.match(r.text, /Download calendar invite/);
      assert.match(r.text, /Password<\/dt><dd>Required/);
      assert.ok(!r.text.includes(m.meeting_password), 'the password itself is not on the page');
      assert.doesNotMatch(r.text, /<(link|img|iframe)\b|src=/i, 'no external assets');
      // The linked calendar resolves.
      assert.equal((await t.call('GET', pathOf(m.calendar_url))).status, 200);
    });

    it('GET /j/{key} with a group key says it repeats; unknown and malformed keys → a friendly 404 page', async () => {
      const s = await weekly('alice', 'Page series');
      const page = await t.call('GET', pathOf(s.groupMeetingUrl));
      assert.equal(page.status, 200);
      assert.match(page.text, /recurring meeting/);
      assert.ok(page.text.includes(`/api/v1/calendar/${s.groupInfoKey}.ics`));
      for (const path of ['/j/NoSuchKey0000000', '/j/%3Cscript%3E', `/j/${'x'.repeat(90)}`]) {
        const r = await t.call('GET', path);
        assert.equal(r.status, 404, path);
        assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
        assert.match(r.text, /Meeting not found/);
        assert.ok(!/NoSuchKey|%3Cscript|<script>alert|xxxxxxxx/i.test(r.text), 'nothing from the URL is echoed');
      }
    });
  });

  describe(`meeting links: iCalendar of a weekly series across DST in Europe/Berlin [${dialect}]`, () => {
    const ZONE = 'Europe/Berlin';
    let t: TestServer;
    let h: Awaited<ReturnType<typeof setUp>>;
    // Next year's March: the last Sunday of March switches Berlin from +01:00 to +02:00.
    const year = new Date().getUTCFullYear() + 1;
    let firstMonday = Temporal.PlainDate.from({ year, month: 3, day: 1 });
    while (firstMonday.dayOfWeek !== 1) firstMonday = firstMonday.add({ days: 1 });
    const start = at(ZONE, firstMonday, 9);
    const lastDay = firstMonday.add({ days: 6 * 7 - 1 }); // six weeks: Mondays and Wednesdays → 12 occurrences

    before(async () => {
      t = await startTestServer(dialect, { CONVENE_PUBLIC_URL: PUBLIC_URL, CONVENE_TIMEZONE: ZONE });
      h = await setUp(t);
    });
    after(() => t.close());

    const createSeries = () =>
      h.create(
        'alice',
        {
          meeting_type: 'recurrence',
          meeting_name: 'Berlin stand-up',
          meeting_description: 'Daily-ish, twice a week',
          schedule_start_time: start,
          schedule_end_time: start + HOUR,
          recurrence_type: 'WEEKLY',
          recurrenceInterval: 1,
          recurrenceStartTime: start,
          recurrenceEndTime: start + HOUR,
          recurrenceStartDay: at(ZONE, firstMonday, 0),
          recurrenceEndDay: at(ZONE, lastDay, 23, 59) + 59_000,
          recurrenceDaysOfWeek: [2, 4],
        },
        '/api/v1/meeting_schedule/recurrence',
      );
    const occurrencesOf = async (gid: string) => {
      const r = await h.as('alice', 'GET', `/api/v1/meeting_schedule/recurrence/${gid}`, { query: { page_size: 100 } });
      assert.equal(r.status, 200, r.text);
      return r.body.meeting_schedules as Record<string, any>[];
    };
    const download = async (url: string) => {
      const r = await t.call('GET', pathOf(url));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['content-type'], 'text/calendar; charset=utf-8');
      return { text: r.text, cal: parseICalendar(r.text) };
    };

    it('the series is one VEVENT with DTSTART;TZID, a weekly RRULE with BYDAY and a VTIMEZONE with both observances', async () => {
      const s = await createSeries();
      const occurrences = await occurrencesOf(s.recurrence_gid);
      assert.equal(occurrences.length, 12);
      // The server keeps 09:00 Berlin time on both sides of the change (08:00Z before, 07:00Z after).
      assert.equal(new Date(occurrences[0]!.schedule_start_time).getUTCHours(), 8);
      assert.equal(new Date(occurrences[11]!.schedule_start_time).getUTCHours(), 7);

      assert.equal(s.calendar_url, `${PUBLIC_URL}/api/v1/calendar/${s.groupInfoKey}.ics`);
      const { cal } = await download(s.calendar_url);
      const [tz, ...moreTz] = children(cal, 'VTIMEZONE');
      assert.ok(tz);
      assert.equal(moreTz.length, 0);
      assert.equal(prop(tz, 'TZID').value, ZONE);
      const daylight = children(tz, 'DAYLIGHT');
      const standard = children(tz, 'STANDARD');
      assert.ok(daylight.length >= 1, 'a DAYLIGHT observance');
      assert.ok(standard.length >= 1, 'a STANDARD observance');
      const spring = daylight.find((d) => prop(d, 'DTSTART').value.startsWith(`${year}03`));
      assert.ok(spring, `the spring change of ${year} is in the VTIMEZONE`);
      assert.equal(prop(spring, 'TZOFFSETFROM').value, '+0100');
      assert.equal(prop(spring, 'TZOFFSETTO').value, '+0200');
      assert.match(prop(spring, 'DTSTART').value, /T020000$/, 'the change happens at 02:00 local time');
      assert.ok(standard.some((d) => prop(d, 'TZOFFSETTO').value === '+0100'));

      const events = children(cal, 'VEVENT');
      assert.equal(events.length, 1, 'no exceptions yet');
      const master = events[0]!;
      assert.equal(prop(master, 'UID').value, `${s.recurrence_gid}@convene`);
      const dtstart = prop(master, 'DTSTART');
      assert.equal(dtstart.params.TZID, ZONE);
      assert.equal(dtstart.value, `${firstMonday.toString().replace(/-/g, '')}T090000`);
      const rrule = Object.fromEntries(prop(master, 'RRULE').value.split(';').map((p) => p.split('=') as [string, string]));
      assert.equal(rrule.FREQ, 'WEEKLY');
      assert.equal(rrule.INTERVAL, '1');
      assert.deepEqual(rrule.BYDAY!.split(',').sort(), ['MO', 'WE']);
      assert.match(rrule.UNTIL!, /^\d{8}T\d{6}Z$/);
      assert.equal(prop(master, 'DURATION').value, 'PT1H');
      assert.equal(props(master, 'EXDATE').length, 0);
      assert.equal(unescapeText(prop(master, 'SUMMARY').value), 'Berlin stand-up');
      assert.equal(prop(master, 'URL').value, s.groupMeetingUrl);
      assert.match(unescapeText(prop(master, 'DESCRIPTION').value), new RegExp(`Meeting number: ${s.meeting_number}`));
    });

    it('deleting one occurrence adds an EXDATE; editing one adds a VEVENT with RECURRENCE-ID', async () => {
      const s = await createSeries();
      const occurrences = await occurrencesOf(s.recurrence_gid);
      const deleted = occurrences[2]!; // before the change
      const edited = occurrences[9]!; // after the change
      assert.equal((await h.as('alice', 'DELETE', `/api/v1/meeting_schedule/${deleted.reservation_id}`)).status, 200);
      const newStart = edited.schedule_start_time + HOUR;
      const r = await h.as('alice', 'POST', `/api/v1/meeting_schedule/${edited.reservation_id}`, {
        body: { meeting_type: 'recurrence', meeting_name: 'Moved stand-up', schedule_start_time: newStart, schedule_end_time: newStart + HOUR },
      });
      assert.equal(r.status, 200, r.text);

      const { cal } = await download(s.calendar_url);
      const events = children(cal, 'VEVENT');
      const master = events.find((e) => props(e, 'RECURRENCE-ID').length === 0)!;
      assert.ok(master);
      const exdate = prop(master, 'EXDATE');
      assert.equal(exdate.params.TZID, ZONE);
      assert.deepEqual(exdate.value.split(','), [icalLocal(ZONE, deleted.schedule_start_time)]);
      assert.match(exdate.value, /T090000$/);

      const overrides = events.filter((e) => props(e, 'RECURRENCE-ID').length === 1);
      assert.equal(overrides.length, 1, 'exactly the edited occurrence');
      const o = overrides[0]!;
      assert.equal(prop(o, 'UID').value, `${s.recurrence_gid}@convene`, 'same UID as the series');
      assert.equal(prop(o, 'RECURRENCE-ID').params.TZID, ZONE);
      assert.equal(prop(o, 'RECURRENCE-ID').value, icalLocal(ZONE, edited.schedule_start_time));
      assert.match(prop(o, 'RECURRENCE-ID').value, /T090000$/);
      assert.equal(prop(o, 'DTSTART').value, icalLocal(ZONE, newStart));
      assert.match(prop(o, 'DTSTART').value, /T100000$/);
      assert.equal(prop(o, 'DTEND').value, icalLocal(ZONE, newStart + HOUR));
      assert.equal(unescapeText(prop(o, 'SUMMARY').value), 'Moved stand-up');
      assert.equal(unescapeText(prop(master, 'SUMMARY').value), 'Berlin stand-up', 'the series keeps its name');

      // An occurrence renamed in place (same time) is an override too.
      const renamed = occurrences[5]!;
      assert.equal(
        (await h.as('alice', 'POST', `/api/v1/meeting_schedule/${renamed.reservation_id}`, { body: { meeting_name: 'Special edition' } })).status,
        200,
      );
      const after = children((await download(s.calendar_url)).cal, 'VEVENT').filter((e) => props(e, 'RECURRENCE-ID').length === 1);
      assert.equal(after.length, 2);
      const special = after.find((e) => unescapeText(prop(e, 'SUMMARY').value) === 'Special edition');
      assert.ok(special);
      assert.equal(prop(special, 'RECURRENCE-ID').value, prop(special, 'DTSTART').value);
    });

    it('an occurrence opened by its own key downloads as that one event', async () => {
      const s = await createSeries();
      const occurrences = await occurrencesOf(s.recurrence_gid);
      const one = occurrences[7]!;
      const { cal } = await download(`${PUBLIC_URL}/api/v1/calendar/${one.meetingInfoKey}.ics`);
      const events = children(cal, 'VEVENT');
      assert.equal(events.length, 1);
      assert.equal(prop(events[0]!, 'DTSTART').value, icalUtc(one.schedule_start_time));
      assert.equal(props(events[0]!, 'RRULE').length, 0);
    });

    it('a series in a zone without DST (time_zone extension) has one STANDARD observance', async () => {
      const tokyoStart = at('Asia/Tokyo', firstMonday, 9);
      const s = await h.create(
        'alice',
        {
          meeting_type: 'recurrence',
          meeting_name: 'Tokyo sync',
          schedule_start_time: tokyoStart,
          schedule_end_time: tokyoStart + 90 * 60_000,
          recurrence_type: 'DAILY',
          recurrenceInterval: 2,
          recurrenceStartTime: tokyoStart,
          recurrenceEndTime: tokyoStart + 90 * 60_000,
          recurrenceEndDay: at('Asia/Tokyo', lastDay, 23),
          time_zone: 'Asia/Tokyo',
        },
        '/api/v1/meeting_schedule/recurrence',
      );
      const { cal } = await download(s.calendar_url);
      const tz = children(cal, 'VTIMEZONE')[0]!;
      assert.equal(prop(tz, 'TZID').value, 'Asia/Tokyo');
      assert.equal(children(tz, 'DAYLIGHT').length, 0);
      const standard = children(tz, 'STANDARD');
      assert.equal(standard.length, 1);
      assert.equal(prop(standard[0]!, 'TZOFFSETTO').value, '+0900');
      const master = children(cal, 'VEVENT')[0]!;
      assert.match(prop(master, 'RRULE').value, /FREQ=DAILY;INTERVAL=2/);
      assert.equal(prop(master, 'DURATION').value, 'PT1H30M');
      assert.equal(prop(master, 'DTSTART').params.TZID, 'Asia/Tokyo');
    });
  });

  describe(`meeting links: meeting_status follows the schedule [${dialect}]`, () => {
    let t: TestServer;
    let h: Awaited<ReturnType<typeof setUp>>;
    const clock = new ManualClock(Date.UTC(2031, 4, 5, 8, 0));

    before(async () => {
      t = await startTestServer(dialect, { CONVENE_PUBLIC_URL: PUBLIC_URL, CONVENE_TIMEZONE: 'UTC' }, { clock });
      h = await setUp(t);
    });
    after(() => t.close());

    it('NOT_STARTED before the start, STARTED until the end, ENDED afterwards (mt and the page)', async () => {
      const m = await h.reservation('alice', 'Clocked', clock.now() + HOUR);
      const status = async () => (await t.call('GET', `/api/v1/mt/${m.meetingInfoKey}`)).body.meeting_status;
      assert.equal(await status(), 'NOT_STARTED');
      clock.advance(HOUR);
      assert.equal(await status(), 'STARTED');
      assert.match((await t.call('GET', `/j/${m.meetingInfoKey}`)).text, /Happening now/);
      clock.advance(HOUR - 1);
      assert.equal(await status(), 'STARTED');
      clock.advance(1);
      assert.equal(await status(), 'ENDED');
      assert.match((await t.call('GET', `/j/${m.meetingInfoKey}`)).text, /This meeting has ended/);
    });
  });

  describe(`meeting links: replaced links (password change, new_link) [${dialect}]`, () => {
    let t: TestServer;
    let h: Awaited<ReturnType<typeof setUp>>;
    const soon = Date.now() + 2 * DAY;

    before(async () => {
      t = await startTestServer(dialect, { CONVENE_PUBLIC_URL: PUBLIC_URL, CONVENE_TIMEZONE: 'UTC' });
      h = await setUp(t);
    });
    after(() => t.close());

    const admin = async (method: string, path: string, body?: unknown) =>
      t.call(method, path, { query: { client_id: 'admin-console', token: await t.adminToken() }, ...(body !== undefined ? { body } : {}) });
    const daily = (who: Who, name: string, extra: Record<string, unknown> = {}) =>
      h.create(who, {
        meeting_type: 'recurrence',
        meeting_name: name,
        schedule_start_time: soon,
        schedule_end_time: soon + HOUR,
        recurrence_type: 'DAILY',
        recurrenceInterval: 1,
        recurrenceStartTime: soon,
        recurrenceEndTime: soon + HOUR,
        recurrenceEndDay: soon + 4 * DAY,
        ...extra,
      });
    const occurrenceKeys = async (gid: string) => {
      const r = await h.as('alice', 'GET', `/api/v1/meeting_schedule/recurrence/${gid}`, { query: { page_size: 100 } });
      assert.equal(r.status, 200, r.text);
      return (r.body.meeting_schedules as Record<string, any>[]).map((o) => o.meetingInfoKey as string);
    };
    /** Every way of using a key that no longer works: 404 with the one message that says the link may have been replaced. */
    const assertDead = async (key: string) => {
      for (const r of [
        await t.call('GET', `/api/v1/mt/${key}`),
        await t.call('GET', `/api/v1/calendar/${key}.ics`),
        await h.as('carol', 'POST', `/api/v1/meeting_list/add/${key}`),
      ]) {
        assertError(r, 404, '0x10000004');
        assert.match(r.body.error, /replaced its link/);
        assert.match(r.body.error, /ask the organiser for the current link/);
      }
      const page = await t.call('GET', `/j/${key}`);
      assert.equal(page.status, 404);
      assert.match(page.text, /replaced its link/);
    };
    const password = async (key: string) => {
      const r = await t.call('GET', `/api/v1/mt/${key}`);
      assert.equal(r.status, 200, r.text);
      return r.body.meeting_password as string;
    };
    const listed = async (who: Who, reservationId: string) => (await h.list(who)).some((x) => x.reservation_id === reservationId);

    it('changing a reservation\'s password replaces its link: the old one is dead, entries added with it are gone, invitees keep the meeting', async () => {
      const m = await h.reservation('alice', 'Guarded', soon, { meeting_password: '111111', invited_users: [h.ids.carol] });
      const oldKey = m.meetingInfoKey as string;
      assert.equal((await h.as('bob', 'POST', `/api/v1/meeting_list/add/${oldKey}`)).status, 200);
      assert.ok(await listed('bob', m.reservation_id));

      // An edit that keeps the password (the apps send it back) keeps the link.
      const renamed = await h.as('alice', 'POST', `/api/v1/meeting_schedule/${m.reservation_id}`, { body: { meeting_name: 'Guarded too', meeting_password: '111111' } });
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal(renamed.body.meetingInfoKey, oldKey);
      assert.ok(await listed('bob', m.reservation_id));

      const changed = await h.as('alice', 'POST', `/api/v1/meeting_schedule/${m.reservation_id}`, { body: { meeting_password: '222222' } });
      assert.equal(changed.status, 200, changed.text);
      const newKey = changed.body.meetingInfoKey as string;
      assert.notEqual(newKey, oldKey);
      assert.equal(changed.body.meeting_url, `${PUBLIC_URL}/j/${newKey}`);
      assert.equal(changed.body.calendar_url, `${PUBLIC_URL}/api/v1/calendar/${newKey}.ics`);
      assert.equal(JSON.parse(Buffer.from(changed.body.qrcode_string, 'base64').toString('utf8')).meeting_url, `${PUBLIC_URL}/j/${newKey}`);
      await assertDead(oldKey);
      assert.equal(await password(newKey), '222222');
      assert.equal((await t.call('GET', `/j/${newKey}`)).status, 200);

      assert.equal(await listed('bob', m.reservation_id), false, 'added with the old link: gone from the list');
      assertError(await h.as('bob', 'GET', `/api/v1/meeting_schedule/${m.reservation_id}`), 403, '0x10000003');
      assert.ok(await listed('carol', m.reservation_id), 'the invitee keeps it');
      assert.equal((await h.as('carol', 'GET', `/api/v1/meeting_schedule/${m.reservation_id}`)).body.meetingInfoKey, newKey);
      assert.equal((await h.as('alice', 'GET', `/api/v1/meeting_schedule/${m.reservation_id}`)).body.meeting_url, `${PUBLIC_URL}/j/${newKey}`);
    });

    it('changing a series\' password replaces its group link and every occurrence\'s link', async () => {
      const s = await daily('alice', 'Guarded series', { meeting_password: '333333' });
      const gid = s.recurrence_gid as string;
      const before = await occurrenceKeys(gid);
      assert.equal(before.length, 5);
      assert.equal((await h.as('bob', 'POST', `/api/v1/meeting_list/add/${s.groupInfoKey}`)).status, 200);
      assert.equal((await h.as('carol', 'POST', `/api/v1/meeting_list/add/${before[2]}`)).status, 200);

      const edited = await h.as('alice', 'POST', `/api/v1/meeting_schedule/recurrence/${gid}`, { body: { meeting_password: '444444' } });
      assert.equal(edited.status, 200, edited.text);
      assert.notEqual(edited.body.groupInfoKey, s.groupInfoKey);
      const after = await occurrenceKeys(gid);
      assert.equal(after.length, 5);
      assert.deepEqual(after.filter((k) => before.includes(k)), [], 'no occurrence keeps its link');
      assert.ok(after.includes(edited.body.meetingInfoKey));
      for (const key of [s.groupInfoKey, before[0]!, before[4]!]) await assertDead(key);
      assert.equal(await password(edited.body.groupInfoKey), '444444');
      assert.equal(await password(after[3]!), '444444');
      assert.deepEqual((await h.list('bob')).filter((x) => x.recurrence_gid === gid), [], 'added with the old group link: gone');
      assert.deepEqual((await h.list('carol')).filter((x) => x.recurrence_gid === gid), [], 'added with an old occurrence link: gone');
    });

    it('changing a meeting room\'s password replaces the links of the meetings and series held in it; renaming it does not', async () => {
      const roomReply = await admin('POST', '/api/v1/meeting_rooms', { meetingroom_name: 'Guarded room', owner_id: h.ids.alice, meeting_password: '555555' });
      assert.equal(roomReply.status, 200, roomReply.text);
      const room = roomReply.body as Record<string, any>;
      const m = await h.reservation('alice', 'In the room', soon, { meeting_room_id: room.meeting_room_id });
      const s = await daily('alice', 'Series in the room', { meeting_room_id: room.meeting_room_id });
      assert.equal(await password(m.meetingInfoKey), '555555');
      const roomPath = `/api/v1/meeting_rooms/${room.meeting_room_id}`;

      assert.equal((await admin('POST', roomPath, { meetingroom_name: 'Renamed room' })).status, 200);
      assert.equal(await password(m.meetingInfoKey), '555555', 'a rename keeps the links');

      assert.equal((await admin('POST', roomPath, { meeting_password: '666666' })).status, 200);
      await assertDead(m.meetingInfoKey);
      await assertDead(s.groupInfoKey);
      const now = await h.as('alice', 'GET', `/api/v1/meeting_schedule/${m.reservation_id}`);
      assert.notEqual(now.body.meetingInfoKey, m.meetingInfoKey);
      assert.equal(await password(now.body.meetingInfoKey), '666666');
      const series = await h.as('alice', 'GET', `/api/v1/meeting_schedule/recurrence/${s.recurrence_gid}`);
      assert.notEqual(series.body.groupInfoKey, s.groupInfoKey);
      assert.equal(await password(series.body.groupInfoKey), '666666');

      // Moving a meeting into the room gives it the room's password, and so a new link.
      const mover = await h.reservation('alice', 'Moving in', soon, { meeting_password: '121212' });
      const moved = await h.as('alice', 'POST', `/api/v1/meeting_schedule/${mover.reservation_id}`, { body: { meeting_room_id: room.meeting_room_id } });
      assert.equal(moved.status, 200, moved.text);
      assert.equal(moved.body.meeting_password, '666666');
      await assertDead(mover.meetingInfoKey);
      assert.equal(await password(moved.body.meetingInfoKey), '666666');
    });

    it('POST …/{reservation_id}/new_link: the owner gets new links with the same password and number; the old link is dead', async () => {
      const m = await h.reservation('alice', 'Leaked link', soon, { meeting_password: '777777' });
      assert.equal((await h.as('bob', 'POST', `/api/v1/meeting_list/add/${m.meetingInfoKey}`)).status, 200);
      const r = await h.as('alice', 'POST', `/api/v1/meeting_schedule/${m.reservation_id}/new_link`);
      assert.equal(r.status, 200, r.text);
      assert.notEqual(r.body.meetingInfoKey, m.meetingInfoKey);
      assert.equal(r.body.meeting_url, `${PUBLIC_URL}/j/${r.body.meetingInfoKey}`);
      assert.deepEqual([r.body.reservation_id, r.body.meeting_number, r.body.meeting_password], [m.reservation_id, m.meeting_number, '777777']);
      await assertDead(m.meetingInfoKey);
      assert.equal(await password(r.body.meetingInfoKey), '777777');
      assert.equal(await listed('bob', m.reservation_id), false);
      // Twice in a row: a new link each time.
      const again = await h.as('alice', 'POST', `/api/v1/meeting_schedule/${m.reservation_id}/new_link`, { body: '' });
      assert.equal(again.status, 200, again.text);
      assert.notEqual(again.body.meetingInfoKey, r.body.meetingInfoKey);
    });

    it('new_link on an occurrence or the recurrence_gid replaces the whole series\' links', async () => {
      const s = await daily('alice', 'Leaky series', { meeting_password: '888888' });
      const gid = s.recurrence_gid as string;
      const first = await occurrenceKeys(gid);
      const occurrence = await h.as('alice', 'GET', `/api/v1/meeting_schedule/recurrence/${gid}`);
      const third = occurrence.body.meeting_schedules[2];
      const r = await h.as('alice', 'POST', `/api/v1/meeting_schedule/${third.reservation_id}/new_link`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.reservation_id, third.reservation_id, 'answers the occurrence it was asked for');
      assert.notEqual(r.body.groupInfoKey, s.groupInfoKey);
      const second = await occurrenceKeys(gid);
      assert.deepEqual(second.filter((k) => first.includes(k)), []);
      await assertDead(s.groupInfoKey);
      await assertDead(first[2]!);

      const byGid = await h.as('alice', 'POST', `/api/v1/meeting_schedule/${gid}/new_link`);
      assert.equal(byGid.status, 200, byGid.text);
      assert.equal(byGid.body.recurrence_gid, gid);
      assert.equal(byGid.body.reservation_id, occurrence.body.meeting_schedules[0].reservation_id, 'the next occurrence');
      assert.notEqual(byGid.body.groupInfoKey, r.body.groupInfoKey);
      assert.equal(await password(byGid.body.groupInfoKey), '888888');
      assert.deepEqual((await occurrenceKeys(gid)).filter((k) => second.includes(k)), []);
    });

    it('new_link by someone else → 403 and the link still works; unknown id → 404; without a token → 401', async () => {
      const m = await h.reservation('alice', 'Not yours', soon);
      assert.equal((await h.as('bob', 'POST', `/api/v1/meeting_list/add/${m.meetingInfoKey}`)).status, 200);
      assertError(await h.as('bob', 'POST', `/api/v1/meeting_schedule/${m.reservation_id}/new_link`), 403, '0x10000003');
      assertError(await h.as('carol', 'POST', `/api/v1/meeting_schedule/${m.reservation_id}/new_link`), 403, '0x10000003');
      assert.equal((await t.call('GET', `/api/v1/mt/${m.meetingInfoKey}`)).status, 200, 'unchanged');
      assertError(await h.as('alice', 'POST', '/api/v1/meeting_schedule/no-such-meeting/new_link'), 404, '0x10000004');
      assertError(await t.call('POST', `/api/v1/meeting_schedule/${m.reservation_id}/new_link`, { query: { client_id: 'c' } }), 401, '0x10000002');
    });

    it('a live meeting hands the replaced link to new joiners (meeting.info), and its participants are told it', async () => {
      const m = await h.create('alice', { meeting_type: 'instant', meeting_name: 'Live link' });
      const first = await joinAs(t, { meeting_number: m.meeting_number, client_id: 'guest-one', display_name: 'One', passcode: m.meeting_password });
      try {
        assert.equal(first.info?.meeting_url, `${PUBLIC_URL}/j/${m.meetingInfoKey}`);
        // Through the SDK, which has every contract operation.
        const renewed = await restFor(t, 'client-alice', h.tokens.alice).call(renewMeetingLink, { params: { reservation_id: m.reservation_id } });
        assert.equal(renewed.meeting_password, m.meeting_password);
        const fresh = `${PUBLIC_URL}/j/${renewed.meetingInfoKey}`;
        assert.equal(renewed.meeting_url, fresh);
        await first.waitFor('meeting.info', (e) => e.meeting_url === fresh);
        const second = await joinAs(t, { meeting_number: m.meeting_number, client_id: 'guest-two', display_name: 'Two', passcode: m.meeting_password });
        try {
          assert.equal(second.info?.meeting_url, fresh);
        } finally {
          await closeAll([second]);
        }
        await assertDead(m.meetingInfoKey);
      } finally {
        await closeAll([first]);
      }
    });

    it('no log line holds a link key: /j, /api/v1/mt, the calendar, meeting_list add and remove', async () => {
      const m = await h.reservation('alice', 'Quiet logs', soon);
      const key = m.meetingInfoKey as string;
      const oldKey = key;
      t.logs.length = 0;
      await t.call('GET', `/j/${key}`);
      await t.call('GET', `/api/v1/mt/${key}`);
      await t.call('GET', `/api/v1/calendar/${key}.ics`);
      await h.as('bob', 'POST', `/api/v1/meeting_list/add/${key}`);
      await h.as('bob', 'DELETE', `/api/v1/meeting_list/remove/${key}`);
      await t.call('GET', `/api/v1/m%74/${key}`); // a spelling the routes do not know still names the key
      const renewed = await h.as('alice', 'POST', `/api/v1/meeting_schedule/${m.reservation_id}/new_link`);
      await t.call('GET', `/api/v1/mt/${oldKey}`);
      const all = t.logs.join('\n');
      for (const path of ['/j/', '/api/v1/mt/', '/api/v1/calendar/', '/api/v1/meeting_list/add/', '/api/v1/meeting_list/remove/']) {
        assert.ok(all.includes(`${path}[REDACTED]`), `${path} requests are logged, redacted`);
      }
      for (const k of [key, renewed.body.meetingInfoKey as string]) assert.ok(!all.includes(k), `a log line holds the key ${k.slice(0, 4)}…`);
    });
  });
}

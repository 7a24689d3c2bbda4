/**
 * The iCalendar writer (src/scheduling/icalendar.ts) on its own: text escaping, folding by octets, durations and
 * offsets, VTIMEZONE observances in both hemispheres and zones without DST, and how stored occurrences are matched to
 * the rule (deleted → EXDATE, moved or renamed → RECURRENCE-ID, kept from an older rule → a VEVENT of its own).
 * Independent of the machine's TZ.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asUserId } from '../../src/kernel/ids.ts';
import {
  alignOccurrences,
  type CalendarContext,
  escapeText,
  foldLine,
  icalDuration,
  icalOffset,
  meetingCalendar,
  seriesCalendar,
  vtimezone,
} from '../../src/scheduling/icalendar.ts';
import type { Reservation, Series } from '../../src/scheduling/meeting.ts';
import { expand } from '../../src/scheduling/occurrences.ts';
import type { RecurrenceRule } from '../../src/scheduling/recurrence-rule.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const octets = (s: string) => Buffer.byteLength(s, 'utf8');

const ctx: CalendarContext = {
  now: Date.parse('2030-01-01T00:00:00Z'),
  meetingUrl: (key) => `https://meet.example.org/j/${key}`,
  serverAddress: 'meet.example.org',
  maxOccurrences: 500,
};

let counter = 0;
function reservation(start: number, end: number, extra: Partial<Reservation> = {}): Reservation {
  counter++;
  return {
    id: `r${counter}`,
    type: 'recurrence',
    ownerId: asUserId('owner'),
    meetingNumber: '123456789',
    password: '2468',
    lobby: 'off',
    roomId: null,
    start,
    end,
    seriesId: 's1',
    infoKey: `key${counter}`,
    liveKey: '',
    createdAt: ctx.now,
    updatedAt: ctx.now,
    name: 'Stand-up',
    description: '',
    callRate: '2048K',
    muteUponEntry: false,
    guestDialIn: false,
    watermark: false,
    watermarkType: '',
    timeToJoin: 30,
    generateLiveUrl: false,
    livePasscode: '',
    invitees: [],
    ...extra,
  };
}

/** Weekly on Mondays and Wednesdays at 09:00 Berlin from Monday 2030-03-18 to 2030-04-17: 10 occurrences across DST. */
const BERLIN_RULE: RecurrenceRule = {
  frequency: 'WEEKLY',
  interval: 1,
  timeZone: 'Europe/Berlin',
  firstStart: Date.parse('2030-03-18T09:00:00+01:00'),
  duration: HOUR,
  lastDay: '2030-04-17',
  daysOfWeek: [2, 4],
  daysOfMonth: [],
};
const series: Series = {
  id: 's1',
  ownerId: asUserId('owner'),
  rule: BERLIN_RULE,
  groupKey: 'groupkey',
  invitees: [],
  meetingNumber: '123456789',
  password: '2468',
  roomId: null,
  createdAt: ctx.now,
  updatedAt: ctx.now,
};

/** Unfolded content lines. */
const unfold = (text: string) => text.replace(/\r\n /g, '').split('\r\n').filter((l) => l !== '');
/** The content lines of each VEVENT. */
function events(text: string): string[][] {
  const out: string[][] = [];
  let current: string[] | undefined;
  for (const line of unfold(text)) {
    if (line === 'BEGIN:VEVENT') current = [];
    else if (line === 'END:VEVENT') {
      out.push(current!);
      current = undefined;
    } else current?.push(line);
  }
  return out;
}
const value = (lines: string[], name: string) => lines.find((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`))?.replace(/^[^:]*:/, '');

describe('iCalendar text', () => {
  it('escapes backslash, semicolon, comma and newlines, and drops other control characters', () => {
    assert.equal(escapeText('a\\b;c,d\ne\r\nf\rg\u0007h\ti'), 'a\\\\b\\;c\\,d\\ne\\nf\\ng' + 'h\ti');
  });

  it('folds at 75 octets without splitting a UTF-8 sequence; unfolding gives the line back', () => {
    for (const line of ['x'.repeat(75), 'x'.repeat(76), 'DESCRIPTION:' + 'ü✓😀a'.repeat(40), 'SUMMARY:' + '😀'.repeat(100)]) {
      const folded = foldLine(line);
      const physical = folded.split('\r\n');
      for (const p of physical) assert.ok(octets(p) <= 75, `${octets(p)} octets: ${p}`);
      physical.slice(1).forEach((p) => assert.ok(p.startsWith(' ')));
      assert.equal(folded.replace(/\r\n /g, ''), line);
      assert.ok(!folded.includes('\uFFFD'));
      if (octets(line) <= 75) assert.equal(folded, line);
      else assert.ok(physical.length > 1);
    }
  });

  it('writes durations and UTC offsets', () => {
    assert.equal(icalDuration(HOUR), 'PT1H');
    assert.equal(icalDuration(90 * 60_000), 'PT1H30M');
    assert.equal(icalDuration(DAY + 61_000), 'P1DT1M1S');
    assert.equal(icalDuration(0), 'PT0S');
    assert.equal(icalOffset(2 * HOUR), '+0200');
    assert.equal(icalOffset(-(3 * HOUR + 30 * 60_000)), '-0330');
    assert.equal(icalOffset(5 * HOUR + 45 * 60_000), '+0545');
    assert.equal(icalOffset(0), '+0000');
  });
});

describe('VTIMEZONE', () => {
  const blocks = (lines: string[]) => {
    const out: { kind: string; dtstart: string; from: string; to: string }[] = [];
    for (let i = 0; i < lines.length; i++) {
      const m = /^BEGIN:(STANDARD|DAYLIGHT)$/.exec(lines[i]!);
      if (!m) continue;
      const get = (n: string) => lines.slice(i, i + 5).find((l) => l.startsWith(`${n}:`))!.split(':')[1]!;
      out.push({ kind: m[1]!, dtstart: get('DTSTART'), from: get('TZOFFSETFROM'), to: get('TZOFFSETTO') });
    }
    return out;
  };

  it('Europe/Berlin across spring and autumn: the observance in effect plus each change, at 02:00/03:00 local', () => {
    const lines = vtimezone('Europe/Berlin', Date.parse('2030-03-01T00:00:00Z'), Date.parse('2030-11-30T00:00:00Z'));
    assert.equal(lines[0], 'BEGIN:VTIMEZONE');
    assert.equal(lines[1], 'TZID:Europe/Berlin');
    assert.equal(lines[lines.length - 1], 'END:VTIMEZONE');
    assert.deepEqual(blocks(lines), [
      { kind: 'STANDARD', dtstart: '20291028T030000', from: '+0200', to: '+0100' },
      { kind: 'DAYLIGHT', dtstart: '20300331T020000', from: '+0100', to: '+0200' },
      { kind: 'STANDARD', dtstart: '20301027T030000', from: '+0200', to: '+0100' },
    ]);
  });

  it('Australia/Sydney (southern hemisphere): daylight time starts in October', () => {
    const b = blocks(vtimezone('Australia/Sydney', Date.parse('2030-09-01T00:00:00Z'), Date.parse('2030-10-31T00:00:00Z')));
    assert.equal(b.length, 2);
    assert.equal(b[0]!.kind, 'STANDARD');
    assert.equal(b[0]!.to, '+1000');
    assert.deepEqual(b[1], { kind: 'DAYLIGHT', dtstart: '20301006T020000', from: '+1000', to: '+1100' });
  });

  it('zones without a change in the span have one STANDARD observance', () => {
    const tokyo = blocks(vtimezone('Asia/Tokyo', Date.parse('2030-01-01T00:00:00Z'), Date.parse('2031-01-01T00:00:00Z')));
    assert.equal(tokyo.length, 1);
    assert.equal(tokyo[0]!.kind, 'STANDARD');
    assert.equal(tokyo[0]!.to, '+0900');
    const utc = blocks(vtimezone('UTC', Date.parse('2030-01-01T00:00:00Z'), Date.parse('2031-01-01T00:00:00Z')));
    assert.deepEqual(utc, [{ kind: 'STANDARD', dtstart: '19700101T000000', from: '+0000', to: '+0000' }]);
    const kolkata = blocks(vtimezone('Asia/Kolkata', Date.parse('2030-01-01T00:00:00Z'), Date.parse('2031-01-01T00:00:00Z')));
    assert.equal(kolkata.length, 1);
    assert.equal(kolkata[0]!.to, '+0530');
  });
});

describe('matching stored occurrences to the rule', () => {
  const expected = expand(BERLIN_RULE, { maxOccurrences: 100 });
  const stored = () => expected.map((o) => reservation(o.start, o.end));

  it('the rule produces 10 occurrences at 09:00 local on both sides of the change', () => {
    assert.equal(expected.length, 10);
  });

  it('untouched: every occurrence pairs with itself', () => {
    const a = alignOccurrences(expected, stored());
    assert.equal(a.pairs.length, 10);
    assert.ok(a.pairs.every((p) => p.expected.start === p.stored.start));
    assert.deepEqual(a.deleted, []);
    assert.deepEqual(a.extra, []);
  });

  it('deleted and moved occurrences: the moved one pairs with its own slot, the deleted one is left over', () => {
    const s = stored();
    s.splice(2, 1); // delete the third
    s[5] = { ...s[5]!, start: s[5]!.start - 2 * HOUR, end: s[5]!.end - 2 * HOUR }; // the seventh, moved earlier
    const a = alignOccurrences(expected, s);
    assert.deepEqual(a.deleted.map((o) => o.start), [expected[2]!.start]);
    assert.deepEqual(a.extra, []);
    const moved = a.pairs.find((p) => p.stored.start !== p.expected.start);
    assert.ok(moved);
    assert.equal(moved.expected.start, expected[6]!.start);
  });

  it('a moved occurrence next to a deleted one pairs with the nearer slot', () => {
    const s = stored();
    const movedLate = { ...s[4]!, start: s[4]!.start + 30 * 60_000, end: s[4]!.end + 30 * 60_000 };
    const rest = [...s.slice(0, 3), movedLate, ...s.slice(5)]; // the fourth deleted, the fifth moved by 30 minutes
    const a = alignOccurrences(expected, rest);
    assert.deepEqual(a.deleted.map((o) => o.start), [expected[3]!.start]);
    assert.equal(a.pairs.find((p) => p.stored === movedLate)?.expected.start, expected[4]!.start);
  });

  it('occurrences the rule does not produce (kept from before an edit of the series) are extra', () => {
    const old = [reservation(expected[0]!.start - 7 * DAY, expected[0]!.end - 7 * DAY), reservation(expected[0]!.start - 5 * DAY, expected[0]!.end - 5 * DAY)];
    const a = alignOccurrences(expected, [...old, ...stored()]);
    assert.deepEqual(a.extra, old);
    assert.equal(a.pairs.length, 10);
    assert.deepEqual(a.deleted, []);
  });
});

describe('calendar documents', () => {
  it('a single meeting: one VEVENT in UTC, its UID, escaped SUMMARY, the join details in DESCRIPTION', () => {
    const r = reservation(Date.parse('2030-05-06T07:30:00Z'), Date.parse('2030-05-06T08:15:00Z'), { name: 'Plan, review; ship', description: 'Line 1\nLine 2' });
    const text = meetingCalendar(r, ctx);
    const [e, ...more] = events(text);
    assert.ok(e);
    assert.equal(more.length, 0);
    assert.equal(value(e, 'UID'), `${r.id}@convene`);
    assert.equal(value(e, 'DTSTART'), '20300506T073000Z');
    assert.equal(value(e, 'DTEND'), '20300506T081500Z');
    assert.equal(value(e, 'DTSTAMP'), '20300101T000000Z');
    assert.equal(value(e, 'SUMMARY'), 'Plan\\, review\\; ship');
    assert.equal(
      value(e, 'DESCRIPTION'),
      `Line 1\\nLine 2\\n\\nMeeting number: 123456789\\nMeeting password: 2468\\nServer: meet.example.org\\nLink: https://meet.example.org/j/${r.infoKey}`,
    );
    assert.equal(value(e, 'URL'), `https://meet.example.org/j/${r.infoKey}`);
    assert.ok(!text.includes('VTIMEZONE'));
    assert.ok(text.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n'));
    assert.ok(text.endsWith('END:VCALENDAR\r\n'));
  });

  it('a meeting without a password says so', () => {
    const text = meetingCalendar(reservation(ctx.now + DAY, ctx.now + DAY + HOUR, { password: '' }), ctx);
    assert.match(value(events(text)[0]!, 'DESCRIPTION')!, /No meeting password/);
  });

  it('a series: EXDATE for the deleted, RECURRENCE-ID for the moved and the renamed, own VEVENTs for extras', () => {
    const expected = expand(BERLIN_RULE, { maxOccurrences: 100 });
    const stored = expected.map((o) => reservation(o.start, o.end));
    const old = reservation(expected[0]!.start - 7 * DAY + HOUR, expected[0]!.end - 7 * DAY + HOUR, { name: 'Old time' });
    stored.splice(8, 1); // deleted: Monday 2030-04-15
    stored[1] = { ...stored[1]!, name: 'Renamed' }; // Wednesday 2030-03-20, same time
    stored[4] = { ...stored[4]!, start: stored[4]!.start + HOUR, end: stored[4]!.end + 2 * HOUR }; // Monday 2030-04-01, 10:00–12:00
    const text = seriesCalendar(series, [old, ...stored], ctx);
    const all = events(text);
    const master = all.find((e) => e.some((l) => l.startsWith('RRULE:')))!;
    assert.ok(master);
    assert.equal(value(master, 'UID'), 's1@convene');
    assert.ok(master.includes('DTSTART;TZID=Europe/Berlin:20300318T090000'));
    assert.ok(master.includes('EXDATE;TZID=Europe/Berlin:20300415T090000'));
    assert.equal(value(master, 'DURATION'), 'PT1H');
    assert.equal(value(master, 'SUMMARY'), 'Stand-up');
    assert.equal(value(master, 'URL'), 'https://meet.example.org/j/groupkey');
    const overrides = all.filter((e) => e.some((l) => l.startsWith('RECURRENCE-ID')));
    assert.deepEqual(
      overrides.map((e) => [value(e, 'RECURRENCE-ID'), value(e, 'DTSTART'), value(e, 'DTEND'), value(e, 'SUMMARY'), value(e, 'UID')]),
      [
        ['20300320T090000', '20300320T090000', '20300320T100000', 'Renamed', 's1@convene'],
        ['20300401T090000', '20300401T100000', '20300401T120000', 'Stand-up', 's1@convene'],
      ],
    );
    const standalone = all.filter((e) => value(e, 'UID') === `${old.id}@convene`);
    assert.equal(standalone.length, 1);
    assert.equal(value(standalone[0]!, 'DTSTART'), '20300311T090000Z');
    assert.equal(all.length, 4);
    // The VTIMEZONE covers the older occurrence as well as the change on 2030-03-31.
    assert.match(text, /BEGIN:DAYLIGHT\r\nDTSTART:20300331T020000\r\n/);
  });

  it('a rule longer than the configured cap (the cap was lowered) is exported occurrence by occurrence', () => {
    const expected = expand(BERLIN_RULE, { maxOccurrences: 100 });
    const stored = expected.map((o) => reservation(o.start, o.end));
    const text = seriesCalendar(series, stored, { ...ctx, maxOccurrences: 3 });
    const all = events(text);
    assert.equal(all.length, 10);
    assert.ok(all.every((e) => !e.some((l) => l.startsWith('RRULE'))));
  });
});

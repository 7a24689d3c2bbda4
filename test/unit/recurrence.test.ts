/**
 * The recurrence engine: normalising what each client sends (contract §4.1) and expanding a rule into occurrences.
 * Instants are written with explicit offsets and read back through Intl in the rule's zone, so the results do not
 * depend on the machine's TZ (run with TZ=UTC and TZ=Asia/Tokyo to see it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Temporal } from 'temporal-polyfill';
import { DomainError } from '../../src/kernel/domain-error.ts';
import { expand, toICalendarRule } from '../../src/scheduling/occurrences.ts';
import { normaliseRecurrence, type RecurrenceFields, type RecurrenceRule } from '../../src/scheduling/recurrence-rule.ts';
import { wallClockToInstants } from '../../src/scheduling/zoned-time.ts';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const HOUR = 3_600_000;
const at = (iso: string): number => {
  const ms = Date.parse(iso);
  assert.ok(Number.isFinite(ms), iso);
  return ms;
};

/** 'YYYY-MM-DD HH:mm' on the wall clocks of `zone`. */
function local(ms: number, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(ms);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '??';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

const rule = (fields: RecurrenceFields, zone = BERLIN): RecurrenceRule => normaliseRecurrence(fields, zone);
const starts = (r: RecurrenceRule, max = 1000): string[] => expand(r, { maxOccurrences: max }).map((o) => local(o.start, r.timeZone));

/** A one-hour series from `start`; L's encoding unless the test says otherwise. */
const series = (type: string, start: string, endDay: string, extra: RecurrenceFields = {}): RecurrenceFields => ({
  recurrence_type: type,
  recurrenceInterval: 1,
  recurrenceStartTime: at(start),
  recurrenceEndTime: at(start) + HOUR,
  recurrenceStartDay: at(start),
  recurrenceEndDay: at(endDay),
  ...extra,
});

function rejects(fields: RecurrenceFields, field: string, zone = BERLIN): void {
  assert.throws(
    () => normaliseRecurrence(fields, zone),
    (e: unknown) => e instanceof DomainError && e.kind === 'input.invalid' && e.message.startsWith(`${field}: `),
  );
}

describe('normaliseRecurrence() end day encodings', () => {
  const start = '2025-03-03T09:00+01:00';

  it("normaliseRecurrence() reads L's end day (the date at 23:45 local) as that date", () => {
    assert.equal(rule(series('DAILY', start, '2025-03-20T23:45+01:00')).lastDay, '2025-03-20');
  });

  it("normaliseRecurrence() reads M's and W's end day (23:59:59 local) as that date", () => {
    assert.equal(rule(series('DAILY', start, '2025-03-20T23:59:59+01:00')).lastDay, '2025-03-20');
  });

  it("normaliseRecurrence() reads A's end day (local midnight + 24 h − 1 s) as that date", () => {
    const midnight = at('2025-03-20T00:00+01:00');
    assert.equal(rule(series('DAILY', start, start, { recurrenceEndDay: midnight + 24 * HOUR - 1000 })).lastDay, '2025-03-20');
  });

  it("normaliseRecurrence() reads A's end day on a 23-hour spring-forward day as that day, not the next", () => {
    const midnight = at('2025-03-30T00:00+01:00'); // + 24 h − 1 s = 2025-03-31 00:59:59 CEST
    assert.equal(rule(series('DAILY', start, start, { recurrenceEndDay: midnight + 24 * HOUR - 1000 })).lastDay, '2025-03-30');
  });

  it("normaliseRecurrence() reads A's end day on a 25-hour autumn day as that day", () => {
    const midnight = at('2025-10-26T00:00+02:00'); // + 24 h − 1 s = 2025-10-26 22:59:59 CET
    assert.equal(rule(series('DAILY', start, start, { recurrenceEndDay: midnight + 24 * HOUR - 1000 })).lastDay, '2025-10-26');
  });

  it("normaliseRecurrence() reads I's computed end day (any instant) as its local date", () => {
    assert.equal(rule(series('DAILY', start, '2025-04-14T09:00+02:00')).lastDay, '2025-04-14');
    assert.equal(rule(series('DAILY', start, '2025-04-14T00:00+02:00')).lastDay, '2025-04-14');
  });

  it('normaliseRecurrence() reduces the end day in the rule zone, not the machine zone', () => {
    // 23:59:59 in Shanghai is 16:59:59 in Berlin, the same date, but 00:59:59 of the next day in Tokyo.
    const endDay = at('2025-03-20T23:59:59+08:00');
    assert.equal(rule(series('DAILY', start, start, { recurrenceEndDay: endDay }), 'Asia/Shanghai').lastDay, '2025-03-20');
    assert.equal(rule(series('DAILY', start, start, { recurrenceEndDay: endDay })).lastDay, '2025-03-20');
    assert.equal(rule(series('DAILY', start, start, { recurrenceEndDay: endDay }), 'Asia/Tokyo').lastDay, '2025-03-21');
  });

  it('normaliseRecurrence() gives the same rule for a start day sent as the instant (L, I) or as local midnight (A, M, W)', () => {
    const asInstant = rule(series('WEEKLY', '2025-03-05T15:30+01:00', '2025-04-30T23:59:59+02:00'));
    const asMidnight = rule(series('WEEKLY', '2025-03-05T15:30+01:00', '2025-04-30T23:59:59+02:00', { recurrenceStartDay: at('2025-03-05T00:00+01:00') }));
    assert.deepEqual(asMidnight, asInstant);
  });

  it('normaliseRecurrence() accepts the API document example (DAILY every 2 days, Asia/Shanghai)', () => {
    const r = rule(
      {
        recurrence_type: 'DAILY',
        recurrenceInterval: 2,
        recurrenceStartTime: 1698215400000,
        recurrenceEndTime: 1698219000000,
        recurrenceStartDay: 1698215400000,
        recurrenceEndDay: 1700927999000,
      },
      'Asia/Shanghai',
    );
    assert.deepEqual(r, {
      frequency: 'DAILY',
      interval: 2,
      timeZone: 'Asia/Shanghai',
      firstStart: 1698215400000,
      duration: HOUR,
      lastDay: '2023-11-25',
      daysOfWeek: [],
      daysOfMonth: [],
    });
    assert.deepEqual(starts(r).slice(0, 3), ['2023-10-25 14:30', '2023-10-27 14:30', '2023-10-29 14:30']);
    assert.equal(starts(r).at(-1), '2023-11-24 14:30');
  });
});

describe('normaliseRecurrence() fields', () => {
  it('normaliseRecurrence() keeps the chosen weekdays as sent, deduplicated, without adding the start date\'s', () => {
    const r = rule(series('WEEKLY', '2025-03-03T09:00+01:00', '2025-03-31T23:59:59+02:00', { recurrenceDaysOfWeek: [4, 2, 4] })); // a Monday
    assert.deepEqual(r.daysOfWeek, [2, 4]);
    assert.deepEqual(r.daysOfMonth, []);
  });

  it("normaliseRecurrence() takes the start date's weekday or day of the month when no day is sent", () => {
    assert.deepEqual(rule(series('WEEKLY', '2025-03-05T09:00+01:00', '2025-03-31T23:59:59+02:00', { recurrenceDaysOfWeek: [] })).daysOfWeek, [4]);
    assert.deepEqual(rule(series('MONTHLY', '2025-03-15T09:00+01:00', '2025-12-31T23:59:59+01:00')).daysOfMonth, [15]);
  });

  it('normaliseRecurrence() sorts the days of a monthly rule', () => {
    const r = rule(series('MONTHLY', '2025-03-15T09:00+01:00', '2025-12-31T23:59:59+01:00', { recurrenceDaysOfMonth: [31, 1, 15] }));
    assert.deepEqual(r.daysOfMonth, [1, 15, 31]);
  });

  it('normaliseRecurrence() ignores the day array of the other type (M sends both, W sends null)', () => {
    const fields = series('MONTHLY', '2025-03-15T09:00+01:00', '2025-12-31T23:59:59+01:00', {
      recurrenceDaysOfWeek: [],
      recurrenceDaysOfMonth: [20],
    });
    assert.deepEqual(rule(fields).daysOfWeek, []);
    assert.deepEqual(rule({ ...fields, recurrence_type: 'WEEKLY', recurrenceDaysOfWeek: null, recurrenceDaysOfMonth: [99] }).daysOfMonth, []);
  });

  it('normaliseRecurrence() takes the optional time_zone extension over the default and spells it canonically', () => {
    const r = rule(series('DAILY', '2025-03-03T09:00-05:00', '2025-03-20T23:59:59-04:00', { time_zone: 'america/new_york' }));
    assert.equal(r.timeZone, NEW_YORK);
    assert.equal(r.lastDay, '2025-03-20');
  });

  it('normaliseRecurrence() falls back to schedule_start_time/end_time when the recurrence times are missing or 0', () => {
    const r = rule({
      recurrence_type: 'DAILY',
      recurrenceStartTime: 0,
      schedule_start_time: at('2025-03-03T09:00+01:00'),
      schedule_end_time: at('2025-03-03T09:45+01:00'),
      recurrenceEndDay: at('2025-03-05T23:59:59+01:00'),
    });
    assert.equal(r.firstStart, at('2025-03-03T09:00+01:00'));
    assert.equal(r.duration, 45 * 60_000);
    assert.equal(r.interval, 1);
  });
});

describe('normaliseRecurrence() invalid input', () => {
  const ok = series('WEEKLY', '2025-03-03T09:00+01:00', '2025-03-31T23:59:59+02:00');

  it('normaliseRecurrence() rejects an unknown or missing recurrence_type', () => {
    rejects({ ...ok, recurrence_type: 'YEARLY' }, 'recurrence_type');
    rejects({ ...ok, recurrence_type: 'NONE' }, 'recurrence_type');
    rejects({ ...ok, recurrence_type: undefined }, 'recurrence_type');
  });

  it('normaliseRecurrence() rejects an interval below 1, above 99 or not whole', () => {
    for (const n of [0, -1, 100, 1.5]) rejects({ ...ok, recurrenceInterval: n }, 'recurrenceInterval');
  });

  it('normaliseRecurrence() rejects an end time not after the start time, or a day or more after it', () => {
    rejects({ ...ok, recurrenceEndTime: ok.recurrenceStartTime }, 'recurrenceEndTime');
    rejects({ ...ok, recurrenceEndTime: (ok.recurrenceStartTime as number) - 1 }, 'recurrenceEndTime');
    rejects({ ...ok, recurrenceEndTime: (ok.recurrenceStartTime as number) + 24 * HOUR }, 'recurrenceEndTime');
  });

  it('normaliseRecurrence() rejects missing or non-millisecond times', () => {
    rejects({ ...ok, recurrenceStartTime: undefined }, 'recurrenceStartTime');
    rejects({ ...ok, recurrenceStartTime: Number.NaN }, 'recurrenceStartTime');
    rejects({ ...ok, recurrenceEndTime: null }, 'recurrenceEndTime');
    rejects({ ...ok, recurrenceEndDay: undefined }, 'recurrenceEndDay');
    rejects({ ...ok, recurrenceEndDay: 1e20 }, 'recurrenceEndDay');
    rejects({ ...ok, recurrenceEndDay: Date.UTC(9999, 0, 1) }, 'recurrenceEndDay'); // keeps years at four digits
    rejects({ ...ok, recurrenceStartTime: -HOUR }, 'recurrenceStartTime');
  });

  it('normaliseRecurrence() rejects an end day before the first day', () => {
    rejects({ ...ok, recurrenceEndDay: at('2025-03-02T23:59:59+01:00') }, 'recurrenceEndDay');
  });

  it('normaliseRecurrence() rejects a start day that is not the day of the start time', () => {
    rejects({ ...ok, recurrenceStartDay: (ok.recurrenceStartTime as number) + 1 }, 'recurrenceStartDay');
    rejects({ ...ok, recurrenceStartDay: at('2025-03-01T00:00+01:00') }, 'recurrenceStartDay');
  });

  it('normaliseRecurrence() rejects weekdays outside 1–7 and month days outside 1–31', () => {
    rejects({ ...ok, recurrenceDaysOfWeek: [0] }, 'recurrenceDaysOfWeek');
    rejects({ ...ok, recurrenceDaysOfWeek: [2, 8] }, 'recurrenceDaysOfWeek');
    rejects({ ...ok, recurrence_type: 'MONTHLY', recurrenceDaysOfMonth: [32] }, 'recurrenceDaysOfMonth');
    rejects({ ...ok, recurrence_type: 'MONTHLY', recurrenceDaysOfMonth: [1.5] }, 'recurrenceDaysOfMonth');
  });

  it('normaliseRecurrence() rejects a time zone that is not an IANA name', () => {
    rejects({ ...ok, time_zone: 'Mars/Olympus_Mons' }, 'time_zone');
    rejects({ ...ok, time_zone: '+01:00' }, 'time_zone');
    rejects(ok, 'time_zone', 'Nowhere');
    assert.equal(rule({ ...ok, time_zone: '' }, NEW_YORK).timeZone, NEW_YORK); // "" means not set
  });
});

describe('expand() across DST changes', () => {
  it('expand() keeps a weekly 09:00 Europe/Berlin series at 09:00 local across the March and October changes', () => {
    const r = rule(series('WEEKLY', '2025-03-24T09:00+01:00', '2025-11-03T23:59:59+01:00'));
    const occurrences = expand(r, { maxOccurrences: 100 });
    assert.equal(occurrences.length, 33);
    assert.ok(occurrences.every((o) => local(o.start, BERLIN).endsWith(' 09:00') && o.end - o.start === HOUR));
    const utc = (day: string) => new Date(occurrences.find((o) => local(o.start, BERLIN).startsWith(day))?.start ?? 0).toISOString();
    assert.equal(utc('2025-03-24'), '2025-03-24T08:00:00.000Z'); // CET
    assert.equal(utc('2025-03-31'), '2025-03-31T07:00:00.000Z'); // CEST: the UTC instant moves, the wall clock does not
    assert.equal(utc('2025-10-20'), '2025-10-20T07:00:00.000Z');
    assert.equal(utc('2025-10-27'), '2025-10-27T08:00:00.000Z'); // CET again
  });

  it('expand() keeps a weekly 09:00 America/New_York series at 09:00 local across the March and November changes', () => {
    const r = rule(series('WEEKLY', '2025-03-03T09:00-05:00', '2025-11-10T23:59:59-05:00'), NEW_YORK);
    const occurrences = expand(r, { maxOccurrences: 100 });
    assert.ok(occurrences.every((o) => local(o.start, NEW_YORK).endsWith(' 09:00')));
    const utcHours = occurrences.map((o) => new Date(o.start).getUTCHours());
    assert.equal(utcHours[0], 14); // 2025-03-03, EST
    assert.equal(utcHours[1], 13); // 2025-03-10, EDT since 2025-03-09
    assert.deepEqual(utcHours.slice(-2), [14, 14]); // 2025-11-03 and 2025-11-10, EST
  });

  it('expand() moves an occurrence whose time does not exist (spring-forward gap) to the first valid time instead of dropping it', () => {
    const r = rule(series('DAILY', '2025-03-29T02:30+01:00', '2025-03-31T23:45+02:00'));
    assert.deepEqual(starts(r), ['2025-03-29 02:30', '2025-03-30 03:30', '2025-03-31 02:30']);
  });

  it('expand() takes the first of a repeated hour (autumn) and keeps an exact first start in the second one', () => {
    const daily = rule(series('DAILY', '2025-10-25T02:30+02:00', '2025-10-26T23:59:59+01:00'));
    assert.equal(new Date(expand(daily, { maxOccurrences: 10 })[1]?.start ?? 0).toISOString(), '2025-10-26T00:30:00.000Z');
    const second = rule(series('DAILY', '2025-10-26T02:30+01:00', '2025-10-27T23:59:59+01:00'));
    assert.deepEqual(
      expand(second, { maxOccurrences: 10 }).map((o) => new Date(o.start).toISOString()),
      ['2025-10-26T01:30:00.000Z', '2025-10-27T01:30:00.000Z'],
    );
  });

  it('expand() keeps the duration exact when an occurrence spans a change', () => {
    const r = rule({ ...series('DAILY', '2025-03-29T01:30+01:00', '2025-03-30T23:59:59+02:00'), recurrenceEndTime: at('2025-03-29T03:30+01:00') });
    assert.deepEqual(
      expand(r, { maxOccurrences: 10 }).map((o) => [local(o.start, BERLIN), local(o.end, BERLIN)]),
      [
        ['2025-03-29 01:30', '2025-03-29 03:30'],
        ['2025-03-30 01:30', '2025-03-30 04:30'],
      ],
    );
  });
});

describe('expand() patterns', () => {
  it('expand() steps a daily rule by its interval and stops on the last day inclusive', () => {
    const r = rule(series('DAILY', '2025-01-30T18:00+01:00', '2025-02-07T23:45+01:00', { recurrenceInterval: 2 }));
    assert.deepEqual(starts(r), ['2025-01-30 18:00', '2025-02-01 18:00', '2025-02-03 18:00', '2025-02-05 18:00', '2025-02-07 18:00']);
  });

  it('expand() repeats Monday and Wednesday every 2 weeks', () => {
    const r = rule(series('WEEKLY', '2025-03-03T10:00+01:00', '2025-04-16T23:59:59+02:00', { recurrenceInterval: 2, recurrenceDaysOfWeek: [2, 4] }));
    assert.deepEqual(starts(r), [
      '2025-03-03 10:00',
      '2025-03-05 10:00',
      '2025-03-17 10:00',
      '2025-03-19 10:00',
      '2025-03-31 10:00',
      '2025-04-02 10:00',
      '2025-04-14 10:00',
      '2025-04-16 10:00',
    ]);
  });

  it('expand() starts a weekly series on its first day even when it is mid-week, and counts weeks from Monday', () => {
    // First day Wednesday; Sunday belongs to the same Monday-based week, so it follows four days later.
    const r = rule(series('WEEKLY', '2025-03-19T10:00+01:00', '2025-04-06T23:59:59+02:00', { recurrenceInterval: 2, recurrenceDaysOfWeek: [1, 4] }));
    assert.deepEqual(starts(r), ['2025-03-19 10:00', '2025-03-23 10:00', '2025-04-02 10:00', '2025-04-06 10:00']);
  });

  it('expand() skips months without day 31 in a monthly rule', () => {
    const r = rule(series('MONTHLY', '2025-01-31T09:00-05:00', '2025-12-31T23:59:59-05:00'), NEW_YORK);
    assert.deepEqual(starts(r), [
      '2025-01-31 09:00',
      '2025-03-31 09:00',
      '2025-05-31 09:00',
      '2025-07-31 09:00',
      '2025-08-31 09:00',
      '2025-10-31 09:00',
      '2025-12-31 09:00',
    ]);
  });

  it('expand() repeats several month days every 2 months, skipping February 30 and keeping leap-day 29', () => {
    const r = rule(series('MONTHLY', '2023-12-29T09:00+01:00', '2024-04-30T23:59:59+02:00', { recurrenceInterval: 2, recurrenceDaysOfMonth: [29, 30] }));
    assert.deepEqual(starts(r), ['2023-12-29 09:00', '2023-12-30 09:00', '2024-02-29 09:00', '2024-04-29 09:00', '2024-04-30 09:00']);
  });

  it('expand() returns one occurrence when the last day is the first day', () => {
    const r = rule(series('WEEKLY', '2025-03-03T09:00+01:00', '2025-03-03T23:59:59+01:00', { recurrenceDaysOfWeek: [2, 4, 5] }));
    assert.deepEqual(starts(r), ['2025-03-03 09:00']);
  });
});

describe('a start date that is not one of the chosen days (issue 11, item 9a)', () => {
  it('expand() starts a weekly series that starts on a Saturday, on Monday and Wednesday, on the Monday after', () => {
    const r = rule(series('WEEKLY', '2025-03-08T09:00+01:00', '2025-03-20T23:59:59+01:00', { recurrenceDaysOfWeek: [2, 4] })); // a Saturday
    assert.deepEqual(starts(r), ['2025-03-10 09:00', '2025-03-12 09:00', '2025-03-17 09:00', '2025-03-19 09:00']);
    assert.equal(r.firstStart, at('2025-03-10T09:00+01:00'), 'recurrenceStartTime reads back as the first occurrence');
    assert.deepEqual(r.daysOfWeek, [2, 4]);
  });

  it('expand() counts the weeks of an every-2-weeks series from the week of its first occurrence', () => {
    const r = rule(series('WEEKLY', '2025-03-08T09:00+01:00', '2025-04-02T23:59:59+02:00', { recurrenceInterval: 2, recurrenceDaysOfWeek: [2, 4] }));
    assert.deepEqual(starts(r), ['2025-03-10 09:00', '2025-03-12 09:00', '2025-03-24 09:00', '2025-03-26 09:00']);
  });

  it('expand() keeps the wall-clock time when the first chosen day is after a DST change', () => {
    // Saturday 29 March 2025, 09:00 CET; Berlin changes to CEST on the Sunday: the Monday is 09:00 CEST.
    const r = rule(series('WEEKLY', '2025-03-29T09:00+01:00', '2025-04-08T23:59:59+02:00', { recurrenceDaysOfWeek: [2] }));
    assert.deepEqual(starts(r), ['2025-03-31 09:00', '2025-04-07 09:00']);
    assert.equal(r.firstStart, at('2025-03-31T09:00+02:00'));
    assert.equal(expand(r, { maxOccurrences: 10 })[0]!.end, at('2025-03-31T10:00+02:00'), 'the duration is kept');
  });

  it('expand() starts a monthly series on the first chosen day of the month on or after the start date', () => {
    const r = rule(series('MONTHLY', '2025-03-15T09:00+01:00', '2025-05-31T23:59:59+02:00', { recurrenceDaysOfMonth: [1, 31] }));
    assert.deepEqual(starts(r), ['2025-03-31 09:00', '2025-04-01 09:00', '2025-05-01 09:00', '2025-05-31 09:00']);
    assert.equal(r.firstStart, at('2025-03-31T09:00+02:00'));
  });

  it('expand() skips months without the chosen day to find the first one (31 January, day 30 → 30 March)', () => {
    const r = rule(series('MONTHLY', '2025-01-31T09:00+01:00', '2025-04-30T23:59:59+02:00', { recurrenceDaysOfMonth: [30] }));
    assert.deepEqual(starts(r), ['2025-03-30 09:00', '2025-04-30 09:00']);
  });

  it('normaliseRecurrence() refuses a series whose first chosen day is after its last day, naming recurrenceEndDay', () => {
    rejects(series('WEEKLY', '2025-03-08T09:00+01:00', '2025-03-09T23:59:59+01:00', { recurrenceDaysOfWeek: [2, 4] }), 'recurrenceEndDay');
  });

  it('toICalendarRule() writes the first occurrence as DTSTART, so the file agrees with the rule (RFC 5545 §3.8.5.3)', () => {
    const r = rule(series('WEEKLY', '2025-03-08T09:00+01:00', '2025-03-20T23:59:59+01:00', { recurrenceDaysOfWeek: [2, 4] }));
    assert.equal(toICalendarRule(r, { maxOccurrences: 10 })[0], 'DTSTART;TZID=Europe/Berlin:20250310T090000');
  });

  it('normaliseRecurrence() leaves a start date that is a chosen day alone (what every FRTC app sends, §4.1)', () => {
    const r = rule(series('WEEKLY', '2025-03-05T15:30+01:00', '2025-03-20T23:59:59+01:00', { recurrenceDaysOfWeek: [2, 4] })); // a Wednesday
    assert.equal(r.firstStart, at('2025-03-05T15:30+01:00'));
    assert.deepEqual(starts(r), ['2025-03-05 15:30', '2025-03-10 15:30', '2025-03-12 15:30', '2025-03-17 15:30', '2025-03-19 15:30']);
  });
});

describe('expand() cap', () => {
  const tenYears = rule(series('DAILY', '2025-01-01T09:00+01:00', '2035-01-01T23:59:59+01:00'));

  it('expand() returns a series of exactly the cap', () => {
    assert.equal(expand(tenYears, { maxOccurrences: 3653 }).length, 3653);
  });

  it('expand() refuses a series above the cap with input.invalid naming its size and the limit', () => {
    assert.throws(
      () => expand(tenYears, { maxOccurrences: 1000 }),
      (e: unknown) =>
        e instanceof DomainError &&
        e.kind === 'input.invalid' &&
        e.message.startsWith('recurrenceEndDay: ') &&
        e.message.includes('3653 occurrences') &&
        e.message.includes('at most 1000'),
    );
  });

  it('expand() bounds the work for an end day millennia away and says "more than"', () => {
    const far = rule(series('DAILY', '2025-01-01T09:00+01:00', '9998-12-31T23:59:59+01:00'));
    assert.throws(() => expand(far, { maxOccurrences: 100 }), /more than 400 occurrences; at most 100/);
  });
});

describe('toICalendarRule()', () => {
  it('toICalendarRule() writes DTSTART in the zone and RRULE with the days, week start and UNTIL in UTC', () => {
    const r = rule(series('WEEKLY', '2025-03-03T10:00+01:00', '2025-04-16T23:59:59+02:00', { recurrenceInterval: 2, recurrenceDaysOfWeek: [4, 2] }));
    assert.deepEqual(toICalendarRule(r, { maxOccurrences: 100 }), [
      'DTSTART;TZID=Europe/Berlin:20250303T100000',
      'RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;WKST=MO;UNTIL=20250416T215959Z',
    ]);
  });

  it('toICalendarRule() writes BYMONTHDAY for a monthly rule', () => {
    const r = rule(series('MONTHLY', '2025-01-31T09:00-05:00', '2025-12-31T23:59:59-05:00', { recurrenceDaysOfMonth: [15, 31] }), NEW_YORK);
    assert.deepEqual(toICalendarRule(r, { maxOccurrences: 100 }), [
      'DTSTART;TZID=America/New_York:20250131T090000',
      'RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15,31;UNTIL=20260101T045959Z',
    ]);
  });

  it('toICalendarRule() lists occurrences moved out of a spring-forward gap as RDATE, since RFC 5545 readers drop them', () => {
    const r = rule(series('DAILY', '2025-03-29T02:30+01:00', '2025-03-31T23:45+02:00'));
    assert.deepEqual(toICalendarRule(r, { maxOccurrences: 10 }), [
      'DTSTART;TZID=Europe/Berlin:20250329T023000',
      'RRULE:FREQ=DAILY;INTERVAL=1;UNTIL=20250331T215959Z',
      'RDATE;TZID=Europe/Berlin:20250330T033000',
    ]);
  });
});

describe('wallClockToInstants()', () => {
  it('wallClockToInstants() agrees with Temporal for every quarter hour around the transitions of several zones', () => {
    // Southern hemisphere, a 30-minute DST, changes at midnight, no DST, and a zone that dropped DST in 2011.
    const zones = [BERLIN, NEW_YORK, 'Australia/Sydney', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', 'Europe/Moscow'];
    const from = Date.UTC(2010, 0, 1);
    const to = Date.UTC(2012, 0, 1);
    for (const zone of zones) {
      const walls = new Set<number>();
      for (let w = from + 12 * HOUR; w < to; w += 24 * HOUR) walls.add(w); // noon every day
      let t = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(zone).getTimeZoneTransition('next');
      for (; t && t.epochMilliseconds < to; t = t.getTimeZoneTransition('next')) {
        const wall = t.toPlainDateTime().toZonedDateTime('UTC').epochMilliseconds;
        for (let w = wall - 6 * HOUR; w <= wall + 6 * HOUR; w += 15 * 60_000) walls.add(w - (w % (15 * 60_000)));
      }
      const sorted = [...walls].sort((a, b) => a - b);
      const { instants } = wallClockToInstants(sorted, zone);
      sorted.forEach((w, i) => {
        const expected = Temporal.Instant.fromEpochMilliseconds(w)
          .toZonedDateTimeISO('UTC')
          .toPlainDateTime()
          .toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;
        if (instants[i] !== expected) assert.fail(`${zone} ${new Date(w).toISOString()}: ${instants[i]} ≠ ${expected}`);
      });
    }
  });
});

/**
 * The console's calendar arithmetic (web/console/recurrence.ts, time.ts) against the server's: the days the console
 * computes for "after N meetings" must be the server's occurrences of the series it then sends, and the wall-clock
 * times it sends must be the instants the server reads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expand } from '../../src/scheduling/occurrences.ts';
import { normaliseRecurrence } from '../../src/scheduling/recurrence-rule.ts';
import { firstDay, lastDayForCount, occurrenceDays, type Pattern } from '../../web/console/recurrence.ts';
import { dateOfDay, dayNumber, wallDate, wallTime, zonedEpoch } from '../../web/console/time.ts';

/** The server's occurrence dates (in `zone`) of the series the console would send for `count` meetings from `from`. */
function serverDates(pattern: Pattern, from: string, count: number, zone: string): string[] {
  const first = firstDay(pattern, dayNumber(from))!;
  const last = lastDayForCount(pattern, first, count)!;
  const start = zonedEpoch(dateOfDay(first), '09:00', zone);
  const rule = normaliseRecurrence(
    {
      recurrence_type: pattern.frequency,
      recurrenceInterval: pattern.interval,
      recurrenceStartTime: start,
      recurrenceEndTime: start + 3_600_000,
      recurrenceStartDay: zonedEpoch(dateOfDay(first), '00:00', zone),
      recurrenceEndDay: zonedEpoch(dateOfDay(last), '23:59', zone),
      recurrenceDaysOfWeek: [...pattern.daysOfWeek],
      recurrenceDaysOfMonth: [...pattern.daysOfMonth],
      time_zone: zone,
    },
    'UTC',
  );
  return expand(rule, { maxOccurrences: 5000 }).map((o) => `${wallDate(o.start, zone)} ${wallTime(o.start, zone)}`);
}

const consoleDates = (pattern: Pattern, from: string, count: number) =>
  occurrenceDays(pattern, firstDay(pattern, dayNumber(from))!, count).map((d) => `${dateOfDay(d)} 09:00`);

describe('console series arithmetic agrees with the server', () => {
  const cases: [string, Pattern, string][] = [
    ['every 3 days', { frequency: 'DAILY', interval: 3, daysOfWeek: [], daysOfMonth: [] }, '2030-02-26'],
    ['weekly on Monday and Wednesday, from a Thursday', { frequency: 'WEEKLY', interval: 1, daysOfWeek: [2, 4], daysOfMonth: [] }, '2030-01-03'],
    ['every 2 weeks on Tuesday and Sunday (weeks start on Monday)', { frequency: 'WEEKLY', interval: 2, daysOfWeek: [1, 3], daysOfMonth: [] }, '2030-01-01'],
    ['monthly on the 15th and 31st (months without a 31st skip it)', { frequency: 'MONTHLY', interval: 1, daysOfWeek: [], daysOfMonth: [15, 31] }, '2030-01-20'],
    ['every 2 months on the 30th, across February', { frequency: 'MONTHLY', interval: 2, daysOfWeek: [], daysOfMonth: [30] }, '2029-12-01'],
  ];
  for (const [name, pattern, from] of cases) {
    it(`${name}: the same 12 meetings, the last one on the day sent`, () => {
      for (const zone of ['Asia/Shanghai', 'America/New_York', 'Europe/Berlin']) {
        const expected = consoleDates(pattern, from, 12);
        assert.equal(expected.length, 12);
        assert.deepEqual(serverDates(pattern, from, 12, zone), expected, zone);
      }
    });
  }

  it('finds no first day when none is chosen, and no last day a century away', () => {
    assert.equal(firstDay({ frequency: 'WEEKLY', interval: 1, daysOfWeek: [], daysOfMonth: [] }, dayNumber('2030-01-01')), undefined);
    assert.equal(lastDayForCount({ frequency: 'MONTHLY', interval: 99, daysOfWeek: [], daysOfMonth: [1] }, dayNumber('2030-01-01'), 20), undefined);
  });
});

describe('zonedEpoch(): wall-clock time in a zone', () => {
  it('reads an ordinary time in the zone', () => {
    assert.equal(zonedEpoch('2030-01-07', '09:00', 'Asia/Shanghai'), Date.UTC(2030, 0, 7, 1, 0));
    assert.equal(zonedEpoch('2030-07-01', '09:00', 'America/New_York'), Date.UTC(2030, 6, 1, 13, 0));
  });

  it('moves a time skipped by the spring-forward change past the gap, as the server does', () => {
    // Europe/Berlin, 31 March 2030: 02:00 → 03:00. 02:30 does not exist; 03:30 CEST = 01:30 UTC.
    assert.equal(zonedEpoch('2030-03-31', '02:30', 'Europe/Berlin'), Date.UTC(2030, 2, 31, 1, 30));
  });

  it('takes the first of a repeated hour after the fall-back change', () => {
    // Europe/Berlin, 27 October 2030: 03:00 → 02:00; 02:30 happens at 00:30 and 01:30 UTC.
    assert.equal(zonedEpoch('2030-10-27', '02:30', 'Europe/Berlin'), Date.UTC(2030, 9, 27, 0, 30));
  });
});

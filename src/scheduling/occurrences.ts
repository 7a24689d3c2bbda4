/**
 * Occurrence expansion of a RecurrenceRule, and its iCalendar form.
 *
 * rrule-temporal runs on "floating" wall-clock times (the local date and time read as if in UTC): recurrence is
 * calendar arithmetic on local dates, and UTC is the library's fastest path. Each wall-clock time is then placed in the
 * rule's zone, so a 09:00 series stays 09:00 across DST changes. Doing the zone step ourselves (rather than passing the
 * zone to rrule-temporal) keeps occurrences whose time falls in a spring-forward gap: RFC 5545 §3.3.10 drops them,
 * which would silently cancel a meeting; we move them forward by the gap (02:30 → 03:30, as §3.3.5 reads an explicit
 * nonexistent time) and list them as RDATEs in the export.
 */
import { RRuleTemporal } from 'rrule-temporal';
import { Temporal } from 'temporal-polyfill';
import { DomainError } from '../kernel/domain-error.ts';
import type { RecurrenceRule } from './recurrence-rule.ts';
import {
  icalLocal,
  icalUtc,
  localDateTime,
  nextDay,
  startOfDay,
  wallClockToInstants,
} from './zoned-time.ts';

export interface Occurrence {
  readonly start: number;
  readonly end: number;
}

export interface ExpandOptions {
  /** The configured per-series cap; more occurrences than this is a client error. */
  readonly maxOccurrences: number;
}

const BYDAY = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const; // index = FRTC day − 1 (1 = Sunday)

/** Weeks start on Monday (the RFC 5545 default, and ISO): it only matters for WEEKLY with an interval ≥ 2. */
const WEEK_START = 'MO';

/**
 * To name the size of an over-long series the error counts on, but only up to this multiple of the cap (bounded work
 * for an end day millennia away); beyond it the message says "more than".
 */
const COUNT_REPORT_FACTOR = 4;

/** The wall-clock start times (as UTC epoch ms) of the first `limit` occurrences at most. */
function wallStarts(rule: RecurrenceRule, limit: number): number[] {
  const dtstart = localDateTime(rule.firstStart, rule.timeZone).toZonedDateTime('UTC');
  const until = Temporal.PlainDate.from(rule.lastDay).toPlainDateTime({ hour: 23, minute: 59, second: 59, millisecond: 999 });
  const rrule = new RRuleTemporal({
    freq: rule.frequency,
    interval: rule.interval,
    wkst: WEEK_START,
    ...(rule.frequency === 'WEEKLY' ? { byDay: rule.daysOfWeek.map((d) => BYDAY[d - 1] as string) } : {}),
    ...(rule.frequency === 'MONTHLY' ? { byMonthDay: [...rule.daysOfMonth] } : {}),
    dtstart,
    until: until.toZonedDateTime('UTC'),
    // COUNT bounds the work for far-away end days (RFC 5545 forbids COUNT with UNTIL; the library accepts both and
    // stops at whichever comes first). Its iteration guard (default 10,000 periods, i.e. 27 years daily) throws, so
    // it is sized to the count. The emptiest rule is 29 February every 12 months: 303 of every 400 periods have no
    // occurrence (leap years, Gregorian centuries), so `limit` occurrences need up to ~4.13 × limit periods.
    count: limit,
    maxIterations: 5 * limit + 16,
    cache: false,
  });
  // Never pass all() an iterator callback: it leaves the library's numeric fast path and is ~50× slower.
  return rrule.all().map((z) => z.epochMilliseconds);
}

interface Expansion {
  occurrences: Occurrence[];
  shifted: boolean[];
}

function expandDetailed(rule: RecurrenceRule, { maxOccurrences }: ExpandOptions): Expansion {
  if (!Number.isSafeInteger(maxOccurrences) || maxOccurrences < 1) throw new RangeError(`maxOccurrences: ${maxOccurrences}`);
  const walls = wallStarts(rule, maxOccurrences + 1);
  if (walls.length > maxOccurrences) {
    const ceiling = maxOccurrences * COUNT_REPORT_FACTOR;
    const total = wallStarts(rule, ceiling + 1).length;
    const size = total > ceiling ? `more than ${ceiling}` : String(total);
    throw new DomainError(
      'input.invalid',
      `recurrenceEndDay: the series would have ${size} occurrences; at most ${maxOccurrences} are allowed (choose an earlier end day or a longer interval)`,
    );
  }
  const { instants, shifted } = wallClockToInstants(walls, rule.timeZone);
  // The first start is the client's exact instant, which matters in a repeated hour where the wall clock is ambiguous.
  if (instants.length > 0) instants[0] = rule.firstStart;
  return { occurrences: instants.map((start) => ({ start, end: start + rule.duration })), shifted };
}

/** Every occurrence of the series, ascending; throws DomainError('input.invalid') above `maxOccurrences`. */
export function expand(rule: RecurrenceRule, options: ExpandOptions): Occurrence[] {
  return expandDetailed(rule, options).occurrences;
}

/**
 * The iCalendar lines that describe the series: DTSTART with TZID, RRULE (UNTIL in UTC as RFC 5545 requires with a
 * TZID start), and an RDATE for each occurrence moved out of a spring-forward gap (see the file comment). The caller
 * adds the VTIMEZONE for `rule.timeZone`, DTEND or DURATION, and EXDATE/RECURRENCE-ID for edited occurrences.
 */
export function toICalendarRule(rule: RecurrenceRule, options: ExpandOptions & { before?: number }): string[] {
  const parts = [`FREQ=${rule.frequency}`, `INTERVAL=${rule.interval}`];
  if (rule.frequency === 'WEEKLY') parts.push(`BYDAY=${rule.daysOfWeek.map((d) => BYDAY[d - 1]).join(',')}`, `WKST=${WEEK_START}`);
  if (rule.frequency === 'MONTHLY') parts.push(`BYMONTHDAY=${rule.daysOfMonth.join(',')}`);
  // `before` ends the rule early (the calendar export cuts a series it cannot describe in full, icalendar.ts).
  const until = Math.min(startOfDay(nextDay(rule.lastDay), rule.timeZone), options.before ?? Infinity) - 1000;
  parts.push(`UNTIL=${icalUtc(until)}`);
  const lines = [`DTSTART;TZID=${rule.timeZone}:${icalLocal(localDateTime(rule.firstStart, rule.timeZone))}`, `RRULE:${parts.join(';')}`];
  const { occurrences, shifted } = expandDetailed(rule, options);
  const moved = occurrences
    .filter((o, i) => shifted[i] && i > 0 && o.start <= until)
    .map((o) => icalLocal(localDateTime(o.start, rule.timeZone)));
  if (moved.length > 0) lines.push(`RDATE;TZID=${rule.timeZone}:${moved.join(',')}`);
  return lines;
}

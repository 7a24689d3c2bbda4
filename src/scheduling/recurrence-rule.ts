/**
 * RecurrenceRule: how a series repeats, in our own terms, and the one function that turns the FRTC recurrence fields
 * (client contract §4.1) into it. Clients send no time zone and fill the day fields inconsistently; this is the only
 * place that knows those encodings.
 */
import { DomainError } from '../kernel/domain-error.ts';
import {
  canonicalTimeZone,
  DAY_MS,
  dayOfMonth,
  firstMatchingDay,
  frtcWeekday,
  isStartOfDay,
  localDate,
  type LocalDate,
  sameWallTimeOn,
} from './zoned-time.ts';

export const FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

export const MAX_INTERVAL = 99; // what the Linux client offers; larger values are typing errors, not plans

export interface RecurrenceRule {
  readonly frequency: Frequency;
  /** Every `interval` days/weeks/months, 1–99. */
  readonly interval: number;
  /** IANA zone whose wall clock the series follows. */
  readonly timeZone: string;
  /**
   * Epoch ms of the first occurrence's start (recurrenceStartTime); its local time of day is the template. Always on
   * one of the chosen days: a start date that is not one is moved to the first chosen day after it.
   */
  readonly firstStart: number;
  /** Length of every occurrence in ms (recurrenceEndTime − recurrenceStartTime). */
  readonly duration: number;
  /** Last local calendar day on which an occurrence may start, inclusive. */
  readonly lastDay: LocalDate;
  /** WEEKLY: 1 = Sunday … 7 = Saturday, ascending, never empty (the start date's weekday when none was sent); otherwise []. */
  readonly daysOfWeek: readonly number[];
  /** MONTHLY: 1–31 ascending, never empty (the start date's day when none was sent); months without a listed day skip it. Otherwise []. */
  readonly daysOfMonth: readonly number[];
}

/**
 * The recurrence fields of a create or edit-series body after the HTTP layer's liberal coercion (numeric strings are
 * numbers by now). Keys are the FRTC names so that error messages name what the client sent.
 */
export interface RecurrenceFields {
  recurrence_type?: string | null;
  recurrenceInterval?: number | null;
  recurrenceStartTime?: number | null;
  recurrenceEndTime?: number | null;
  recurrenceStartDay?: number | null;
  recurrenceEndDay?: number | null;
  recurrenceDaysOfWeek?: readonly number[] | null;
  recurrenceDaysOfMonth?: readonly number[] | null;
  /** Convene extension: the zone to expand in; absent → the configured default. */
  time_zone?: string | null;
  /** Every client sends recurrenceStartTime/EndTime equal to these; used only when those are missing. */
  schedule_start_time?: number | null;
  schedule_end_time?: number | null;
}

const invalid = (field: string, message: string): DomainError => new DomainError('input.invalid', `${field}: ${message}`);

/** Before 9999-01-01 UTC, so that every local date and iCalendar UNTIL derived from a time has four-digit years. */
const LATEST = Date.UTC(9999, 0, 1);

/** Epoch ms accepted as a meeting time. 0 is A's "unset" placeholder (§4.1), read as absent. */
function instant(field: string, value: number | null | undefined): number | undefined {
  if (value === undefined || value === null || value === 0) return undefined;
  if (!Number.isSafeInteger(value) || value < 0 || value >= LATEST) {
    throw invalid(field, 'must be a time in epoch milliseconds between 1970 and 9999');
  }
  return value;
}

/** The chosen days, ascending; none sent means the start date's (`first`). */
function dayList(field: string, values: readonly number[] | null | undefined, max: number, first: number): number[] {
  const days = new Set<number>();
  for (const d of values ?? []) {
    if (!Number.isInteger(d) || d < 1 || d > max) {
      throw invalid(field, max === 7 ? `${String(d)} is not a day of the week (1 = Sunday … 7 = Saturday)` : `${String(d)} is not a day of the month (1–31)`);
    }
    days.add(d);
  }
  if (days.size === 0) days.add(first);
  return [...days].sort((a, b) => a - b);
}

/**
 * Longest wait from a date to the next date holding one chosen day: a week for weekdays; for month days, e.g. from
 * 31 January to 31 March (day 31 only, February has none) or 30 January to 29 March in a common year.
 */
const MAX_DAYS_TO_FIRST = { WEEKLY: 6, MONTHLY: 62 } as const;

/**
 * The first day of the series: the start date when it is one of the chosen days, else the first chosen day after it
 * (what Outlook and Zoom do; the FRTC apps always choose the start date's weekday or day, §4.1, but other callers may
 * not). DAILY series start on their start date.
 */
function firstChosenDay(frequency: Frequency, date: LocalDate, daysOfWeek: readonly number[], daysOfMonth: readonly number[]): LocalDate {
  if (frequency === 'DAILY') return date;
  const found =
    frequency === 'WEEKLY'
      ? firstMatchingDay(date, MAX_DAYS_TO_FIRST.WEEKLY, (weekday) => daysOfWeek.includes(weekday))
      : firstMatchingDay(date, MAX_DAYS_TO_FIRST.MONTHLY, (_, day) => daysOfMonth.includes(day));
  // Unreachable with valid day lists (every weekday recurs within 7 days, every month day 1–31 within 62).
  if (found === undefined) throw new Error(`no chosen day within ${MAX_DAYS_TO_FIRST[frequency]} days of ${date}`);
  return found;
}

/**
 * The last day of the series from recurrenceEndDay, which clients encode as a late instant of that day in their own
 * zone: L 23:45, M and W 23:59:59, A local midnight + 24 h − 1 s, I any instant of the day. All but one land on the
 * day itself; A's "+24 h − 1 s" spills to 00:59:59 of the next day when the end day is a 23-hour spring-forward day,
 * so an instant exactly 24 h − 1 s after a local midnight belongs to that midnight's day.
 * Known limit: a client west of the server's zone sends an instant that is already the next day there (the server
 * cannot know the client's zone); clients can send `time_zone` to avoid it.
 */
export function lastDayOf(endDay: number, zone: string): LocalDate {
  const midnight = endDay + 1000 - DAY_MS;
  return isStartOfDay(midnight, zone) ? localDate(midnight, zone) : localDate(endDay, zone);
}

export function normaliseRecurrence(fields: RecurrenceFields, defaultTimeZone: string): RecurrenceRule {
  const type = fields.recurrence_type;
  if (!FREQUENCIES.includes(type as Frequency)) {
    throw invalid('recurrence_type', `must be one of ${FREQUENCIES.map((f) => `"${f}"`).join(', ')}`);
  }
  const frequency = type as Frequency;

  const rawZone = fields.time_zone || defaultTimeZone; // "" is how some clients say "not set"
  const timeZone = canonicalTimeZone(rawZone);
  if (!timeZone) throw invalid('time_zone', `"${rawZone}" is not an IANA time zone name such as "Europe/Berlin"`);

  const interval = fields.recurrenceInterval ?? 1;
  if (!Number.isInteger(interval) || interval < 1 || interval > MAX_INTERVAL) {
    throw invalid('recurrenceInterval', `must be a whole number from 1 to ${MAX_INTERVAL}`);
  }

  const start = instant('recurrenceStartTime', fields.recurrenceStartTime) ?? instant('schedule_start_time', fields.schedule_start_time);
  if (start === undefined) throw invalid('recurrenceStartTime', 'is required');
  const end = instant('recurrenceEndTime', fields.recurrenceEndTime) ?? instant('schedule_end_time', fields.schedule_end_time);
  if (end === undefined) throw invalid('recurrenceEndTime', 'is required');
  const duration = end - start;
  if (duration <= 0) throw invalid('recurrenceEndTime', 'must be after recurrenceStartTime');
  if (duration >= DAY_MS) throw invalid('recurrenceEndTime', 'must be less than 24 hours after recurrenceStartTime');

  // recurrenceStartDay is either recurrenceStartTime itself (L, I) or the client's local midnight of that date (A, M,
  // W), so it adds nothing; both values come from the client's clock, so this check holds whatever its zone is.
  const startDay = instant('recurrenceStartDay', fields.recurrenceStartDay);
  if (startDay !== undefined && (startDay > start || start - startDay >= DAY_MS + 3_600_000)) {
    throw invalid('recurrenceStartDay', 'must be the day of recurrenceStartTime (its local midnight or the same instant)');
  }

  const endDay = instant('recurrenceEndDay', fields.recurrenceEndDay);
  if (endDay === undefined) throw invalid('recurrenceEndDay', 'is required');
  const startDate = localDate(start, timeZone);
  const lastDay = lastDayOf(endDay, timeZone);
  if (lastDay < startDate) throw invalid('recurrenceEndDay', `must not be before the first day ${startDate} (${lastDay} in ${timeZone})`);

  // Only the array matching the type counts: M sends both (the other empty), W sends null for the other.
  const daysOfWeek = frequency === 'WEEKLY' ? dayList('recurrenceDaysOfWeek', fields.recurrenceDaysOfWeek, 7, frtcWeekday(startDate)) : [];
  const daysOfMonth = frequency === 'MONTHLY' ? dayList('recurrenceDaysOfMonth', fields.recurrenceDaysOfMonth, 31, dayOfMonth(startDate)) : [];

  // The first occurrence is on the first chosen day, at the start's time of day (recurrenceStartTime then reads back
  // as that occurrence, and the iCalendar DTSTART matches the rule as RFC 5545 asks). Known limit: when that time does
  // not exist on the moved-to day (a spring-forward gap), the series follows the pushed-forward time.
  const firstDay = firstChosenDay(frequency, startDate, daysOfWeek, daysOfMonth);
  if (lastDay < firstDay) {
    throw invalid('recurrenceEndDay', `the first chosen day is ${firstDay}, after the last day ${lastDay} (in ${timeZone}): the series would have no occurrence`);
  }
  const firstStart = firstDay === startDate ? start : sameWallTimeOn(start, firstDay, timeZone);

  return { frequency, interval, timeZone, firstStart, duration, lastDay, daysOfWeek, daysOfMonth };
}

/**
 * The recurrence form's calendar arithmetic, on plain day numbers (days since 1970-01-01), following the server's
 * rule (src/scheduling/occurrences.ts): every `interval` days, weeks (weeks start on Monday) or months, on the chosen
 * weekdays (FRTC 1 = Sunday … 7 = Saturday) or days of the month (months without the day skip it).
 *
 * The FRTC model ends a series on a day, not after a count, and always includes the first day's weekday or date. So
 * the console moves the first occurrence to the first chosen day on or after the chosen start date (as calendars do),
 * and turns "after N occurrences" into the day of the N-th.
 */
export type Frequency = 'DAILY' | 'WEEKLY' | 'MONTHLY';

export interface Pattern {
  frequency: Frequency;
  /** 1–99 */
  interval: number;
  /** WEEKLY: FRTC weekdays. */
  daysOfWeek: readonly number[];
  /** MONTHLY: 1–31. */
  daysOfMonth: readonly number[];
}

/** Most days looked at for one answer: 100 years, far beyond any series the server accepts. */
const SEARCH_DAYS = 36_600;

const civil = (day: number) => {
  const t = new Date(day * 86_400_000);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth(), d: t.getUTCDate(), weekday: t.getUTCDay() + 1 };
};

/** Monday-based week index (1970-01-01 was a Thursday). */
const week = (day: number) => Math.floor((day + 3) / 7);

/** Whether `day` is an occurrence day of a series whose first occurrence is on `first`. */
export function occursOn(pattern: Pattern, first: number, day: number): boolean {
  if (day < first) return false;
  const interval = Math.max(1, pattern.interval);
  switch (pattern.frequency) {
    case 'DAILY':
      return (day - first) % interval === 0;
    case 'WEEKLY':
      return (week(day) - week(first)) % interval === 0 && pattern.daysOfWeek.includes(civil(day).weekday);
    case 'MONTHLY': {
      const a = civil(first);
      const b = civil(day);
      return (b.y * 12 + b.m - (a.y * 12 + a.m)) % interval === 0 && pattern.daysOfMonth.includes(b.d);
    }
  }
}

/** Whether `day` matches the chosen weekdays or month days (the interval does not matter for the first day). */
function matchesDays(pattern: Pattern, day: number): boolean {
  if (pattern.frequency === 'WEEKLY') return pattern.daysOfWeek.includes(civil(day).weekday);
  if (pattern.frequency === 'MONTHLY') return pattern.daysOfMonth.includes(civil(day).d);
  return true;
}

/** The first occurrence day on or after `from`; undefined when no day is chosen. */
export function firstDay(pattern: Pattern, from: number): number | undefined {
  for (let day = from; day < from + SEARCH_DAYS; day++) if (matchesDays(pattern, day)) return day;
  return undefined;
}

/** The first `count` occurrence days (fewer when they lie more than a century away). */
export function occurrenceDays(pattern: Pattern, first: number, count: number): number[] {
  const days: number[] = [];
  for (let day = first; days.length < count && day < first + SEARCH_DAYS; day++) if (occursOn(pattern, first, day)) days.push(day);
  return days;
}

/** The day of the `count`-th occurrence, the series' last day; undefined when there is no such day. */
export function lastDayForCount(pattern: Pattern, first: number, count: number): number | undefined {
  const days = occurrenceDays(pattern, first, count);
  return days.length === count ? days[count - 1] : undefined;
}

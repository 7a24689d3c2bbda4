/**
 * Wall-clock arithmetic in an IANA zone, kept in one file so the rest of scheduling deals in epoch ms and
 * 'YYYY-MM-DD' strings. Node 20 has no global Temporal; `temporal-polyfill` is imported as a module (never installed
 * on globalThis) so nothing else in the process changes behaviour. Nothing here reads the machine's TZ.
 */
import { Temporal } from 'temporal-polyfill';

export const DAY_MS = 86_400_000;

/** A local calendar date, 'YYYY-MM-DD'. */
export type LocalDate = string;

const zoned = (epochMs: number, zone: string): Temporal.ZonedDateTime =>
  Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone);

/** The zone's canonical spelling ('europe/berlin' → 'Europe/Berlin'), or undefined if it is not a named zone. */
export function canonicalTimeZone(zone: string): string | undefined {
  // Offset strings ('+01:00') are valid Temporal zones but not IANA names: a calendar export needs a named zone.
  if (!/^[A-Za-z]/.test(zone)) return undefined;
  try {
    return Temporal.ZonedDateTime.from({ year: 2000, month: 1, day: 1, timeZone: zone }).timeZoneId;
  } catch {
    return undefined;
  }
}

export const localDate = (epochMs: number, zone: string): LocalDate => zoned(epochMs, zone).toPlainDate().toString();

export const localDateTime = (epochMs: number, zone: string): Temporal.PlainDateTime =>
  zoned(epochMs, zone).toPlainDateTime();

/** Day of the week in FRTC numbering: 1 = Sunday … 7 = Saturday. */
export const frtcWeekday = (date: LocalDate): number => (Temporal.PlainDate.from(date).dayOfWeek % 7) + 1;

export const dayOfMonth = (date: LocalDate): number => Temporal.PlainDate.from(date).day;

/** The instant the date begins in the zone (not always 00:00: some zones skip midnight on DST days). */
export const startOfDay = (date: LocalDate, zone: string): number =>
  Temporal.PlainDate.from(date).toZonedDateTime(zone).epochMilliseconds;

export const nextDay = (date: LocalDate): LocalDate => Temporal.PlainDate.from(date).add({ days: 1 }).toString();

/**
 * The first date on or after `date` that `matches` (day of the week 1 = Sunday … 7 = Saturday, day of the month),
 * looking at most `maxDays` ahead; undefined when none does.
 */
export function firstMatchingDay(date: LocalDate, maxDays: number, matches: (weekday: number, day: number) => boolean): LocalDate | undefined {
  let d = Temporal.PlainDate.from(date);
  for (let i = 0; i <= maxDays; i++, d = d.add({ days: 1 })) {
    if (matches((d.dayOfWeek % 7) + 1, d.day)) return d.toString();
  }
  return undefined;
}

/**
 * The instant of `epochMs`'s wall-clock time of day on another date in the zone. A time that does not exist on that
 * date (a spring-forward gap) is pushed forward by the gap, as everywhere else in scheduling.
 */
export const sameWallTimeOn = (epochMs: number, date: LocalDate, zone: string): number =>
  Temporal.PlainDate.from(date).toPlainDateTime(zoned(epochMs, zone).toPlainTime()).toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;

export const isStartOfDay = (epochMs: number, zone: string): boolean =>
  zoned(epochMs, zone).startOfDay().epochMilliseconds === epochMs;

/** Offset changes of a zone: at `at` (epoch ms) the offset goes from `before` to `after` (ms east of UTC). */
interface Transition {
  at: number;
  before: number;
  after: number;
}

/**
 * Resolves ascending wall-clock times (given as epoch ms of the same fields read as UTC) to instants in `zone`, the
 * way Temporal's 'compatible' disambiguation does (RFC 5545 §3.3.5): a repeated hour takes its first instant, a
 * skipped hour is pushed forward by the gap (02:30 on a spring-forward night → 03:30). Converting each time through
 * the polyfill costs ~30–80 µs; this asks it only for the few transitions in range and does the rest with integers.
 * `shifted[i]` is true when the wall-clock time did not exist and was pushed forward.
 */
export function wallClockToInstants(walls: readonly number[], zone: string): { instants: number[]; shifted: boolean[] } {
  const instants: number[] = [];
  const shifted: boolean[] = [];
  const first = walls[0];
  const last = walls[walls.length - 1];
  if (first === undefined || last === undefined) return { instants, shifted };
  // Offsets are within ±1 day, so transitions between (first − 2 days) and (last + 2 days) cover every candidate.
  const origin = zoned(first - 2 * DAY_MS, zone);
  const transitions: Transition[] = [];
  for (let t = origin.getTimeZoneTransition('next'); t && t.epochMilliseconds <= last + 2 * DAY_MS; ) {
    const at = t.epochMilliseconds;
    transitions.push({ at, before: zoned(at - 1, zone).offsetNanoseconds / 1e6, after: t.offsetNanoseconds / 1e6 });
    t = t.getTimeZoneTransition('next');
  }
  const initial = origin.offsetNanoseconds / 1e6;
  let next = 0; // index of the first transition not yet reached by the wall-clock times
  for (const wall of walls) {
    for (let t = transitions[next]; t && wall >= t.at + Math.min(t.before, t.after); t = transitions[next]) next++;
    const t = transitions[next - 1];
    if (!t) {
      instants.push(wall - initial);
      shifted.push(false);
      continue;
    }
    const early = wall - t.before; // valid if it falls before the change (on a repeated hour: the first instant)
    const late = wall - t.after; // valid if it falls after the change
    const inGap = early >= t.at && late < t.at;
    instants.push(early < t.at || inGap ? early : late);
    shifted.push(inGap);
  }
  return { instants, shifted };
}

/** 'YYYYMMDDTHHMMSS' of a wall-clock time, as iCalendar writes local DATE-TIME values. */
export function icalLocal(dateTime: Temporal.PlainDateTime): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const d = dateTime;
  return `${p(d.year, 4)}${p(d.month)}${p(d.day)}T${p(d.hour)}${p(d.minute)}${p(d.second)}`;
}

export const icalUtc = (epochMs: number): string => icalLocal(localDateTime(epochMs, 'UTC')) + 'Z';

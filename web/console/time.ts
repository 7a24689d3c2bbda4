/**
 * Wall-clock time in an IANA zone, with nothing but Intl: the console shows times in the browser's zone and lets a
 * series be defined in another (the zone it follows on the server). Dates are `YYYY-MM-DD`, times `HH:MM`.
 */

export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Every zone the browser knows, the browser's own first (Intl.supportedValuesOf exists in every target browser). */
export function timeZones(): string[] {
  const own = browserZone();
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [own, ...all.filter((z) => z !== own)];
}

const partsFormat = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of an instant in a zone. */
function wall(ms: number, zone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  let f = partsFormat.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsFormat.set(zone, f);
  }
  const v: Record<string, number> = {};
  for (const p of f.formatToParts(ms)) if (p.type !== 'literal') v[p.type] = Number(p.value);
  return { y: v.year!, mo: v.month!, d: v.day!, h: v.hour! % 24, mi: v.minute!, s: v.second! };
}

/** How far the zone's wall clock is ahead of UTC at this instant, in ms. */
function offset(ms: number, zone: string): number {
  const w = wall(ms, zone);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant at which the zone's clock shows `date` `time`. A time skipped by a daylight-saving change lands just
 * after the gap (as the server reads it); a repeated time gives its first instant.
 */
export function zonedEpoch(date: string, time: string, zone: string): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = time.split(':').map(Number) as [number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  // The zone's offsets a day before and after: a change of offset that day lies between them.
  const candidates = [asUtc - offset(asUtc - 86_400_000, zone), asUtc - offset(asUtc + 86_400_000, zone)];
  const exact = candidates.filter((ms) => ms + offset(ms, zone) === asUtc);
  // Shown twice (the repeated hour): the first. Never shown (the skipped hour): the instant under the earlier offset,
  // which the clock shows as the time moved forward by the gap.
  return exact.length > 0 ? Math.min(...exact) : Math.max(...candidates);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD` of the instant in the zone. */
export function wallDate(ms: number, zone: string): string {
  const w = wall(ms, zone);
  return `${w.y}-${pad(w.mo)}-${pad(w.d)}`;
}

/** `HH:MM` of the instant in the zone. */
export function wallTime(ms: number, zone: string): string {
  const w = wall(ms, zone);
  return `${pad(w.h)}:${pad(w.mi)}`;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date (calendar arithmetic, no zone). */
export function dayNumber(date: string): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  return Math.round(Date.UTC(y, mo - 1, d) / 86_400_000);
}

/** The `YYYY-MM-DD` date of a day number. */
export function dateOfDay(day: number): string {
  const t = new Date(day * 86_400_000);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** "Mon, 3 Mar 2025, 09:00 – 10:00" in the language and zone: the date once when both ends fall on the same day. */
export function formatRange(start: number, end: number, lang: string, zone = browserZone()): string {
  const f = new Intl.DateTimeFormat(lang, { timeZone: zone, weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return end > start ? f.formatRange(start, end) : f.format(start);
}

export function formatInstant(ms: number, lang: string, zone = browserZone()): string {
  return new Intl.DateTimeFormat(lang, { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

/** The short name of an FRTC weekday (1 = Sunday … 7 = Saturday) in the language. */
export function weekdayName(frtcDay: number, lang: string, style: 'short' | 'long' = 'short'): string {
  // 2023-01-01 was a Sunday.
  return new Intl.DateTimeFormat(lang, { weekday: style, timeZone: 'UTC' }).format(Date.UTC(2023, 0, frtcDay));
}

/** The zone's short name at an instant, e.g. "CET" or "GMT+8", for notes such as "09:00 in Europe/Berlin". */
export function zoneAbbreviation(ms: number, zone: string, lang: string): string {
  const part = new Intl.DateTimeFormat(lang, { timeZone: zone, timeZoneName: 'short' }).formatToParts(ms).find((p) => p.type === 'timeZoneName');
  return part?.value ?? zone;
}

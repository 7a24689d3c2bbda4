/**
 * iCalendar (RFC 5545) export of a meeting or a series: the invite people put in their calendar.
 *
 * A single meeting (or one occurrence opened by its own key) is one VEVENT in UTC. A series is one VEVENT carrying
 * the rule (DTSTART;TZID + RRULE + DURATION, from toICalendarRule) and a VTIMEZONE for the rule's zone, plus what
 * happened to single occurrences since: the stored occurrences are compared with a fresh expansion of the rule, and
 * an expected occurrence that is gone becomes an EXDATE, a stored one whose time, name or description differs becomes
 * an overriding VEVENT with RECURRENCE-ID, and a stored one that the current rule does not produce at all (an
 * occurrence kept from before an edit of the whole series) becomes a VEVENT of its own.
 */
import { Temporal } from 'temporal-polyfill';
import { DomainError } from '../kernel/domain-error.ts';
import type { Reservation, Series } from './meeting.ts';
import { expand, type Occurrence, toICalendarRule } from './occurrences.ts';
import { icalLocal, icalUtc, localDateTime } from './zoned-time.ts';

export interface CalendarContext {
  now: number;
  /** The meeting_url of a link key. */
  meetingUrl(key: string): string;
  /** host[:port] the apps connect to, shown next to the meeting number. */
  serverAddress: string;
  /** The per-series cap; a rule that now expands beyond it (the cap was lowered) is exported occurrence by occurrence. */
  maxOccurrences: number;
}

const CRLF = '\r\n';
const PRODID = '-//Convene//Convene meeting server//EN';

/** TEXT value escaping (§3.3.11): backslash, semicolon, comma, newlines; other control characters are dropped. */
export function escapeText(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/[\\;,]/g, (c) => `\\${c}`)
    .replace(/\n/g, '\\n');
}

const utf8Length = (codePoint: number): number => (codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4);

/** Folds a content line at 75 octets (§3.1), never inside a UTF-8 sequence; continuation lines start with a space. */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let size = 0;
  let limit = 75;
  for (const ch of line) {
    const n = utf8Length(ch.codePointAt(0)!);
    if (size + n > limit) {
      parts.push(current);
      current = '';
      size = 0;
      limit = 74; // the leading space of a continuation line counts
    }
    current += ch;
    size += n;
  }
  parts.push(current);
  return parts.join(`${CRLF} `);
}

const serialize = (lines: readonly string[]): string => lines.map(foldLine).join(CRLF) + CRLF;

const calendar = (components: readonly string[]): string[] => [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  `PRODID:${PRODID}`,
  'CALSCALE:GREGORIAN',
  'METHOD:PUBLISH',
  ...components,
  'END:VCALENDAR',
];

/** What a meeting's invite says: its description, then how to join. */
function description(r: Reservation, url: string, serverAddress: string): string {
  const join = [
    `Meeting number: ${r.meetingNumber}`,
    r.password === '' ? 'No meeting password' : `Meeting password: ${r.password}`,
    `Server: ${serverAddress}`,
    `Link: ${url}`,
  ].join('\n');
  return r.description.trim() === '' ? join : `${r.description}\n\n${join}`;
}

/** The properties every VEVENT of a meeting carries (UID and times are the caller's). */
function eventBody(r: Reservation, url: string, ctx: CalendarContext): string[] {
  return [
    `DTSTAMP:${icalUtc(ctx.now)}`,
    `CREATED:${icalUtc(r.createdAt)}`,
    `LAST-MODIFIED:${icalUtc(r.updatedAt)}`,
    `SUMMARY:${escapeText(r.name)}`,
    `DESCRIPTION:${escapeText(description(r, url, ctx.serverAddress))}`,
    `URL:${url}`,
    'STATUS:CONFIRMED',
    'TRANSP:OPAQUE',
  ];
}

const uid = (id: string) => `UID:${id}@convene`;

function standaloneEvent(r: Reservation, ctx: CalendarContext): string[] {
  const url = ctx.meetingUrl(r.infoKey);
  return ['BEGIN:VEVENT', uid(r.id), `DTSTART:${icalUtc(r.start)}`, `DTEND:${icalUtc(r.end)}`, ...eventBody(r, url, ctx), 'END:VEVENT'];
}

/** One meeting, or one occurrence opened by its own link. */
export function meetingCalendar(r: Reservation, ctx: CalendarContext): string {
  return serialize(calendar(standaloneEvent(r, ctx)));
}

// ---- series ----

/** ISO 8601 duration of whole seconds (DURATION is exact time, so an occurrence across a DST change keeps its length). */
export function icalDuration(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  const days = Math.floor(s / 86_400);
  s -= days * 86_400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const time = `${h ? `${h}H` : ''}${m ? `${m}M` : ''}${sec ? `${sec}S` : ''}`;
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : days ? '' : 'T0S'}`;
}

/** UTC offset as iCalendar writes it: +HHMM, or +HHMMSS when it has seconds. */
export function icalOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const total = Math.round(Math.abs(offsetMs) / 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${sign}${p(h)}${p(m)}${s ? p(s) : ''}`;
}

interface Transition {
  at: number;
  before: number;
  after: number;
}

const zoned = (epochMs: number, zone: string) => Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone);
const offsetAt = (epochMs: number, zone: string) => zoned(epochMs, zone).offsetNanoseconds / 1e6;

/** The offset changes of `zone` in (from, to], and the last one at or before `from` (the observance in effect then). */
export function zoneTransitions(zone: string, from: number, to: number): { initial?: Transition; within: Transition[] } {
  const transition = (t: Temporal.ZonedDateTime): Transition => ({
    at: t.epochMilliseconds,
    before: offsetAt(t.epochMilliseconds - 1, zone),
    after: t.offsetNanoseconds / 1e6,
  });
  const start = zoned(from, zone);
  const previous = start.getTimeZoneTransition('previous');
  const within: Transition[] = [];
  for (let t = start.getTimeZoneTransition('next'); t && t.epochMilliseconds <= to; t = t.getTimeZoneTransition('next')) {
    within.push(transition(t));
  }
  return { ...(previous ? { initial: transition(previous) } : {}), within };
}

/**
 * VTIMEZONE for `zone` covering [from, to]: an observance for each offset change in the span (DAYLIGHT when the
 * offset grows, STANDARD when it shrinks) after the one in effect at `from`; a zone without changes in the span is
 * one STANDARD observance. Explicit dates rather than yearly RRULEs: exact for any zone and any year Temporal knows.
 */
export function vtimezone(zone: string, from: number, to: number): string[] {
  const { initial, within } = zoneTransitions(zone, from, to);
  const observance = (kind: 'STANDARD' | 'DAYLIGHT', start: string, before: number, after: number) => [
    `BEGIN:${kind}`,
    `DTSTART:${start}`,
    `TZOFFSETFROM:${icalOffset(before)}`,
    `TZOFFSETTO:${icalOffset(after)}`,
    `END:${kind}`,
  ];
  // DTSTART of an observance is the local time of the change, read in the offset before it (§3.6.5).
  const onset = (t: Transition) => icalLocal(localDateTime(t.at + t.before, 'UTC'));
  const kindOf = (t: Transition) => (t.after > t.before ? 'DAYLIGHT' : 'STANDARD');
  const lines = ['BEGIN:VTIMEZONE', `TZID:${zone}`];
  if (within.length === 0) {
    const offset = offsetAt(from, zone);
    lines.push(...observance('STANDARD', initial ? onset(initial) : '19700101T000000', initial?.before ?? offset, offset));
  } else {
    const first = within[0]!;
    if (initial) lines.push(...observance(kindOf(initial), onset(initial), initial.before, initial.after));
    else lines.push(...observance('STANDARD', '19700101T000000', first.before, first.before));
    for (const t of within) lines.push(...observance(kindOf(t), onset(t), t.before, t.after));
  }
  lines.push('END:VTIMEZONE');
  return lines;
}

export interface Alignment {
  /** Expected occurrence and the stored occurrence that is it (at the same time, or moved by an edit-one). */
  pairs: { expected: Occurrence; stored: Reservation }[];
  /** Expected occurrences with no stored counterpart: deleted one by one. */
  deleted: Occurrence[];
  /** Stored occurrences the rule does not produce (kept from before the series was edited). */
  extra: Reservation[];
}

/**
 * Matches stored occurrences to the rule's occurrences. Exact start times anchor the match; between two anchors the
 * rest are paired in order, each with the nearest candidate (an edit-one keeps an occurrence between its
 * neighbours, so order is preserved). Linear in the number of occurrences.
 */
export function alignOccurrences(expected: readonly Occurrence[], stored: readonly Reservation[]): Alignment {
  const result: Alignment = { pairs: [], deleted: [], extra: [] };
  const index = new Map(expected.map((o, i) => [o.start, i]));
  let e = 0;
  let s = 0;
  const gapExpected: Occurrence[] = [];
  const gapStored: Reservation[] = [];
  const flush = () => {
    pairGap(gapExpected, gapStored, result);
    gapExpected.length = 0;
    gapStored.length = 0;
  };
  while (s < stored.length) {
    const r = stored[s]!;
    const j = index.get(r.start);
    if (j === undefined || j < e) {
      gapStored.push(r);
      s++;
      continue;
    }
    while (e < j) gapExpected.push(expected[e++]!);
    flush();
    result.pairs.push({ expected: expected[e++]!, stored: r });
    s++;
  }
  while (e < expected.length) gapExpected.push(expected[e++]!);
  flush();
  result.pairs.sort((a, b) => a.expected.start - b.expected.start);
  return result;
}

/** Order-preserving nearest pairing of the unanchored occurrences between two anchors. */
function pairGap(expected: readonly Occurrence[], stored: readonly Reservation[], out: Alignment): void {
  const k = expected.length;
  const m = stored.length;
  const short = Math.min(k, m);
  const pairedExpected = new Set<number>();
  const pairedStored = new Set<number>();
  // Walk the shorter list; for each item pick the nearest in the longer one, leaving room for the items still to come.
  const shortStart = (i: number) => (m <= k ? stored[i]!.start : expected[i]!.start);
  const longStart = (j: number) => (m <= k ? expected[j]!.start : stored[j]!.start);
  const longLength = Math.max(k, m);
  let lo = 0;
  for (let i = 0; i < short; i++) {
    const hi = longLength - (short - i);
    let j = lo;
    while (j < hi && Math.abs(longStart(j + 1) - shortStart(i)) <= Math.abs(longStart(j) - shortStart(i))) j++;
    const [ei, si] = m <= k ? [j, i] : [i, j];
    out.pairs.push({ expected: expected[ei]!, stored: stored[si]! });
    pairedExpected.add(ei);
    pairedStored.add(si);
    lo = j + 1;
  }
  expected.forEach((o, i) => pairedExpected.has(i) || out.deleted.push(o));
  stored.forEach((r, i) => pairedStored.has(i) || out.extra.push(r));
}

/**
 * Most occurrences a series' file describes one by one (RECURRENCE-ID overrides and VEVENTs of kept occurrences), and
 * most EXDATEs: the file of a series edited occurrence by occurrence would otherwise grow with every edit (≈ 700
 * bytes each, on an endpoint without sign-in). A series with more is exported up to the first exception over either
 * budget: its RRULE ends (UNTIL) just before it, so everything in the file is right and only the rest is missing.
 */
export const MAX_CALENDAR_OVERRIDES = 100;
export const MAX_CALENDAR_EXDATES = 1000;

/** The start of the first exception beyond its budget, or undefined when all fit. */
function cutOff(overrideStarts: number[], exdateStarts: number[]): number | undefined {
  const over = (starts: number[], budget: number) => (starts.length > budget ? [...starts].sort((a, b) => a - b)[budget] : undefined);
  const cuts = [over(overrideStarts, MAX_CALENDAR_OVERRIDES), over(exdateStarts, MAX_CALENDAR_EXDATES)].filter((c) => c !== undefined);
  return cuts.length > 0 ? Math.min(...cuts) : undefined;
}

/** A whole series: the rule, its zone, its exceptions. `stored` are the series' occurrences, ascending by start. */
export function seriesCalendar(series: Series, stored: readonly Reservation[], ctx: CalendarContext): string {
  const { rule } = series;
  let expected: Occurrence[];
  try {
    expected = expand(rule, { maxOccurrences: ctx.maxOccurrences });
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    // The rule expands beyond the cap (it was lowered since): the occurrences one by one, the next ones first.
    const upcoming = stored.filter((r) => r.end > ctx.now);
    const listed = (upcoming.length > 0 ? upcoming : stored.slice(-MAX_CALENDAR_OVERRIDES)).slice(0, MAX_CALENDAR_OVERRIDES);
    return serialize(calendar(listed.flatMap((r) => standaloneEvent(r, ctx))));
  }
  const aligned = alignOccurrences(expected, stored);
  const now = ctx.now;
  const unchangedTime = aligned.pairs.filter((p) => p.stored.start === p.expected.start && p.stored.end === p.expected.end);
  // The series' own name and description: those of the next occurrence not edited on its own (edit-all sets them all
  // and writes them fresh; an edit of one occurrence moves its updatedAt), else of any at its rule time.
  const untouched = unchangedTime.filter((p) => p.stored.updatedAt === p.stored.createdAt);
  const template =
    untouched.find((p) => p.stored.end > now)?.stored ??
    unchangedTime.find((p) => p.stored.end > now)?.stored ??
    untouched[untouched.length - 1]?.stored ??
    unchangedTime[unchangedTime.length - 1]?.stored ??
    stored.find((r) => r.end > now) ??
    stored[stored.length - 1];
  if (!template) return serialize(calendar([]));
  const isOverride = (p: Alignment['pairs'][number]) =>
    p.stored.start !== p.expected.start ||
    p.stored.end !== p.expected.end ||
    p.stored.name !== template.name ||
    p.stored.description !== template.description;

  const cut = cutOff(
    [...aligned.pairs.filter(isOverride).map((p) => p.expected.start), ...aligned.extra.map((r) => r.start)],
    aligned.deleted.map((o) => o.start),
  );
  const kept = (start: number) => cut === undefined || start < cut;
  const pairs = aligned.pairs.filter((p) => kept(p.expected.start));
  const deleted = aligned.deleted.filter((o) => kept(o.start));
  const extra = aligned.extra.filter((r) => kept(r.start));
  const overrides = pairs.filter(isOverride);
  const inRule = expected.filter((o) => kept(o.start));

  const zone = rule.timeZone;
  const local = (epochMs: number) => icalLocal(localDateTime(epochMs, zone));
  const groupUrl = ctx.meetingUrl(series.groupKey);
  // A cut before the rule's first occurrence leaves nothing for the rule to describe: only the kept occurrences remain.
  const master =
    inRule.length === 0
      ? []
      : [
          'BEGIN:VEVENT',
          uid(series.id),
          ...toICalendarRule(rule, { maxOccurrences: ctx.maxOccurrences, ...(cut !== undefined ? { before: cut } : {}) }),
          `DURATION:${icalDuration(rule.duration)}`,
          ...(deleted.length > 0 ? [`EXDATE;TZID=${zone}:${deleted.map((o) => local(o.start)).join(',')}`] : []),
          ...eventBody({ ...template, createdAt: series.createdAt, updatedAt: Math.max(series.updatedAt, template.updatedAt) }, groupUrl, ctx),
          'END:VEVENT',
        ];
  const overrideEvents = overrides.flatMap(({ expected: o, stored: r }) => [
    'BEGIN:VEVENT',
    uid(series.id),
    `RECURRENCE-ID;TZID=${zone}:${local(o.start)}`,
    `DTSTART;TZID=${zone}:${local(r.start)}`,
    `DTEND;TZID=${zone}:${local(r.end)}`,
    ...eventBody(r, ctx.meetingUrl(r.infoKey), ctx),
    'END:VEVENT',
  ]);
  const extraEvents = extra.flatMap((r) => standaloneEvent(r, ctx));

  let from = rule.firstStart;
  let to = rule.firstStart + rule.duration;
  for (const o of [...inRule, ...pairs.map((p) => p.stored), ...extra]) {
    from = Math.min(from, o.start);
    to = Math.max(to, o.end);
  }
  return serialize(calendar([...(master.length > 0 ? vtimezone(zone, from, to) : []), ...master, ...overrideEvents, ...extraEvents]));
}

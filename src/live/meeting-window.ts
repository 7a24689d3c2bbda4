import type { Reason } from '../../contract/signal/reasons.ts';
import type { NumberLookup, ScheduledMeeting } from './ports.ts';

/** `about`: the meeting the refusal is about (not open yet, or ended), absent when the number names none. */
export type Opening = { open: true; meeting: ScheduledMeeting } | { open: false; reason: Reason; message: string; about?: ScheduledMeeting };

/** When joining opens: `timeToJoin` minutes before the start, or at any time before the end for -1. */
export const opensAt = (m: ScheduledMeeting): number =>
  m.start === null || m.timeToJoin < 0 ? Number.NEGATIVE_INFINITY : m.start - m.timeToJoin * 60_000;

/**
 * Which meeting a number opens at `now` (client contract §6.4 reasons): the nearest scheduled meeting whose join
 * window is open, else the room holding the number, else why not — not yet open, over, or unknown.
 */
export function openingAt(lookup: NumberLookup, now: number): Opening {
  const scheduled = lookup.upcoming.find((m) => opensAt(m) <= now && (m.end === null || now < m.end));
  if (scheduled) return { open: true, meeting: scheduled };
  if (lookup.room) return { open: true, meeting: lookup.room };
  const next = lookup.upcoming[0];
  if (next) {
    const minutes = Math.ceil((opensAt(next) - now) / 60_000);
    return { open: false, reason: 'MeetingNoStarted', message: `the meeting can be joined from ${next.timeToJoin} minutes before its start (in ${minutes} min)`, about: next };
  }
  if (lookup.hadEnded) return { open: false, reason: 'MeetingExpired', message: 'the meeting has ended', ...(lookup.lastEnded ? { about: lookup.lastEnded } : {}) };
  return { open: false, reason: 'MeetingNoExist', message: 'no meeting has this number' };
}

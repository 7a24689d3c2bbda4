import { randomInt } from 'node:crypto';

/** Who holds a meeting number: a persistent room, a recurring series (all its occurrences), or one meeting. */
export type NumberHolderKind = 'room' | 'series' | 'reservation';

/**
 * A random meeting number of `length` digits, never starting with 0 (people drop leading zeros when they type or
 * read numbers out). Random rather than sequential so numbers cannot be enumerated from one's own.
 */
export function randomMeetingNumber(length: number): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < length) digits += String(randomInt(0, 10));
  return digits;
}

/** A random numeric meeting password, as the FRTC apps generate them (6 digits). */
export function randomMeetingPassword(length = 6): string {
  let digits = '';
  while (digits.length < length) digits += String(randomInt(0, 10));
  return digits;
}

/** The registry of numbers in use; `claim` retries on collisions and fails only when the number space is exhausted. */
export interface MeetingNumberRegistry {
  claim(kind: NumberHolderKind, holderId: string): Promise<string>;
  /** Frees the number if `holderId` still holds it (a number already passed on to someone else stays theirs). */
  release(number: string, holderId: string): Promise<void>;
  /**
   * Frees every number whose holder (meeting, series or room) no longer exists, unless a meeting that has not ended at
   * `now` still uses it (meetings in a deleted room keep the room's number). Deleting an account removes its meetings,
   * series and rooms by cascade, without releasing their numbers one by one; this does. Returns how many were freed.
   */
  releaseUnheld(now: number): Promise<number>;
}

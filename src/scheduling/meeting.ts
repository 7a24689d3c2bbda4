import type { UserId } from '../kernel/ids.ts';
import type { RecurrenceRule } from './recurrence-rule.ts';

export type MeetingType = 'instant' | 'reservation' | 'recurrence';

/**
 * Who waits in the lobby until a host admits them: nobody, guests (no account), or everyone but the hosts and the
 * meeting's invited users.
 */
export type LobbyMode = 'off' | 'guests' | 'uninvited';
export const LOBBY_MODES: readonly LobbyMode[] = ['off', 'guests', 'uninvited'];
/** A stored value as a mode ('off' for anything unknown: a lobby is never turned on by accident). */
export const lobbyMode = (value: string): LobbyMode => (LOBBY_MODES.includes(value as LobbyMode) ? (value as LobbyMode) : 'off');

/** What people configure about a meeting, shared by single meetings and every occurrence of a series. */
export interface MeetingOptions {
  name: string;
  description: string;
  callRate: string;
  muteUponEntry: boolean;
  guestDialIn: boolean;
  watermark: boolean;
  watermarkType: string;
  /** Minutes before the start that joining opens; -1 = any time. */
  timeToJoin: number;
  generateLiveUrl: boolean;
  livePasscode: string;
  invitees: UserId[];
  lobby: LobbyMode;
}

/** A scheduled meeting: an instant meeting, a reservation, or one occurrence of a series (whose invitees are the series'). */
export interface Reservation extends MeetingOptions {
  id: string;
  type: MeetingType;
  ownerId: UserId;
  meetingNumber: string;
  /** "" = no password. */
  password: string;
  /** Set when the meeting uses a meeting room's number and password. */
  roomId: string | null;
  start: number;
  end: number;
  seriesId: string | null;
  /** Unguessable key of the meeting's link (`/j/{key}`), a.k.a. meetingInfoKey. */
  infoKey: string;
  /** Key of the meeting's live URL (`/live/{key}`), shown when generateLiveUrl; one per series; '' for rows older than migration 010. */
  liveKey: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * A recurring series: the rule and what all its occurrences share (one number, one password, one group link, the
 * invited people: an edit of the whole series changes them for every occurrence, an edit of one cannot, §4.5).
 */
export interface Series {
  id: string;
  ownerId: UserId;
  rule: RecurrenceRule;
  groupKey: string;
  invitees: UserId[];
  meetingNumber: string;
  password: string;
  roomId: string | null;
  createdAt: number;
  updatedAt: number;
}

export const DEFAULT_CALL_RATE = '2048K';
/** Rates the apps offer only to MeetingOperator and SystemAdmin. */
export const OPERATOR_CALL_RATES: readonly string[] = ['6144K', '8192K'];
export const DEFAULT_TIME_TO_JOIN = 30;
export const ALLOWED_TIME_TO_JOIN: readonly number[] = [30, -1];
/** How long an instant meeting stays joinable when nobody ends it. */
export const INSTANT_WINDOW_MS = 24 * 3600_000;
/** The longest single meeting; longer ones are typing errors (a meeting spanning weeks should be a series). */
export const MAX_MEETING_MS = 7 * 24 * 3600_000;

export const hasEnded = (r: Pick<Reservation, 'end'>, now: number): boolean => r.end <= now;

import type { LobbyMode } from '../scheduling/meeting.ts';

/**
 * What a meeting number stands for, as the live side needs it: a persistent meeting room (open any time), or one
 * scheduled meeting — an instant meeting, a reservation, or one occurrence of a series.
 */
export interface ScheduledMeeting {
  meetingNumber: string;
  kind: 'room' | 'instant' | 'reservation' | 'occurrence';
  /** The reservation id (instant, reservation, occurrence) or the room id. */
  scheduleId: string;
  name: string;
  ownerId: string;
  ownerName: string;
  /** '' = no password. */
  password: string;
  /** ms; null for a room without a scheduled meeting. */
  start: number | null;
  end: number | null;
  /** Minutes before the start that joining opens; -1 = any time. */
  timeToJoin: number;
  muteUponEntry: boolean;
  guestDialIn: boolean;
  watermark: boolean;
  watermarkType: string;
  callRate: string;
  /** Who waits in the lobby until a host admits them (the meeting's or room's setting; hosts change it live). */
  lobby: LobbyMode;
  /** The series of an occurrence ('' otherwise): its invitees are the series'. */
  seriesId: string;
  /** Link key of the meeting (`/j/{key}`); '' for rooms. */
  infoKey: string;
  /** Link key of the series; '' when not an occurrence. */
  groupKey: string;
  /** The live URL's key and passcode fixed at scheduling (generate_live_url); '' when none (rooms too). */
  liveKey: string;
  livePasscode: string;
}

/** Everything a meeting number could open, around `now`. */
export interface NumberLookup {
  /** The room holding the number, if it is a room's number. */
  room?: ScheduledMeeting;
  /** Scheduled meetings under the number (including those held in the room) that have not ended at `now`, by start. */
  upcoming: ScheduledMeeting[];
  /** True when some meeting under the number has already ended (distinguishes "expired" from "no such meeting"). */
  hadEnded: boolean;
  /** The meeting under the number that ended last, when hadEnded (its password guards the "expired" answer). */
  lastEnded?: ScheduledMeeting;
}

export interface MeetingDirectory {
  lookup(meetingNumber: string, now: number): Promise<NumberLookup>;
  /** Is the user among the meeting's invited users (a series' for an occurrence)? Rooms invite nobody. */
  invited(meeting: ScheduledMeeting, userId: string): Promise<boolean>;
}

export interface SessionStart {
  id: string;
  meetingNumber: string;
  scheduleId: string;
  name: string;
  ownerId: string;
  startedAt: number;
  /** The cluster node holding it ('' on a single node). */
  nodeId: string;
}

export interface Attendance {
  id: string;
  sessionId: string;
  clientId: string;
  userId: string;
  displayName: string;
  joinedAt: number;
}

export interface SessionRecord {
  id: string;
  meetingNumber: string;
  name: string;
  ownerId: string;
  startedAt: number;
  /** 0 while live. */
  endedAt: number;
  endReason: string;
  /** In order of joining, at most the page's attendance limit. */
  attendance: Array<Attendance & { leftAt: number; leftReason: string }>;
  /** True when the session had more joins than `attendance` lists. */
  attendanceTruncated: boolean;
}

export interface SessionPage {
  /** Sessions to skip and to return, newest first. */
  offset: number;
  limit: number;
  /** Only sessions of meetings this person owned (absent: everyone's). */
  ownerId?: string;
  /** Joins listed per session, in order of joining. */
  attendanceLimit: number;
}

/** Live sessions and attendance, written as they happen so history survives restarts. */
export interface SessionHistory {
  /** Ends the sessions (and attendances) a previous process left open; returns how many sessions it closed. */
  /**
   * Ends the open sessions (and attendances) of node `nodeId` — a previous run of this node, or a node lost from the
   * cluster; null = every open session (a single node). Returns how many sessions it closed.
   */
  closeAbandoned(now: number, reason: string, nodeId: string | null): Promise<number>;
  started(session: SessionStart): Promise<void>;
  /** `closedUntil`: joins under the number are refused until then (a stop without rejoin); null = no restriction. */
  ended(sessionId: string, endedAt: number, reason: string, closedUntil: number | null): Promise<void>;
  joined(attendance: Attendance): Promise<void>;
  left(attendanceId: string, leftAt: number, reason: string): Promise<void>;
  renamed(attendanceId: string, displayName: string): Promise<void>;
  /** The latest closedUntil of the number's sessions still in the future, or null. */
  closedUntil(meetingNumber: string, now: number): Promise<number | null>;
  /** One page of the number's sessions, newest first, and how many there are (with the same owner condition). */
  list(meetingNumber: string, page: SessionPage): Promise<{ sessions: SessionRecord[]; total: number }>;
  /** Whether any session was ever held under the number. */
  any(meetingNumber: string): Promise<boolean>;
}

/**
 * The licence's concurrent calls (CONVENE_MAX_CALLS): every participant holding a place holds one call. Counted by this
 * node alone, or for a whole cluster (src/cluster/call-ledger.ts) so that the licence is the cluster's.
 */
export interface CallCapacity {
  /** Reserves a call for a joining participant; false when the licence is used up. */
  reserve(): Promise<boolean>;
  /** Gives a call back (a refused join's reservation, or a participant who left). */
  release(): void;
  /** Calls in use where this capacity counts (this node, or the cluster). */
  inUse(): Promise<number>;
}

/** One chat message of a session as the transcript keeps it. */
export interface ChatRecord {
  sessionId: string;
  messageId: string;
  /** Order of acceptance within the session. */
  ordinal: number;
  /** '' = the main meeting; else the breakout room's name. */
  room: string;
  at: number;
  fromClientId: string;
  fromUserId: string;
  fromName: string;
  /** '' = to everyone. */
  toClientId: string;
  toUserId: string;
  toName: string;
  text: string;
}

export interface StoredChat extends ChatRecord {
  /** 0 = not deleted (then `text` is ''). */
  deletedAt: number;
}

/** The session a transcript belongs to. */
export type TranscriptSession = Pick<SessionRecord, 'id' | 'meetingNumber' | 'name' | 'ownerId' | 'startedAt' | 'endedAt'>;

/** The chat of live sessions, written as it happens (the transcript the owner reads afterwards). */
export interface ChatLog {
  add(message: ChatRecord): Promise<void>;
  /** The message's text is erased; the transcript keeps that it was deleted. */
  deleted(sessionId: string, messageId: string, at: number): Promise<void>;
  session(sessionId: string): Promise<TranscriptSession | undefined>;
  /**
   * The messages `readerUserId` may read (to everyone, and private ones it sent or received), in order: `limit` from
   * `offset`, and how many there are in all.
   */
  list(sessionId: string, readerUserId: string, offset: number, limit: number): Promise<{ total: number; messages: StoredChat[] }>;
}

import type { Caller } from '../accounts/caller.ts';
import type { UserId } from '../kernel/ids.ts';
import type { Reservation, Series } from './meeting.ts';
import type { MeetingNumberRegistry } from './meeting-number.ts';

/** One entry of a person's meeting list: a single meeting, or a series as its next occurrence and the few after it. */
export interface ListedEntry {
  next: Reservation;
  /** The entry's following occurrences, in order, at most `later` of them (ListQuery). */
  later: Reservation[];
}

export interface ListQuery {
  /** Case-insensitive substring of the name, or of the meeting number; "" = all. */
  filter: string;
  /** Entries to skip and to return. */
  offset: number;
  limit: number;
  /** Occurrences of a series to return after its next one. */
  later: number;
}

export interface ReservationRepository {
  findById(id: string): Promise<Reservation | undefined>;
  findByInfoKey(key: string): Promise<Reservation | undefined>;
  /** Every occurrence of a series, by start (at most the per-series cap, plus those kept from before an edit-all). */
  listBySeries(seriesId: string): Promise<Reservation[]>;
  /** One page of a series' occurrences that end after `notEndedAt`, by start, and how many there are. */
  pageBySeries(seriesId: string, notEndedAt: number, offset: number, limit: number): Promise<{ occurrences: Reservation[]; total: number }>;
  /** The first occurrence of a series (by start) that starts after `startAfter` / ends after `endAfter`. */
  firstOf(seriesId: string, where: { startAfter?: number; endAfter?: number }): Promise<Reservation | undefined>;
  /** The last occurrence of a series (by start), or the last one starting at or before `startAtMost`. */
  lastOf(seriesId: string, where?: { startAtMost?: number }): Promise<Reservation | undefined>;
  /** The occurrences just before and just after one occurrence of its series (by start, then id). */
  neighbours(occurrence: Pick<Reservation, 'id' | 'seriesId' | 'start'>): Promise<{ before?: Reservation; after?: Reservation }>;
  /**
   * The user's meeting list, paged in the database (`validUntil`: when the earliest listed entry's next occurrence
   * ends, after which the list is different even without a write): meetings not ended at `now` that the user owns, is invited to, or
   * added by link (a meeting key, or a series' group key), one entry per series, ordered by the entry's next
   * occurrence's start, then its id; `total` counts the entries.
   */
  listEntries(userId: UserId, now: number, query: ListQuery): Promise<{ entries: ListedEntry[]; total: number; validUntil: number }>;
  /** What an owner holds that has not ended at `now`: meetings and occurrences, and series with such an occurrence. */
  upcomingOwnedBy(ownerId: UserId, now: number): Promise<{ meetings: number; series: number }>;
  /** True when the user is invited to the reservation, or to any occurrence of the series when it is one. */
  isInvited(userId: UserId, reservation: Pick<Reservation, 'id' | 'seriesId'>): Promise<boolean>;
  insertMany(reservations: Reservation[]): Promise<void>;
  update(reservation: Reservation): Promise<void>;
  delete(id: string): Promise<void>;
  /** Deletes the occurrences of a series that start after `after`. */
  deleteSeriesFrom(seriesId: string, after: number): Promise<void>;
  /** Occurrences of a series; with `startAfter`, only those starting later; with `endAfter`, only those ending later. */
  countBySeries(seriesId: string, where?: { startAfter?: number; endAfter?: number }): Promise<number>;
}

export interface SeriesRepository {
  findById(id: string): Promise<Series | undefined>;
  findByGroupKey(key: string): Promise<Series | undefined>;
  findMany(ids: readonly string[]): Promise<Series[]>;
  insert(series: Series): Promise<void>;
  update(series: Series): Promise<void>;
  /** Deletes the series and, by cascade, its occurrences. */
  delete(id: string): Promise<void>;
}

/** Meetings people added to their own list by link (S10/S11). */
export interface MeetingListRepository {
  add(userId: UserId, key: string, at: number): Promise<void>;
  /** Removes any of `keys` from the user's list (keys not in it are ignored). */
  remove(userId: UserId, keys: readonly string[]): Promise<void>;
  has(userId: UserId, keys: readonly string[]): Promise<boolean>;
}

/** Which links to replace: one meeting's, a whole series', or those of a meeting room's meetings and series. */
export type LinkScope =
  | { reservationId: string }
  | { seriesId: string }
  | { roomId: string; notEndedAt: number };

/** Replacing link keys (after a password change, or when the owner asks for new links). */
export interface LinkKeyRepository {
  /**
   * Gives every meeting in `scope` a new random link key and, for `seriesId` or `roomId`, every series in it a new group
   * key, i.e. for a series its group key and every occurrence's key; for a room the meetings in it that have not ended
   * and its series. The old keys then lead nowhere, and the meeting-list entries people made with them are dropped.
   */
  renew(scope: LinkScope): Promise<void>;
}

/**
 * Tells readers that scheduling data may have changed: `version` moves on every write of this process to meetings,
 * series, invitees or lists (also the rooms capability's, which changes the password of a room's meetings), and again
 * when a transaction ends.
 */
export interface ChangeLog {
  readonly version: number;
}

export interface SchedulingStore {
  readonly changes: ChangeLog;
  reservations: ReservationRepository;
  series: SeriesRepository;
  lists: MeetingListRepository;
  linkKeys: LinkKeyRepository;
  numbers: MeetingNumberRegistry;
  transaction<T>(work: (store: SchedulingStore) => Promise<T>): Promise<T>;
}

/** The meeting-room capability, as scheduling needs it: a room the caller may hold meetings in. */
export interface RoomAccess {
  forMeeting(caller: Caller, roomId: string): Promise<{ id: string; meetingNumber: string; password: string }>;
}

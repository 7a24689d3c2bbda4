import type { Caller } from '../accounts/caller.ts';
import type { UserId } from '../kernel/ids.ts';
import type { Reservation, Series } from './meeting.ts';
import type { MeetingNumberRegistry } from './meeting-number.ts';

export interface ReservationRepository {
  findById(id: string): Promise<Reservation | undefined>;
  findByInfoKey(key: string): Promise<Reservation | undefined>;
  /** Occurrences of a series, by start; `notEndedAt` keeps only those ending after that time. */
  listBySeries(seriesId: string, options?: { notEndedAt?: number }): Promise<Reservation[]>;
  /** Meetings not ended at `now` that the user owns, is invited to, or added to their list (by meeting or series link). */
  listVisibleTo(userId: UserId, now: number): Promise<Reservation[]>;
  /** True when the user is invited to the reservation, or to any occurrence of the series when it is one. */
  isInvited(userId: UserId, reservation: Pick<Reservation, 'id' | 'seriesId'>): Promise<boolean>;
  insertMany(reservations: Reservation[]): Promise<void>;
  update(reservation: Reservation): Promise<void>;
  delete(id: string): Promise<void>;
  /** Deletes the occurrences of a series that start after `after`. */
  deleteSeriesFrom(seriesId: string, after: number): Promise<void>;
  countBySeries(seriesId: string): Promise<number>;
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

export interface SchedulingStore {
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

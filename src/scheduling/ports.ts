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

export interface SchedulingStore {
  reservations: ReservationRepository;
  series: SeriesRepository;
  lists: MeetingListRepository;
  numbers: MeetingNumberRegistry;
  transaction<T>(work: (store: SchedulingStore) => Promise<T>): Promise<T>;
}

/** The meeting-room capability, as scheduling needs it: a room the caller may hold meetings in. */
export interface RoomAccess {
  forMeeting(caller: Caller, roomId: string): Promise<{ id: string; meetingNumber: string; password: string }>;
}

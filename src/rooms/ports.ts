import type { UserId } from '../kernel/ids.ts';
import type { MeetingNumberRegistry } from '../scheduling/meeting-number.ts';
import type { MeetingRoom } from './room.ts';

export interface RoomPage {
  rooms: MeetingRoom[];
  total: number;
}

export interface RoomRepository {
  findById(id: string): Promise<MeetingRoom | undefined>;
  findByNumber(meetingNumber: string): Promise<MeetingRoom | undefined>;
  /** The rooms one person owns, by name. */
  listByOwner(ownerId: UserId, offset: number, limit: number): Promise<RoomPage>;
  /** Case-insensitive substring match on name or meeting number, by name; every room when the filter is empty. */
  search(filter: string, offset: number, limit: number): Promise<RoomPage>;
  insert(room: MeetingRoom): Promise<void>;
  /** Saves name, password, owner and updatedAt; the id and meeting number never change. */
  update(room: MeetingRoom): Promise<void>;
  delete(id: string): Promise<void>;
}

/** What the scheduling side holds on a room: meetings and series that name it as their meeting_room_id. */
export interface RoomUsage {
  /** Meetings (reservations, occurrences) using the room that have not ended at `now`, plus series with such occurrences. */
  upcoming(roomId: string, now: number): Promise<{ meetings: number; series: number }>;
  /**
   * Gives the room's meetings that have not ended, and its series, the room's new password and new link keys (the old
   * links stop working, and meeting-list entries made with them are dropped).
   */
  changePassword(roomId: string, password: string, now: number): Promise<void>;
  /** Unlinks ended meetings and finished series from the room, so the room can be deleted; they keep their number. */
  detachEnded(roomId: string, now: number): Promise<void>;
}

/** Repositories sharing one transaction (see AccountsStore): the room row and its meeting number change together. */
export interface RoomsStore {
  rooms: RoomRepository;
  usage: RoomUsage;
  numbers: MeetingNumberRegistry;
  transaction<T>(work: (store: RoomsStore) => Promise<T>): Promise<T>;
}

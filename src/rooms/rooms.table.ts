import type { Generated } from 'kysely';
export interface MeetingRoomsTable {
  id: string;
  meeting_number: string;
  name: string;
  /** Lower-cased name (full Unicode, folded in JS): what the administrator's list filters and sorts on. */
  name_key: string;
  /** Digits, or '' for a room without password. */
  password: string;
  /** off, guests or uninvited (migration 021). */
  lobby: Generated<string>;
  owner_id: string;
  /** The administrator who created the room; '' when it was created from the command line. */
  creator_id: string;
  created_at: number;
  updated_at: number;
}

export interface RoomsTables {
  meeting_rooms: MeetingRoomsTable;
}

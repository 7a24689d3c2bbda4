import type { ColumnType } from 'kysely';

export interface MeetingNumbersTable {
  number: string;
  holder_kind: string;
  holder_id: string;
  created_at: number;
}

export interface SeriesTable {
  id: string;
  owner_id: string;
  frequency: string;
  interval: number;
  time_zone: string;
  first_start: number;
  duration: number;
  last_day: string;
  /** JSON array of numbers. */
  days_of_week: string;
  /** JSON array of numbers. */
  days_of_month: string;
  group_key: string;
  meeting_number: string;
  password: string;
  room_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface ReservationsTable {
  id: string;
  type: string;
  owner_id: string;
  series_id: string | null;
  meeting_number: string;
  password: string;
  room_id: string | null;
  name: string;
  /** `name` lower-cased in JS (full Unicode), what the list's filter matches. */
  name_key: string;
  description: string;
  call_rate: string;
  start_time: number;
  end_time: number;
  mute_upon_entry: number;
  guest_dial_in: number;
  watermark: number;
  watermark_type: string;
  time_to_join: number;
  generate_live_url: number;
  live_passcode: string;
  /** off, guests or uninvited (migration 021); left out of an insert, 'off' (rows written at older schema versions). */
  lobby: ColumnType<string, string | undefined, string>;
  info_key: string;
  /** Defaults to '' (migration 010), so rows written without it stay valid. */
  live_key: ColumnType<string, string | undefined, string>;
  created_at: number;
  updated_at: number;
}

/** The invitees of single meetings; a series' are in series_invitees. */
export interface ReservationInviteesTable {
  reservation_id: string;
  user_id: string;
}

export interface SeriesInviteesTable {
  series_id: string;
  user_id: string;
}

export interface MeetingListTable {
  user_id: string;
  link_key: string;
  created_at: number;
}

export interface SchedulingTables {
  meeting_numbers: MeetingNumbersTable;
  series: SeriesTable;
  reservations: ReservationsTable;
  reservation_invitees: ReservationInviteesTable;
  series_invitees: SeriesInviteesTable;
  meeting_list: MeetingListTable;
}

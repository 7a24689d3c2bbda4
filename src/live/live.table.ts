/** One live meeting from its start to its end: the history of who met under a meeting number. */
export interface LiveSessionsTable {
  id: string;
  meeting_number: string;
  /** The reservation id (instant, reservation, occurrence) or the room id the session was opened for. */
  schedule_id: string;
  name: string;
  /** No foreign key to users: the history outlives the account. */
  owner_id: string;
  started_at: number;
  /** 0 while live. */
  ended_at: number;
  /** '' while live. */
  end_reason: string;
  /** Joins under the number are refused until then (a stop without rejoin); null = no restriction. */
  closed_until: number | null;
  /** The cluster node holding the session ('' on a single node). */
  node_id: string;
}

/** One participant's stay in a live session. */
export interface LiveAttendanceTable {
  id: string;
  session_id: string;
  client_id: string;
  /** '' for guests; no foreign key to users. */
  user_id: string;
  display_name: string;
  joined_at: number;
  /** 0 while present. */
  left_at: number;
  /** '' while present. */
  left_reason: string;
}

/** One chat message of a live session (the transcript). */
export interface LiveChatTable {
  /** '{session id}/{message id}'. */
  id: string;
  session_id: string;
  message_id: string;
  /** '' = the main meeting; else the breakout room's name. */
  room: string;
  sent_at: number;
  from_client_id: string;
  from_user_id: string;
  from_name: string;
  /** '' = to everyone. */
  to_client_id: string;
  to_user_id: string;
  to_name: string;
  /** '' once deleted. */
  text: string;
  /** 0 = not deleted. */
  deleted_at: number;
  /** Order of acceptance within the session. */
  ordinal: number;
}

export interface LiveTables {
  live_sessions: LiveSessionsTable;
  live_attendance: LiveAttendanceTable;
  live_chat: LiveChatTable;
}

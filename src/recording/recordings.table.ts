/** One recording (src/recording/recording.ts); times in ms, sizes in bytes. */
export interface RecordingsTable {
  id: string;
  meeting_number: string;
  meeting_name: string;
  session_id: string;
  owner_id: string;
  started_by: string;
  started_by_name: string;
  /** 'speaker' | 'gallery' */
  layout: string;
  /** 'recording' | 'finalising' | 'finished' | 'failed' */
  status: string;
  started_at: number;
  ended_at: number;
  duration_ms: number;
  size_bytes: number;
  file_name: string;
  notes: string;
}

export interface RecordingTables {
  recordings: RecordingsTable;
}

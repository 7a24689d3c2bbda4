import type { Kysely } from 'kysely';
import type { AccountsTables } from '../accounts/accounts.table.ts';
import type { LiveTables } from '../live/live.table.ts';
import type { RecordingTables } from '../recording/recordings.table.ts';
import type { RoomsTables } from '../rooms/rooms.table.ts';
import type { SchedulingTables } from '../scheduling/scheduling.table.ts';

/** The whole schema: the sum of every capability's tables. */
export type Database = AccountsTables & RoomsTables & SchedulingTables & LiveTables & RecordingTables;

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  /** A short description for logs, with any password removed. */
  describe: string;
  close(): Promise<void>;
}

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Insertable } from 'kysely';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import type { ReservationsTable } from '../../src/scheduling/scheduling.table.ts';
import { createPostgresDatabase, type TestDialect } from './dialects.ts';

export interface TestDatabase {
  handle: DatabaseHandle;
  /** The migrations migrateToLatest() applied to the fresh database, in order. */
  applied: string[];
  /** Closes the handle, drops the PostgreSQL database and removes the temp directory. */
  close(): Promise<void>;
}

/**
 * A fresh, migrated database of the dialect for a storage test: SQLite in a new temp directory (named with the
 * prefix), or a new database on the run's PostgreSQL cluster.
 */
export async function openTestDatabase(dialect: TestDialect, prefix: string): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let pg: { url: string; drop(): Promise<void> } | undefined;
  let handle: DatabaseHandle | undefined;
  const close = async () => {
    try {
      await handle?.close();
      await pg?.drop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    if (dialect === 'postgres') pg = await createPostgresDatabase();
    handle = openDatabase(pg?.url ?? '', dir);
    const applied = await migrateToLatest(handle.db);
    return { handle, applied, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The fields a test always chooses for a reservations row; the others have defaults. */
export type ReservationFields = Partial<Insertable<ReservationsTable>> &
  Pick<ReservationsTable, 'meeting_number' | 'owner_id' | 'start_time' | 'end_time'>;

/**
 * A whole reservations row as the scheduling capability stores it, for tests that write one directly: a plain
 * reservation (no series, no room) named "Meeting" with the form's defaults (4096K, no mute, no guest dial-in, no
 * watermark, 30 minutes' time to join), fresh id and info key, created now; `fields` override any of it (name_key
 * follows the name).
 */
export function reservationRow(fields: ReservationFields): Insertable<ReservationsTable> {
  const now = Date.now();
  const name = fields.name ?? 'Meeting';
  return {
    id: randomUUID(),
    type: 'reservation',
    series_id: null,
    password: '',
    room_id: null,
    name,
    name_key: name.toLowerCase(),
    description: '',
    call_rate: '4096K',
    mute_upon_entry: 0,
    guest_dial_in: 0,
    watermark: 0,
    watermark_type: 'single',
    time_to_join: 30,
    generate_live_url: 0,
    live_passcode: '',
    info_key: randomUUID(),
    created_at: now,
    updated_at: now,
    ...fields,
  };
}

import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';

/**
 * Recordings (src/recording): one row per recording, written when it starts and completed when its file is finished.
 * No foreign keys: a recording outlives its meeting, the session history and the accounts named in it. Numbered 010,
 * leaving room for migrations other work adds meanwhile.
 *
 * Also the key of each scheduled meeting's live URL (`reservations.live_key`, shown as live_meeting_url when the meeting
 * has generate_live_url): meetings scheduled before get one here when they asked for a live URL; the others get one
 * when they are next edited.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('recordings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('meeting_number', 'text', (c) => c.notNull())
    .addColumn('meeting_name', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('started_by_name', 'text', (c) => c.notNull())
    .addColumn('layout', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'bigint', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('notes', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('recordings_started').on('recordings').column('started_at').execute();
  await db.schema.createIndex('recordings_owner_started').on('recordings').columns(['owner_id', 'started_at']).execute();
  await db.schema.createIndex('recordings_number_started').on('recordings').columns(['meeting_number', 'started_at']).execute();
  await db.schema.createIndex('recordings_status').on('recordings').column('status').execute();

  await db.schema.alterTable('reservations').addColumn('live_key', 'text', (c) => c.notNull().defaultTo('')).execute();
  // A series' occurrences share one key, as they share one number.
  const wanting = await sql<{ id: string; series_id: string | null }>`select id, series_id from reservations where generate_live_url <> 0`.execute(db);
  const keys = new Map<string, string>();
  for (const { id, series_id } of wanting.rows) {
    const owner = series_id ?? id;
    const key = keys.get(owner) ?? randomBytes(16).toString('base64url');
    keys.set(owner, key);
    await sql`update reservations set live_key = ${key} where id = ${id}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('reservations').dropColumn('live_key').execute();
  await db.schema.dropTable('recordings').execute();
}

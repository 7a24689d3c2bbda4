import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // No foreign keys to users or to the scheduling tables: the history of a meeting survives the deletion of its owner's
  // account, of its participants' accounts and of the meeting or room itself.
  await db.schema
    .createTable('live_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('meeting_number', 'text', (c) => c.notNull())
    .addColumn('schedule_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    // 0 and '' while the session is live.
    .addColumn('ended_at', 'bigint', (c) => c.notNull())
    .addColumn('end_reason', 'text', (c) => c.notNull())
    .addColumn('closed_until', 'bigint')
    .execute();
  await db.schema.createIndex('live_sessions_number_start').on('live_sessions').columns(['meeting_number', 'started_at']).execute();

  await db.schema
    .createTable('live_attendance')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().references('live_sessions.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    // 0 and '' while the participant is present.
    .addColumn('left_at', 'bigint', (c) => c.notNull())
    .addColumn('left_reason', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('live_attendance_session').on('live_attendance').column('session_id').execute();

  // Every join looks its number up (src/live/directory.repo.ts): the meetings under it not yet ended, and whether one has
  // ended. With the index by number alone, each join would read all ~3650 occurrences of a ten-year daily series.
  await db.schema.createIndex('reservations_number_end').on('reservations').columns(['meeting_number', 'end_time']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('reservations_number_end').execute();
  await db.schema.dropTable('live_attendance').execute();
  await db.schema.dropTable('live_sessions').execute();
}

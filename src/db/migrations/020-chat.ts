import type { Kysely } from 'kysely';

/**
 * The chat of live sessions (their transcript): one row per message, kept with the session (deleted with it). A message
 * a host deleted keeps its row with the text erased.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('live_chat')
    // '{session id}/{message id}': message ids are unique within their session only.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().references('live_sessions.id').onDelete('cascade'))
    .addColumn('message_id', 'text', (c) => c.notNull())
    // '' = the main meeting; else the breakout room's name.
    .addColumn('room', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addColumn('from_client_id', 'text', (c) => c.notNull())
    .addColumn('from_user_id', 'text', (c) => c.notNull())
    .addColumn('from_name', 'text', (c) => c.notNull())
    // '' = to everyone.
    .addColumn('to_client_id', 'text', (c) => c.notNull())
    .addColumn('to_user_id', 'text', (c) => c.notNull())
    .addColumn('to_name', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    // 0 = not deleted.
    .addColumn('deleted_at', 'bigint', (c) => c.notNull())
    // The order messages were accepted in (sent_at alone ties within a millisecond).
    .addColumn('ordinal', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('live_chat_session_order').on('live_chat').columns(['session_id', 'ordinal']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('live_chat').execute();
}

import type { Kysely } from 'kysely';

/**
 * The node that holds each live session (cluster mode). A node restarting closes only its own sessions, and the node
 * that notices another node is lost closes that node's; '' for sessions of a single node (and all earlier ones).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('live_sessions').addColumn('node_id', 'text', (c) => c.notNull().defaultTo('')).execute();
  // Open sessions by node: what a restart or a lost node closes.
  await db.schema.createIndex('live_sessions_node_open').on('live_sessions').columns(['node_id', 'ended_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('live_sessions_node_open').execute();
  await db.schema.alterTable('live_sessions').dropColumn('node_id').execute();
}

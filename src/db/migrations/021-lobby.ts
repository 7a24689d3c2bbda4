import type { Kysely } from 'kysely';

/**
 * The lobby (waiting room) setting of meetings and rooms: 'off', 'guests' (people without an account wait until a host
 * admits them) or 'uninvited' (everyone but the hosts and the meeting's invited users waits). Existing ones: off.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('reservations').addColumn('lobby', 'text', (c) => c.notNull().defaultTo('off')).execute();
  await db.schema.alterTable('meeting_rooms').addColumn('lobby', 'text', (c) => c.notNull().defaultTo('off')).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('meeting_rooms').dropColumn('lobby').execute();
  await db.schema.alterTable('reservations').dropColumn('lobby').execute();
}

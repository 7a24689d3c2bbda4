import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per meeting number in use, whoever holds it: numbers are unique across rooms, series and meetings.
  await db.schema
    .createTable('meeting_numbers')
    .addColumn('number', 'text', (c) => c.primaryKey())
    .addColumn('holder_kind', 'text', (c) => c.notNull())
    .addColumn('holder_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('meeting_rooms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('meeting_number', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    // Lower-cased in JS (full Unicode), because SQLite's lower() only folds ASCII: the admin list filters and sorts on it.
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('password', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('creator_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('meeting_rooms_owner').on('meeting_rooms').column('owner_id').execute();

  await db.schema
    .createTable('series')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('frequency', 'text', (c) => c.notNull())
    .addColumn('interval', 'integer', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('first_start', 'bigint', (c) => c.notNull())
    .addColumn('duration', 'bigint', (c) => c.notNull())
    .addColumn('last_day', 'text', (c) => c.notNull())
    .addColumn('days_of_week', 'text', (c) => c.notNull())
    .addColumn('days_of_month', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull().unique())
    .addColumn('meeting_number', 'text', (c) => c.notNull())
    .addColumn('password', 'text', (c) => c.notNull())
    // A room goes with its owner's account; meetings in it (also other people's) stay, keeping the number they copied.
    .addColumn('room_id', 'text', (c) => c.references('meeting_rooms.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('reservations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('series_id', 'text', (c) => c.references('series.id').onDelete('cascade'))
    .addColumn('meeting_number', 'text', (c) => c.notNull())
    .addColumn('password', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.references('meeting_rooms.id').onDelete('set null'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('call_rate', 'text', (c) => c.notNull())
    .addColumn('start_time', 'bigint', (c) => c.notNull())
    .addColumn('end_time', 'bigint', (c) => c.notNull())
    .addColumn('mute_upon_entry', 'integer', (c) => c.notNull())
    .addColumn('guest_dial_in', 'integer', (c) => c.notNull())
    .addColumn('watermark', 'integer', (c) => c.notNull())
    .addColumn('watermark_type', 'text', (c) => c.notNull())
    .addColumn('time_to_join', 'integer', (c) => c.notNull())
    .addColumn('generate_live_url', 'integer', (c) => c.notNull())
    .addColumn('live_passcode', 'text', (c) => c.notNull())
    .addColumn('info_key', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('reservations_owner_end').on('reservations').columns(['owner_id', 'end_time']).execute();
  await db.schema.createIndex('reservations_series_start').on('reservations').columns(['series_id', 'start_time']).execute();
  await db.schema.createIndex('reservations_number').on('reservations').column('meeting_number').execute();

  await db.schema
    .createTable('reservation_invitees')
    .addColumn('reservation_id', 'text', (c) => c.notNull().references('reservations.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('reservation_invitees_pk', ['reservation_id', 'user_id'])
    .execute();
  await db.schema.createIndex('reservation_invitees_user').on('reservation_invitees').column('user_id').execute();

  // Meetings someone added to their own list by link (S10/S11): the key is a meeting's or a series' link key.
  await db.schema
    .createTable('meeting_list')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('link_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('meeting_list_pk', ['user_id', 'link_key'])
    .execute();
  await db.schema.createIndex('meeting_list_key').on('meeting_list').column('link_key').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['meeting_list', 'reservation_invitees', 'reservations', 'series', 'meeting_rooms', 'meeting_numbers']) {
    await db.schema.dropTable(table).execute();
  }
}

import { type Kysely, sql } from 'kysely';

/**
 * Bounded lists (issue 11). The meeting list pages and filters in SQL with work bounded by entries, not occurrences:
 * - a series' invitees move to the series (`series_invitees`): every occurrence of a series had the same invitees
 *   (edit-one cannot change them, edit-all rewrites them), stored once per occurrence, so a 5000-occurrence series
 *   with 1000 invitees was five million rows, and finding the series someone is invited to meant reading them all;
 * - `reservations.name_key`: the name lower-cased in JS (full Unicode, like users' and rooms' keys; SQLite's lower()
 *   folds ASCII only), which the list's filter matches;
 * - indexes for the list's look-ups: a person's own single meetings (partial, covering index; series occurrences left
 *   out) and series by owner.
 * The history lists each session's first joins through an index in joining order (one LIMITed range per session).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('series_invitees')
    .addColumn('series_id', 'text', (c) => c.notNull().references('series.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('series_invitees_pk', ['series_id', 'user_id'])
    .execute();
  await db.schema.createIndex('series_invitees_user').on('series_invitees').column('user_id').execute();
  // The invitees of each series' latest occurrence: those the last create or edit-all gave the series.
  await sql`
    INSERT INTO series_invitees (series_id, user_id)
    SELECT DISTINCT r.series_id, i.user_id FROM reservation_invitees i JOIN reservations r ON r.id = i.reservation_id
    WHERE r.series_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM reservations l WHERE l.series_id = r.series_id AND l.start_time > r.start_time)`.execute(db);
  await sql`DELETE FROM reservation_invitees WHERE reservation_id IN (SELECT id FROM reservations WHERE series_id IS NOT NULL)`.execute(db);

  await db.schema.alterTable('reservations').addColumn('name_key', 'text', (c) => c.notNull().defaultTo('')).execute();
  // One UPDATE per distinct name rather than per row: every occurrence of a series shares its name.
  const names = await db.selectFrom('reservations').select('name').distinct().execute();
  for (const { name } of names as { name: string }[]) {
    await db.updateTable('reservations').set({ name_key: name.toLowerCase() }).where('name', '=', name).execute();
  }

  // A person's own meetings in start order, covering: the list takes the first of them from the index alone (series_id
  // too: SQLite counts an index as covering only when it holds every column the query names, also those of its WHERE).
  await db.schema
    .createIndex('reservations_single_owner_start')
    .on('reservations')
    .columns(['owner_id', 'start_time', 'id', 'end_time', 'series_id'])
    .where(sql.ref('series_id'), 'is', null)
    .execute();
  await db.schema.createIndex('series_owner').on('series').column('owner_id').execute();
  await db.schema.createIndex('live_attendance_session_joined').on('live_attendance').columns(['session_id', 'joined_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('live_attendance_session_joined').execute();
  await db.schema.dropIndex('series_owner').execute();
  await db.schema.dropIndex('reservations_single_owner_start').execute();
  await db.schema.alterTable('reservations').dropColumn('name_key').execute();
  await sql`
    INSERT INTO reservation_invitees (reservation_id, user_id)
    SELECT r.id, si.user_id FROM series_invitees si JOIN reservations r ON r.series_id = si.series_id`.execute(db);
  await db.schema.dropTable('series_invitees').execute();
}

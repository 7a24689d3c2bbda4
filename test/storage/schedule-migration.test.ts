import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Kysely, Migrator } from 'kysely';
import { migrations } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createPostgresDatabase, testDialects } from '../support/dialects.ts';
import { reservationRow } from '../support/storage.ts';

/**
 * Migration 005 (issue 11) on a database that holds scheduling data from before it: a series' invitees move from every
 * occurrence to the series (those of its latest occurrence, which the last edit of the whole series wrote), single
 * meetings keep theirs, and every reservation gets its lower-cased name_key.
 */
const T = 1_900_000_000_000;
const HOUR = 3_600_000;

for (const dialect of testDialects()) {
  describe(`migration 005-bounded-lists on existing data [${dialect}]`, () => {
    it('moves series invitees to the series, keeps single meetings\' and fills name_key', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'convene-migration-'));
      const pg = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
      const handle = openDatabase(pg?.url ?? '', dir);
      try {
        const db = handle.db as Kysely<any>;
        const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
        const to003 = await migrator.migrateTo('003-live');
        assert.equal(to003.error, undefined);
        for (const id of ['ann', 'ben', 'cat']) {
          await db
            .insertInto('users')
            .values({ id, username: id, username_key: id, real_name: '', real_name_key: '', email: '', department: '', mobile: '', role: 'Normal', security_level: 'NORMAL', secret_hash: 'x', locked: 0, failed_attempts: 0, frozen_until: 0, password_changed_at: T, created_at: T, updated_at: T })
            .execute();
        }
        await db
          .insertInto('series')
          .values({ id: 's1', owner_id: 'ann', frequency: 'DAILY', interval: 1, time_zone: 'UTC', first_start: T, duration: HOUR, last_day: '2030-03-20', days_of_week: '[]', days_of_month: '[]', group_key: 'g1', meeting_number: '111111111', password: '', room_id: null, created_at: T, updated_at: T })
          .execute();
        // Two occurrences kept from before an edit of the whole series (invitee ben), two after it (invitee cat).
        const rows = [0, 1, 2, 3].map((i) => {
          const { name_key: _, ...row } = reservationRow({ meeting_number: '111111111', owner_id: 'ann', start_time: T + i * 24 * HOUR, end_time: T + i * 24 * HOUR + HOUR });
          return { ...row, id: `o${i}`, type: 'recurrence', series_id: 's1', name: i < 2 ? 'Old Ärger' : 'New Ärger' };
        });
        const { name_key: _, ...single } = reservationRow({ meeting_number: '222222222', owner_id: 'ann', start_time: T, end_time: T + HOUR, name: 'Single MEETING' });
        await db.insertInto('reservations').values([...rows, { ...single, id: 'r1' }]).execute();
        await db
          .insertInto('reservation_invitees')
          .values([
            { reservation_id: 'o0', user_id: 'ben' },
            { reservation_id: 'o1', user_id: 'ben' },
            { reservation_id: 'o2', user_id: 'cat' },
            { reservation_id: 'o3', user_id: 'cat' },
            { reservation_id: 'r1', user_id: 'ben' },
          ])
          .execute();

        const rest = await migrator.migrateToLatest();
        assert.equal(rest.error, undefined);
        assert.ok(rest.results?.some((r) => r.migrationName === '005-bounded-lists' && r.status === 'Success'), JSON.stringify(rest.results));
        assert.deepEqual(await db.selectFrom('series_invitees').selectAll().execute(), [{ series_id: 's1', user_id: 'cat' }]);
        assert.deepEqual(await db.selectFrom('reservation_invitees').selectAll().execute(), [{ reservation_id: 'r1', user_id: 'ben' }]);
        const keys = await db.selectFrom('reservations').select(['id', 'name_key']).orderBy('id').execute();
        assert.deepEqual(keys, [
          { id: 'o0', name_key: 'old ärger' },
          { id: 'o1', name_key: 'old ärger' },
          { id: 'o2', name_key: 'new ärger' },
          { id: 'o3', name_key: 'new ärger' },
          { id: 'r1', name_key: 'single meeting' },
        ]);
      } finally {
        await handle.close();
        await pg?.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

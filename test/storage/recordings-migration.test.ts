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
 * Migration 010 (issue 13) on a database that holds meetings from before it: those scheduled with generate_live_url get
 * the key of their live URL (one per series: its occurrences share it), the others none.
 */
const T = 1_900_000_000_000;
const HOUR = 3_600_000;

for (const dialect of testDialects()) {
  describe(`migration 010-recordings on existing data [${dialect}]`, () => {
    it('gives meetings that asked for a live URL a key, one per series', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'convene-migration-'));
      const pg = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
      const handle = openDatabase(pg?.url ?? '', dir);
      try {
        const db = handle.db as Kysely<any>;
        const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
        const before = await migrator.migrateTo('005-bounded-lists');
        assert.equal(before.error, undefined);
        await db
          .insertInto('users')
          .values({ id: 'ann', username: 'ann', username_key: 'ann', real_name: '', real_name_key: '', email: '', department: '', mobile: '', role: 'Normal', security_level: 'NORMAL', secret_hash: 'x', locked: 0, freeze_epoch: 0, frozen_until: 0, password_changed_at: T, created_at: T, updated_at: T })
          .execute();
        await db
          .insertInto('series')
          .values({ id: 's1', owner_id: 'ann', frequency: 'DAILY', interval: 1, time_zone: 'UTC', first_start: T, duration: HOUR, last_day: '2030-03-20', days_of_week: '[]', days_of_month: '[]', group_key: 'g1', meeting_number: '111111111', password: '', room_id: null, created_at: T, updated_at: T })
          .execute();
        const row = (id: string, number: string, live: boolean, seriesId: string | null, day: number) => {
          const r = reservationRow({ meeting_number: number, owner_id: 'ann', start_time: T + day * 24 * HOUR, end_time: T + day * 24 * HOUR + HOUR, generate_live_url: live ? 1 : 0 });
          return { ...r, id, ...(seriesId ? { type: 'recurrence', series_id: seriesId } : {}) };
        };
        await db.insertInto('reservations').values([row('o0', '111111111', true, 's1', 0), row('o1', '111111111', true, 's1', 1), row('r1', '222222222', true, null, 0), row('r2', '333333333', false, null, 0)]).execute();

        const rest = await migrator.migrateToLatest();
        assert.equal(rest.error, undefined);
        const keys = Object.fromEntries((await db.selectFrom('reservations').select(['id', 'live_key']).execute()).map((r) => [r.id, r.live_key as string]));
        assert.match(keys.o0!, /^[A-Za-z0-9_-]{22}$/);
        assert.equal(keys.o1, keys.o0, 'the occurrences of a series share one key');
        assert.match(keys.r1!, /^[A-Za-z0-9_-]{22}$/);
        assert.notEqual(keys.r1, keys.o0);
        assert.equal(keys.r2, '', 'no live URL asked for: no key');
      } finally {
        await handle.close();
        await pg?.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

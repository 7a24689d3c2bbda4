import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest, migrations } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createPostgresDatabase } from '../support/dialects.ts';

/**
 * Several nodes of a cluster start at once on one PostgreSQL database (a first deployment, or new nodes of an upgrade
 * started together): each migrates on start. They must not run the same migration twice nor fail on each other's
 * tables; Kysely's migrator holds a PostgreSQL advisory lock while it reads what was applied and applies the rest.
 */
describe('nodes starting together on one PostgreSQL database', { skip: process.env.CONVENE_TEST_PG_URL ? false : 'needs PostgreSQL' }, () => {
  it('migrate it once: every node starts, each migration is applied by exactly one of them', async () => {
    const pg = await createPostgresDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'convene-migrate-race-'));
    // Each node has its own connection pool, as separate processes would.
    const handles = Array.from({ length: 4 }, () => openDatabase(pg.url, dir));
    try {
      const applied = await Promise.all(handles.map((h) => migrateToLatest(h.db)));
      const all = applied.flat().sort();
      assert.deepEqual(all, Object.keys(migrations).sort(), `applied per node: ${JSON.stringify(applied)}`);
      const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(handles[0]!.db);
      assert.deepEqual(rows.rows.map((r) => r.name), Object.keys(migrations).sort());
      // A node that starts later finds nothing to do.
      assert.deepEqual(await migrateToLatest(handles[1]!.db), []);
    } finally {
      for (const h of handles) await h.close();
      rmSync(dir, { recursive: true, force: true });
      await pg.drop();
    }
  });
});

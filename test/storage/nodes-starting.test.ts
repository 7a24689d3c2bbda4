import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/load.ts';
import { openCore } from '../../src/core.ts';
import { migrateToLatest, migrations } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createPostgresDatabase, testDialects } from '../support/dialects.ts';

/**
 * Several nodes of a cluster start at once on one PostgreSQL database (a first deployment, or new nodes of an upgrade
 * started together): each migrates on start, and on a new database each creates the first administrator. They must
 * not run the same migration twice nor fail on each other's tables (Kysely's migrator holds a PostgreSQL advisory lock
 * while it reads what was applied and applies the rest), and a node that finds the administrator created by another
 * meanwhile starts without one of its own.
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

  it('create the first administrator once: every node starts, one of them reports the bootstrap', async () => {
    const pg = await createPostgresDatabase();
    const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'convene-admin-race-')));
    const cores = await Promise.all(dirs.map((dir) => openCore(loadConfig({ DATABASE_URL: pg.url, CONVENE_DATA_DIR: dir }))));
    try {
      // The same CONVENE_ADMIN_PASSWORD on every node, as a deployment gives them.
      const results = await Promise.all(cores.map((c) => c.users.ensureAdmin('Same-Admin-Passw0rd!')));
      assert.equal(results.filter((r) => r !== undefined).length, 1, JSON.stringify(results));
      assert.equal(await cores[0]!.store.users.countByRole('SystemAdmin'), 1);
    } finally {
      for (const c of cores) await c.database.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      await pg.drop();
    }
  });
});

for (const dialect of testDialects()) {
  describe(`an older node on a database a newer one migrated [${dialect}]`, () => {
    it('refuses to start, saying a newer version migrated it and what to do', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'convene-migrate-newer-'));
      const pg = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
      const handle = openDatabase(pg?.url ?? '', dir);
      try {
        await migrateToLatest(handle.db);
        // What a newer version's next migration leaves behind.
        await sql`insert into kysely_migration (name, timestamp) values ('999-from-the-future', '2030-01-01T00:00:00.000Z')`.execute(handle.db);
        await assert.rejects(migrateToLatest(handle.db), /migrated by a newer Convene version \(migration 999-from-the-future is unknown to this one\)/);
      } finally {
        await handle.close();
        rmSync(dir, { recursive: true, force: true });
        await pg?.drop();
      }
    });
  });
}

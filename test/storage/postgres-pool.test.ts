import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createPostgresDatabase, testDialects } from '../support/dialects.ts';

/** The PostgreSQL pool survives the server ending an idle connection (restart, admin kill, DROP … FORCE). */
if (testDialects().includes('postgres')) {
  describe('openDatabase() PostgreSQL pool [postgres]', () => {
    let handle: DatabaseHandle;
    let url: string;
    let drop: () => Promise<void>;
    before(async () => {
      ({ url, drop } = await createPostgresDatabase());
      handle = openDatabase(url, '/nonexistent-unused');
    });
    after(async () => {
      await handle.db.destroy();
      await drop();
    });

    it('an idle connection terminated by the server does not crash the process; the next query reconnects', async () => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db);
      const pid = rows[0]!.pid;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const killed = await admin.query('select pg_terminate_backend($1) as ok', [pid]);
        assert.equal(killed.rows[0].ok, true);
      } finally {
        await admin.end();
      }
      // Give the idle client time to see the termination (an unhandled pool 'error' would surface here).
      await sleep(300);
      const again = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db);
      assert.notEqual(again.rows[0]!.pid, pid, 'a new connection serves the next query');
    });
  });
}

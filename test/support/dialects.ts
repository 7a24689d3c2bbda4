import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type TestDialect = 'sqlite' | 'postgres';

/** The databases this run covers: SQLite always, PostgreSQL when scripts/test.ts started one. */
export function testDialects(): TestDialect[] {
  return process.env.CONVENE_TEST_PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** A fresh, empty PostgreSQL database on the run's cluster; returns its URL and a function that drops it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.CONVENE_TEST_PG_URL;
  if (!base) throw new Error('CONVENE_TEST_PG_URL is not set');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

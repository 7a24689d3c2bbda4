import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database, DatabaseHandle } from './database.ts';

const INT8_OID = 20;

/** Opens SQLite (the embedded default, in the data directory) or PostgreSQL when the URL says postgres. */
export function openDatabase(databaseUrl: string, dataDir: string): DatabaseHandle {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return openPostgres(databaseUrl);
  const file = databaseUrl === '' ? join(dataDir, 'convene.db') : databaseUrl.replace(/^sqlite:(\/\/)?/i, '');
  return openSqlite(file === ':memory:' ? file : resolve(file));
}

function openSqlite(file: string): DatabaseHandle {
  if (file !== ':memory:') mkdirSync(resolve(file, '..'), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', describe: `sqlite:${file}`, close: () => db.destroy() };
}

function openPostgres(url: string): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Millisecond timestamps are bigint columns; they fit a JS number exactly, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const safe = new URL(url);
  safe.password = '';
  return { db, dialect: 'postgres', describe: safe.toString(), close: () => db.destroy() };
}

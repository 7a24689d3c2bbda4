import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Database, DatabaseHandle } from './database.ts';

const INT8_OID = 20;

/**
 * SQLite's `synchronous` in WAL mode. FULL syncs the write-ahead log at every commit: a committed write survives a
 * power loss or an OS crash. NORMAL syncs it only at checkpoints: a process kill loses nothing, but a power loss can
 * lose the last commits (never corrupt the database). README, Durability, has the measured cost.
 */
export type SqliteSynchronous = 'FULL' | 'NORMAL';

export interface DatabaseOptions {
  sqliteSynchronous?: SqliteSynchronous;
}

/** Opens SQLite (the embedded default, in the data directory) or PostgreSQL when the URL says postgres. */
export function openDatabase(databaseUrl: string, dataDir: string, options: DatabaseOptions = {}): DatabaseHandle {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return openPostgres(databaseUrl);
  const file = databaseUrl === '' ? join(dataDir, 'convene.db') : databaseUrl.replace(/^sqlite:(\/\/)?/i, '');
  return openSqlite(file === ':memory:' ? file : resolve(file), options.sqliteSynchronous ?? 'FULL');
}

function openSqlite(file: string, synchronous: SqliteSynchronous): DatabaseHandle {
  if (file !== ':memory:') mkdirSync(resolve(file, '..'), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', describe: `sqlite:${file}`, close: () => db.destroy() };
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew, and preparing (parsing and planning the SQL) costs more than running the small
 * queries the server makes. Statements are kept by SQL text and reused: Kysely's SQLite driver runs one query at a time
 * on its single connection, and `all`/`run` finish before returning, so a statement is never in use twice at once.
 * Bounded, oldest first out, in case some query text is built from data (e.g. an IN list of varying length).
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
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
  // An idle connection the server ends (restart, pg_terminate_backend, DROP DATABASE … FORCE, or one still closing after
  // pool.end(), which does not wait for it) makes the pool emit 'error'; unhandled, that would crash the process. The
  // pool has already discarded that client and the next query opens a new one, so there is nothing else to do.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const safe = new URL(url);
  safe.password = '';
  return { db, dialect: 'postgres', describe: safe.toString(), close: () => db.destroy() };
}

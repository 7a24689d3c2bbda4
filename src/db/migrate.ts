import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import * as m001 from './migrations/001-accounts.ts';
import * as m002 from './migrations/002-scheduling.ts';
import * as m003 from './migrations/003-live.ts';
import * as m004 from './migrations/004-sign-in-freeze.ts';
import * as m005 from './migrations/005-bounded-lists.ts';
import * as m006 from './migrations/006-session-nodes.ts';
import * as m010 from './migrations/010-recordings.ts';
import * as m020 from './migrations/020-chat.ts';
import * as m021 from './migrations/021-lobby.ts';

/** Migrations are listed in code (not read from a folder) so they ship inside the bundle and run in a fixed order. */
export const migrations: Record<string, Migration> = {
  '001-accounts': m001,
  '002-scheduling': m002,
  '003-live': m003,
  '004-sign-in-freeze': m004,
  '005-bounded-lists': m005,
  '006-session-nodes': m006,
  '010-recordings': m010,
  '020-chat': m020,
  '021-lobby': m021,
};

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    // A node of an older version on a database a newer node migrated (a rolling upgrade): say what to do.
    const newer = /previously executed migration (\S+) is missing/.exec(String((result.error as Error).message ?? result.error));
    if (newer) {
      throw new Error(`the database was migrated by a newer Convene version (migration ${newer[1]} is unknown to this one): start the newer version here too`);
    }
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${String((result.error as Error).message ?? result.error)}`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

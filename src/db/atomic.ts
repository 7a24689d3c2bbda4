import type { Kysely } from 'kysely';
import type { Database } from './database.ts';

/**
 * Runs several statements as one: inside the caller's transaction when `db` already is one, else in a transaction of
 * their own. Repositories use it for every write of more than one statement, so no caller can forget the transaction
 * and a failure (or a killed process) half-way leaves nothing half-written.
 */
export function atomically<T>(db: Kysely<Database>, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

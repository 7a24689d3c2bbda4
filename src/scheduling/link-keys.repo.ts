import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { newLinkKey } from './links.ts';
import type { LinkKeyRepository, LinkScope } from './ports.ts';
import type { ChangeCounter } from './scheduling.repo.ts';
import { atomically } from '../db/atomic.ts';

/** Rows per statement: two bound parameters per row in the CASE and one in the IN list, well under every limit. */
const CHUNK = 500;

type KeyedTable = 'reservations' | 'series';
const KEY_COLUMN = { reservations: 'info_key', series: 'group_key' } as const;

/**
 * Replaces link keys in place (reservations.info_key, series.group_key) with new random ones, a chunk of rows per
 * UPDATE (`SET key = CASE id WHEN … THEN … END`), and deletes the meeting_list rows holding the old keys. Used by the
 * scheduling store and, for a room's password change, by the rooms store on its own connection or transaction.
 */
export class KyselyLinkKeys implements LinkKeyRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** Told of the write (cached meeting lists show the keys); absent inside a write that tells it itself. */
    private readonly changes?: ChangeCounter,
  ) {}

  renew(scope: LinkScope): Promise<void> {
    const write = () =>
      atomically(this.db, async (db) => {
        const replaced: string[] = [];
        replaced.push(...(await renewRows(db, 'reservations', await meetingsIn(db, scope))));
        if (!('reservationId' in scope)) replaced.push(...(await renewRows(db, 'series', await seriesIn(db, scope))));
        for (let i = 0; i < replaced.length; i += CHUNK) {
          await db.deleteFrom('meeting_list').where('link_key', 'in', replaced.slice(i, i + CHUNK)).execute();
        }
      });
    return this.changes ? this.changes.around(write) : write();
  }
}

async function meetingsIn(db: Kysely<Database>, scope: LinkScope): Promise<{ id: string; key: string }[]> {
  let query = db.selectFrom('reservations').select(['id', 'info_key as key']);
  if ('reservationId' in scope) query = query.where('id', '=', scope.reservationId);
  else if ('seriesId' in scope) query = query.where('series_id', '=', scope.seriesId);
  else query = query.where('room_id', '=', scope.roomId).where('end_time', '>', scope.notEndedAt);
  return query.execute();
}

async function seriesIn(db: Kysely<Database>, scope: { seriesId: string } | { roomId: string }): Promise<{ id: string; key: string }[]> {
  const query = db.selectFrom('series').select(['id', 'group_key as key']);
  return ('seriesId' in scope ? query.where('id', '=', scope.seriesId) : query.where('room_id', '=', scope.roomId)).execute();
}

/** New keys for the rows; returns their old keys. */
async function renewRows(db: Kysely<Database>, table: KeyedTable, rows: { id: string; key: string }[]): Promise<string[]> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const cases = sql.join(chunk.map((r) => sql`when ${r.id} then ${newLinkKey()}`), sql` `);
    await db
      .updateTable(table)
      .set({ [KEY_COLUMN[table]]: sql<string>`case id ${cases} end` })
      .where('id', 'in', chunk.map((r) => r.id))
      .execute();
  }
  return rows.map((r) => r.key);
}

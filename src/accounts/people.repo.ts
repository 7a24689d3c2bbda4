import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { asUserId } from '../kernel/ids.ts';
import type { PeopleLookup, Person } from './people.ts';

export class KyselyPeopleLookup implements PeopleLookup {
  constructor(private readonly db: Kysely<Database>) {}

  async byIds(ids: readonly string[]): Promise<Map<string, Person>> {
    const unique = [...new Set(ids)];
    const found = new Map<string, Person>();
    // Chunked: SQLite limits the number of bound parameters in one statement.
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.db
        .selectFrom('users')
        .select(['id', 'username', 'real_name'])
        .where('id', 'in', unique.slice(i, i + 500))
        .execute();
      for (const r of rows) found.set(r.id, { id: asUserId(r.id), username: r.username, realName: r.real_name });
    }
    return found;
  }
}

import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { fail } from '../kernel/domain-error.ts';
import { type MeetingNumberRegistry, type NumberHolderKind, randomMeetingNumber } from './meeting-number.ts';

const ATTEMPTS = 32;

/** Numbers are claimed by inserting them: the primary key makes two holders of one number impossible. */
export class KyselyMeetingNumberRegistry implements MeetingNumberRegistry {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly length: number,
    private readonly now: () => number,
  ) {}

  async claim(kind: NumberHolderKind, holderId: string): Promise<string> {
    for (let i = 0; i < ATTEMPTS; i++) {
      const number = randomMeetingNumber(this.length);
      // ON CONFLICT instead of catching the violation: inside a PostgreSQL transaction an error would abort it.
      const result = await this.db
        .insertInto('meeting_numbers')
        .values({ number, holder_kind: kind, holder_id: holderId, created_at: this.now() })
        .onConflict((oc) => oc.column('number').doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 1) return number;
    }
    return fail('license.limit', `no free meeting number of ${this.length} digits; raise CONVENE_MEETING_NUMBER_LENGTH`);
  }

  async release(number: string, holderId: string): Promise<void> {
    await this.db.deleteFrom('meeting_numbers').where('number', '=', number).where('holder_id', '=', holderId).execute();
  }
}

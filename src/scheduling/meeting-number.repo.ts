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

  async releaseUnheld(now: number): Promise<number> {
    // One statement: every row is checked against the primary key of its holder's table and the meeting-number index.
    const result = await this.db
      .deleteFrom('meeting_numbers')
      .where((eb) => {
        const gone = (kind: NumberHolderKind, table: 'reservations' | 'series' | 'meeting_rooms') =>
          eb.and([
            eb('meeting_numbers.holder_kind', '=', kind),
            eb.not(eb.exists(eb.selectFrom(table).select(`${table}.id`).whereRef(`${table}.id`, '=', 'meeting_numbers.holder_id'))),
          ]);
        return eb.and([
          eb.or([gone('reservation', 'reservations'), gone('series', 'series'), gone('room', 'meeting_rooms')]),
          eb.not(
            eb.exists(
              eb
                .selectFrom('reservations')
                .select('reservations.id')
                .whereRef('reservations.meeting_number', '=', 'meeting_numbers.number')
                .where('reservations.end_time', '>', now),
            ),
          ),
        ]);
      })
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

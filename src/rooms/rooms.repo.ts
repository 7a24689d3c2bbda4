import { type Insertable, type Kysely, type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import { atomically } from '../db/atomic.ts';
import type { Database } from '../db/database.ts';
import { likePattern } from '../db/errors.ts';
import { asUserId, type UserId } from '../kernel/ids.ts';
import { KyselyLinkKeys } from '../scheduling/link-keys.repo.ts';
import type { MeetingNumberRegistry } from '../scheduling/meeting-number.ts';
import { lobbyMode } from '../scheduling/meeting.ts';
import { ChangeCounter } from '../scheduling/scheduling.repo.ts';
import type { RoomPage, RoomRepository, RoomsStore, RoomUsage } from './ports.ts';
import type { MeetingRoom } from './room.ts';
import type { MeetingRoomsTable } from './rooms.table.ts';

const toRoom = (row: Selectable<MeetingRoomsTable>): MeetingRoom => ({
  id: row.id,
  meetingNumber: row.meeting_number,
  name: row.name,
  password: row.password,
  lobby: lobbyMode(row.lobby),
  ownerId: asUserId(row.owner_id),
  creatorId: row.creator_id,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

const toRow = (r: MeetingRoom): Insertable<MeetingRoomsTable> => ({
  id: r.id,
  meeting_number: r.meetingNumber,
  name: r.name,
  name_key: r.name.toLowerCase(),
  password: r.password,
  lobby: r.lobby,
  owner_id: r.ownerId,
  creator_id: r.creatorId,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

type RoomQuery = SelectQueryBuilder<Database, 'meeting_rooms', {}>;

class KyselyRoomRepository implements RoomRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async findById(id: string): Promise<MeetingRoom | undefined> {
    const row = await this.db.selectFrom('meeting_rooms').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRoom(row);
  }

  async findByNumber(meetingNumber: string): Promise<MeetingRoom | undefined> {
    const row = await this.db.selectFrom('meeting_rooms').selectAll().where('meeting_number', '=', meetingNumber).executeTakeFirst();
    return row && toRoom(row);
  }

  listByOwner(ownerId: UserId, offset: number, limit: number): Promise<RoomPage> {
    return this.page(this.db.selectFrom('meeting_rooms').where('owner_id', '=', ownerId), offset, limit);
  }

  search(filter: string, offset: number, limit: number): Promise<RoomPage> {
    let query = this.db.selectFrom('meeting_rooms');
    if (filter !== '') {
      const pattern = likePattern(filter);
      query = query.where((eb) =>
        eb.or([
          eb('name_key', 'like', sql<string>`${pattern} escape '\\'`),
          eb('meeting_number', 'like', sql<string>`${pattern} escape '\\'`),
        ]),
      );
    }
    return this.page(query, offset, limit);
  }

  private async page(query: RoomQuery, offset: number, limit: number): Promise<RoomPage> {
    const [rows, total] = await Promise.all([
      query.selectAll().orderBy('name_key').orderBy('meeting_number').limit(limit).offset(offset).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rooms: rows.map(toRoom), total: Number(total.n) };
  }

  async insert(room: MeetingRoom): Promise<void> {
    // The meeting number was claimed in meeting_numbers first, so the unique meeting_number column cannot collide.
    await this.db.insertInto('meeting_rooms').values(toRow(room)).execute();
  }

  async update(room: MeetingRoom): Promise<void> {
    const { id, meeting_number, created_at, creator_id, ...fields } = toRow(room);
    await this.db.updateTable('meeting_rooms').set(fields).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('meeting_rooms').where('id', '=', id).execute();
  }
}

/** Reads (and on deletion, unlinks) the scheduling rows that name a room; its writes move scheduling's ChangeLog. */
class KyselyRoomUsage implements RoomUsage {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: ChangeCounter,
  ) {}

  async upcoming(roomId: string, now: number): Promise<{ meetings: number; series: number }> {
    const [meetings, series] = await Promise.all([
      this.db
        .selectFrom('reservations')
        .where('room_id', '=', roomId)
        .where('end_time', '>', now)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
      // A series counts while any occurrence has not ended, whether or not the occurrences carry the room id too.
      this.db
        .selectFrom('series')
        .where('room_id', '=', roomId)
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('reservations as r')
              .select('r.id')
              .whereRef('r.series_id', '=', 'series.id')
              .where('r.end_time', '>', now),
          ),
        )
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { meetings: Number(meetings.n), series: Number(series.n) };
  }

  changePassword(roomId: string, password: string, now: number): Promise<void> {
    return this.changes.around(() =>
      atomically(this.db, async (db) => {
        await db.updateTable('reservations').set({ password }).where('room_id', '=', roomId).where('end_time', '>', now).execute();
        await db.updateTable('series').set({ password }).where('room_id', '=', roomId).execute();
        // The same meetings get new links: the old ones, handed to every participant, would give the new password away.
        await new KyselyLinkKeys(db).renew({ roomId, notEndedAt: now });
      }),
    );
  }

  detachEnded(roomId: string, now: number): Promise<void> {
    // Only called after upcoming() found nothing, in the same transaction: every row still naming the room has ended.
    return this.changes.around(() =>
      atomically(this.db, async (db) => {
        await db.updateTable('reservations').set({ room_id: null }).where('room_id', '=', roomId).where('end_time', '<=', now).execute();
        await db.updateTable('series').set({ room_id: null }).where('room_id', '=', roomId).execute();
      }),
    );
  }
}

export class KyselyRoomsStore implements RoomsStore {
  readonly rooms: RoomRepository;
  readonly usage: RoomUsage;
  readonly numbers: MeetingNumberRegistry;

  /**
   * `numbersFor` binds the meeting-number registry to a connection, so a room and its number commit together;
   * `scheduleChanges` is scheduling's ChangeLog (its store's `changes`), which room writes to meetings move.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly numbersFor: (db: Kysely<Database>) => MeetingNumberRegistry,
    private readonly scheduleChanges: ChangeCounter = new ChangeCounter(),
    private readonly inTransaction = false,
  ) {
    this.rooms = new KyselyRoomRepository(db);
    this.usage = new KyselyRoomUsage(db, scheduleChanges);
    this.numbers = numbersFor(db);
  }

  async transaction<T>(work: (store: RoomsStore) => Promise<T>): Promise<T> {
    if (this.inTransaction) return work(this);
    try {
      return await this.db.transaction().execute((trx) => work(new KyselyRoomsStore(trx, this.numbersFor, this.scheduleChanges, true)));
    } finally {
      this.scheduleChanges.bump(); // after the commit too (see ChangeCounter)
    }
  }
}

import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import type { Database, Dialect } from '../db/database.ts';
import { asUserId, type UserId } from '../kernel/ids.ts';
import type { MeetingType, Reservation, Series } from './meeting.ts';
import { KyselyLinkKeys } from './link-keys.repo.ts';
import { KyselyMeetingNumberRegistry } from './meeting-number.repo.ts';
import type { MeetingNumberRegistry } from './meeting-number.ts';
import type { LinkKeyRepository, MeetingListRepository, ReservationRepository, SchedulingStore, SeriesRepository } from './ports.ts';
import type { Frequency } from './recurrence-rule.ts';
import type { ReservationsTable, SeriesTable } from './scheduling.table.ts';

/** Rows per INSERT: SQLite allows 32,766 bound parameters per statement, PostgreSQL 65,535. */
const CHUNK = 500;

/**
 * The SQL of a full chunk's `INSERT INTO reservations … VALUES (…), …`, per dialect. Kysely builds and compiles a
 * syntax tree of every value on every call (~25 ms of CPU for the 3653 rows of a 10-year daily series), yet the text
 * depends only on the dialect and the row count; so it is compiled once and reused with the next rows' values.
 */
const fullChunkInsert = new Map<Dialect, string>();

const toRow = (r: Reservation): ReservationsTable => ({
  id: r.id,
  type: r.type,
  owner_id: r.ownerId,
  series_id: r.seriesId,
  meeting_number: r.meetingNumber,
  password: r.password,
  room_id: r.roomId,
  name: r.name,
  description: r.description,
  call_rate: r.callRate,
  start_time: r.start,
  end_time: r.end,
  mute_upon_entry: r.muteUponEntry ? 1 : 0,
  guest_dial_in: r.guestDialIn ? 1 : 0,
  watermark: r.watermark ? 1 : 0,
  watermark_type: r.watermarkType,
  time_to_join: r.timeToJoin,
  generate_live_url: r.generateLiveUrl ? 1 : 0,
  live_passcode: r.livePasscode,
  info_key: r.infoKey,
  live_key: r.liveKey,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

const toReservation = (row: Selectable<ReservationsTable>, invitees: UserId[]): Reservation => ({
  id: row.id,
  type: row.type as MeetingType,
  ownerId: asUserId(row.owner_id),
  seriesId: row.series_id,
  meetingNumber: row.meeting_number,
  password: row.password,
  roomId: row.room_id,
  name: row.name,
  description: row.description,
  callRate: row.call_rate,
  start: Number(row.start_time),
  end: Number(row.end_time),
  muteUponEntry: row.mute_upon_entry !== 0,
  guestDialIn: row.guest_dial_in !== 0,
  watermark: row.watermark !== 0,
  watermarkType: row.watermark_type,
  timeToJoin: row.time_to_join,
  generateLiveUrl: row.generate_live_url !== 0,
  livePasscode: row.live_passcode,
  infoKey: row.info_key,
  liveKey: row.live_key,
  invitees,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

const toSeriesRow = (s: Series): SeriesTable => ({
  id: s.id,
  owner_id: s.ownerId,
  frequency: s.rule.frequency,
  interval: s.rule.interval,
  time_zone: s.rule.timeZone,
  first_start: s.rule.firstStart,
  duration: s.rule.duration,
  last_day: s.rule.lastDay,
  days_of_week: JSON.stringify(s.rule.daysOfWeek),
  days_of_month: JSON.stringify(s.rule.daysOfMonth),
  group_key: s.groupKey,
  meeting_number: s.meetingNumber,
  password: s.password,
  room_id: s.roomId,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

const toSeries = (row: Selectable<SeriesTable>): Series => ({
  id: row.id,
  ownerId: asUserId(row.owner_id),
  rule: {
    frequency: row.frequency as Frequency,
    interval: row.interval,
    timeZone: row.time_zone,
    firstStart: Number(row.first_start),
    duration: Number(row.duration),
    lastDay: row.last_day,
    daysOfWeek: JSON.parse(row.days_of_week) as number[],
    daysOfMonth: JSON.parse(row.days_of_month) as number[],
  },
  groupKey: row.group_key,
  meetingNumber: row.meeting_number,
  password: row.password,
  roomId: row.room_id,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

class KyselyReservationRepository implements ReservationRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async findById(id: string) {
    return (await this.withInvitees(await this.db.selectFrom('reservations').selectAll().where('id', '=', id).execute()))[0];
  }

  async findByInfoKey(key: string) {
    return (await this.withInvitees(await this.db.selectFrom('reservations').selectAll().where('info_key', '=', key).execute()))[0];
  }

  async listBySeries(seriesId: string, options: { notEndedAt?: number } = {}) {
    let query = this.db.selectFrom('reservations').selectAll().where('series_id', '=', seriesId);
    if (options.notEndedAt !== undefined) query = query.where('end_time', '>', options.notEndedAt);
    return this.withInvitees(await query.orderBy('start_time').orderBy('id').execute());
  }

  async listVisibleTo(userId: UserId, now: number) {
    const rows = await this.db
      .selectFrom('reservations')
      .selectAll()
      .where('end_time', '>', now)
      .where((eb) =>
        eb.or([
          eb('owner_id', '=', userId),
          eb('id', 'in', eb.selectFrom('reservation_invitees').select('reservation_id').where('user_id', '=', userId)),
          eb('info_key', 'in', eb.selectFrom('meeting_list').select('link_key').where('user_id', '=', userId)),
          eb(
            'series_id',
            'in',
            eb
              .selectFrom('series')
              .innerJoin('meeting_list', 'meeting_list.link_key', 'series.group_key')
              .select('series.id')
              .where('meeting_list.user_id', '=', userId),
          ),
        ]),
      )
      .orderBy('start_time')
      .orderBy('id')
      .execute();
    return this.withInvitees(rows);
  }

  async isInvited(userId: UserId, r: Pick<Reservation, 'id' | 'seriesId'>): Promise<boolean> {
    let query = this.db.selectFrom('reservation_invitees').select('reservation_id').where('user_id', '=', userId);
    query = r.seriesId
      ? query.where('reservation_id', 'in', this.db.selectFrom('reservations').select('id').where('series_id', '=', r.seriesId))
      : query.where('reservation_id', '=', r.id);
    return (await query.limit(1).executeTakeFirst()) !== undefined;
  }

  async insertMany(reservations: Reservation[]): Promise<void> {
    for (let i = 0; i < reservations.length; i += CHUNK) {
      const rows = reservations.slice(i, i + CHUNK).map(toRow);
      const values: unknown[] = []; // a plain loop: flatMap over 11,000 values is ~6× slower in V8
      for (const row of rows) for (const value of Object.values(row)) values.push(value);
      const sql = rows.length === CHUNK ? fullChunkInsert.get(this.dialect) : undefined;
      if (sql !== undefined) {
        await this.db.executeQuery(CompiledQuery.raw(sql, values));
        continue;
      }
      const compiled = this.db.insertInto('reservations').values(rows).compile();
      // Kept only if Kysely's parameters are exactly the rows' values in toRow's key order, as `values` is built.
      if (rows.length === CHUNK && compiled.parameters.length === values.length && compiled.parameters.every((v, j) => v === values[j])) {
        fullChunkInsert.set(this.dialect, compiled.sql);
      }
      await this.db.executeQuery(compiled);
    }
    const invitees = reservations.flatMap((r) => r.invitees.map((user_id) => ({ reservation_id: r.id, user_id })));
    for (let i = 0; i < invitees.length; i += CHUNK) {
      await this.db.insertInto('reservation_invitees').values(invitees.slice(i, i + CHUNK)).execute();
    }
  }

  async update(r: Reservation): Promise<void> {
    const { id, ...fields } = toRow(r);
    await this.db.updateTable('reservations').set(fields).where('id', '=', id).execute();
    await this.db.deleteFrom('reservation_invitees').where('reservation_id', '=', id).execute();
    if (r.invitees.length > 0) {
      await this.db.insertInto('reservation_invitees').values(r.invitees.map((user_id) => ({ reservation_id: id, user_id }))).execute();
    }
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('reservations').where('id', '=', id).execute();
  }

  async deleteSeriesFrom(seriesId: string, after: number): Promise<void> {
    await this.db.deleteFrom('reservations').where('series_id', '=', seriesId).where('start_time', '>', after).execute();
  }

  async countBySeries(seriesId: string): Promise<number> {
    const { n } = await this.db
      .selectFrom('reservations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('series_id', '=', seriesId)
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  /** Attaches invitees with one query per chunk of reservations (not one per reservation). */
  private async withInvitees(rows: Selectable<ReservationsTable>[]): Promise<Reservation[]> {
    const byReservation = new Map<string, UserId[]>();
    for (let i = 0; i < rows.length; i += CHUNK) {
      const ids = rows.slice(i, i + CHUNK).map((r) => r.id);
      const links = await this.db.selectFrom('reservation_invitees').selectAll().where('reservation_id', 'in', ids).execute();
      for (const link of links) {
        const list = byReservation.get(link.reservation_id) ?? [];
        list.push(asUserId(link.user_id));
        byReservation.set(link.reservation_id, list);
      }
    }
    return rows.map((row) => toReservation(row, byReservation.get(row.id) ?? []));
  }
}

class KyselySeriesRepository implements SeriesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async findById(id: string) {
    const row = await this.db.selectFrom('series').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSeries(row);
  }

  async findByGroupKey(key: string) {
    const row = await this.db.selectFrom('series').selectAll().where('group_key', '=', key).executeTakeFirst();
    return row && toSeries(row);
  }

  async findMany(ids: readonly string[]) {
    const unique = [...new Set(ids)];
    const found: Series[] = [];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const rows = await this.db.selectFrom('series').selectAll().where('id', 'in', unique.slice(i, i + CHUNK)).execute();
      found.push(...rows.map(toSeries));
    }
    return found;
  }

  async insert(s: Series): Promise<void> {
    await this.db.insertInto('series').values(toSeriesRow(s)).execute();
  }

  async update(s: Series): Promise<void> {
    const { id, ...fields } = toSeriesRow(s);
    await this.db.updateTable('series').set(fields).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('series').where('id', '=', id).execute();
  }
}

class KyselyMeetingListRepository implements MeetingListRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(userId: UserId, key: string, at: number): Promise<void> {
    await this.db
      .insertInto('meeting_list')
      .values({ user_id: userId, link_key: key, created_at: at })
      .onConflict((oc) => oc.columns(['user_id', 'link_key']).doNothing())
      .execute();
  }

  async remove(userId: UserId, keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += CHUNK) {
      await this.db.deleteFrom('meeting_list').where('user_id', '=', userId).where('link_key', 'in', keys.slice(i, i + CHUNK)).execute();
    }
  }

  async has(userId: UserId, keys: readonly string[]): Promise<boolean> {
    if (keys.length === 0) return false;
    const row = await this.db.selectFrom('meeting_list').select('link_key').where('user_id', '=', userId).where('link_key', 'in', keys).executeTakeFirst();
    return row !== undefined;
  }
}

export class KyselySchedulingStore implements SchedulingStore {
  readonly reservations: ReservationRepository;
  readonly series: SeriesRepository;
  readonly lists: MeetingListRepository;
  readonly linkKeys: LinkKeyRepository;
  readonly numbers: MeetingNumberRegistry;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly numberLength: number,
    private readonly now: () => number,
    private readonly inTransaction = false,
  ) {
    this.reservations = new KyselyReservationRepository(db, dialect);
    this.series = new KyselySeriesRepository(db);
    this.lists = new KyselyMeetingListRepository(db);
    this.linkKeys = new KyselyLinkKeys(db);
    this.numbers = new KyselyMeetingNumberRegistry(db, numberLength, now);
  }

  transaction<T>(work: (store: SchedulingStore) => Promise<T>): Promise<T> {
    if (this.inTransaction) return work(this);
    return this.db
      .transaction()
      .execute((trx) => work(new KyselySchedulingStore(trx, this.dialect, this.numberLength, this.now, true)));
  }
}

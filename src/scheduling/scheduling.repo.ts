import { CompiledQuery, type Insertable, type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import { atomically } from '../db/atomic.ts';
import type { Database, Dialect } from '../db/database.ts';
import { likePattern } from '../db/errors.ts';
import { asUserId, type UserId } from '../kernel/ids.ts';
import { lobbyMode, MAX_MEETING_MS, type MeetingType, type Reservation, type Series } from './meeting.ts';
import { KyselyMeetingNumberRegistry } from './meeting-number.repo.ts';
import type { MeetingNumberRegistry } from './meeting-number.ts';
import type { ChangeLog, LinkKeyRepository, ListedEntry, ListQuery, MeetingListRepository, ReservationRepository, SchedulingStore, SeriesRepository } from './ports.ts';
import { KyselyLinkKeys } from './link-keys.repo.ts';
import type { Frequency } from './recurrence-rule.ts';
import type { ReservationsTable, SeriesTable } from './scheduling.table.ts';

/** The process's ChangeLog: every write through a scheduling or rooms store moves it (see ports.ts). */
export class ChangeCounter implements ChangeLog {
  version = 0;

  /** `written` hears of every write of this process (a cluster node tells the others, whose caches it makes stale). */
  constructor(private readonly written: () => void = () => {}) {}

  bump(): void {
    this.version++;
    this.written();
  }

  /** Another process wrote: what was read before is no longer current here either. */
  elsewhere(): void {
    this.version++;
  }

  /**
   * Runs a write, moving the version before and after it: a reader that read the version before the write started
   * and the data after, or the other way round, holds a version that is no longer current.
   */
  async around<T>(write: () => Promise<T>): Promise<T> {
    this.bump();
    try {
      return await write();
    } finally {
      this.bump();
    }
  }
}

/** Rows per INSERT: SQLite allows 32,766 bound parameters per statement, PostgreSQL 65,535. */
const CHUNK = 500;

/**
 * The SQL of a full chunk's `INSERT INTO reservations … VALUES (…), …`, per dialect. Kysely builds and compiles a
 * syntax tree of every value on every call (~25 ms of CPU for the 3653 rows of a 10-year daily series), yet the text
 * depends only on the dialect and the row count; so it is compiled once and reused with the next rows' values.
 */
const fullChunkInsert = new Map<Dialect, string>();

const toRow = (r: Reservation): Insertable<ReservationsTable> => ({
  id: r.id,
  type: r.type,
  owner_id: r.ownerId,
  series_id: r.seriesId,
  meeting_number: r.meetingNumber,
  password: r.password,
  room_id: r.roomId,
  name: r.name,
  name_key: r.name.toLowerCase(),
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
  lobby: r.lobby,
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
  lobby: lobbyMode(row.lobby),
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

const toSeries = (row: Selectable<SeriesTable>, invitees: UserId[]): Series => ({
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
  invitees,
  meetingNumber: row.meeting_number,
  password: row.password,
  roomId: row.room_id,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

/** The invitees of each of the series, with one query per chunk of ids. */
async function seriesInvitees(db: Kysely<Database>, seriesIds: readonly string[]): Promise<Map<string, UserId[]>> {
  const bySeries = new Map<string, UserId[]>();
  const unique = [...new Set(seriesIds)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const links = await db.selectFrom('series_invitees').selectAll().where('series_id', 'in', unique.slice(i, i + CHUNK)).execute();
    for (const link of links) {
      const list = bySeries.get(link.series_id) ?? [];
      list.push(asUserId(link.user_id));
      bySeries.set(link.series_id, list);
    }
  }
  return bySeries;
}

/** Occurrences a list entry carries are read in statements of at most this many series (SQLite: ≤ 500 compound members). */
const LATER_CHUNK = 50;

/**
 * An occurrence that has not ended started at most this long ago: occurrences last less than a day, and an edit of one
 * occurrence keeps it under 7 days (MAX_MEETING_MS). Bounds the index range searched for a series' next occurrence.
 */
const LONGEST_OCCURRENCE_MS = MAX_MEETING_MS;

class KyselyReservationRepository implements ReservationRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly changes: ChangeCounter,
  ) {}

  async findById(id: string) {
    return (await this.withInvitees(await this.db.selectFrom('reservations').selectAll().where('id', '=', id).execute()))[0];
  }

  async findByInfoKey(key: string) {
    return (await this.withInvitees(await this.db.selectFrom('reservations').selectAll().where('info_key', '=', key).execute()))[0];
  }

  async listBySeries(seriesId: string) {
    return this.withInvitees(await this.db.selectFrom('reservations').selectAll().where('series_id', '=', seriesId).orderBy('start_time').orderBy('id').execute());
  }

  async pageBySeries(seriesId: string, notEndedAt: number, offset: number, limit: number) {
    const query = this.db.selectFrom('reservations').where('series_id', '=', seriesId).where('end_time', '>', notEndedAt);
    const [rows, count] = await Promise.all([
      query.selectAll().orderBy('start_time').orderBy('id').limit(limit).offset(offset).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { occurrences: await this.withInvitees(rows), total: Number(count.n) };
  }

  async firstOf(seriesId: string, where: { startAfter?: number; endAfter?: number }) {
    let query = this.db.selectFrom('reservations').selectAll().where('series_id', '=', seriesId);
    if (where.startAfter !== undefined) query = query.where('start_time', '>', where.startAfter);
    if (where.endAfter !== undefined) query = query.where('end_time', '>', where.endAfter);
    return (await this.withInvitees(await query.orderBy('start_time').orderBy('id').limit(1).execute()))[0];
  }

  async lastOf(seriesId: string, where: { startAtMost?: number } = {}) {
    let query = this.db.selectFrom('reservations').selectAll().where('series_id', '=', seriesId);
    if (where.startAtMost !== undefined) query = query.where('start_time', '<=', where.startAtMost);
    return (await this.withInvitees(await query.orderBy('start_time', 'desc').orderBy('id', 'desc').limit(1).execute()))[0];
  }

  async neighbours(o: Pick<Reservation, 'id' | 'seriesId' | 'start'>) {
    if (!o.seriesId) return {};
    const series = this.db.selectFrom('reservations').selectAll().where('series_id', '=', o.seriesId);
    // Ranges on start_time with the ties filtered (see laterOf: no OR, so the index is read in order).
    const [before, after] = await Promise.all([
      series
        .where('start_time', '<=', o.start)
        .where((eb) => eb.not(eb.and([eb('start_time', '=', o.start), eb('id', '>=', o.id)])))
        .orderBy('start_time', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .execute(),
      series
        .where('start_time', '>=', o.start)
        .where((eb) => eb.not(eb.and([eb('start_time', '=', o.start), eb('id', '<=', o.id)])))
        .orderBy('start_time')
        .orderBy('id')
        .limit(1)
        .execute(),
    ]);
    const [b] = await this.withInvitees(before);
    const [a] = await this.withInvitees(after);
    return { ...(b ? { before: b } : {}), ...(a ? { after: a } : {}) };
  }

  /**
   * The work is bounded by the entries the user can see, never by occurrences: a series the user sees whole (owns,
   * is invited to, added by its group key) is found in `series`/`series_invitees`/`meeting_list` and stands for its
   * next occurrence that has not ended, one index look-up each; single meetings come from the user's own rows,
   * invitations and links (a meeting in several of them is one entry: `IN` keeps each id once); occurrences added by
   * their own key stand for their series when it is not seen whole. The entries are
   * then filtered (their next occurrence's name or number), ordered, counted and cut to the page in the same
   * statement. Only the page's rows are read in full, and `later` occurrences per series on the page (laterOf).
   */
  async listEntries(userId: UserId, now: number, q: ListQuery): Promise<{ entries: ListedEntry[]; total: number; validUntil: number }> {
    // Every row that has not ended started after `from` (checkTimes keeps every meeting and occurrence under 7 days):
    // each source's rows are an index range in start order.
    const from = now - LONGEST_OCCURRENCE_MS;
    const pattern = likePattern(q.filter);
    const matches = q.filter === '' ? sql`` : sql`AND (r.name_key LIKE ${pattern} ESCAPE '\\' OR r.meeting_number LIKE ${pattern} ESCAPE '\\')`;
    const seenSeries = sql`seen_series(id) AS (
        SELECT id FROM series WHERE owner_id = ${userId}
        UNION SELECT series_id FROM series_invitees WHERE user_id = ${userId}
        UNION SELECT s.id FROM meeting_list m JOIN series s ON s.group_key = m.link_key WHERE m.user_id = ${userId}
      )`;
    const seriesNext = sql`series_next(id) AS (
        SELECT (
          SELECT n.id FROM reservations n WHERE n.series_id = v.id AND n.start_time > ${from} AND n.end_time > ${now}
          ORDER BY n.start_time, n.id LIMIT 1
        ) FROM seen_series v
      )`;
    const keyed = sql`keyed(id, series_id, start_time) AS (
        SELECT r.id, r.series_id, r.start_time FROM meeting_list m JOIN reservations r ON r.info_key = m.link_key
        WHERE m.user_id = ${userId} AND r.series_id IS NOT NULL AND r.end_time > ${now} AND r.series_id NOT IN (SELECT id FROM seen_series)
      )`;
    // The entries come from disjoint sources (a meeting reachable in several ways counts in the first: owned, invited,
    // added by link); `whole` marks a series seen whole, whose later occurrences are its own (laterOf).
    const sources: { whole: 0 | 1; ctes: RawBuilder<unknown>; rows: RawBuilder<unknown> }[] = [
      { whole: 1, ctes: sql`WITH ${seenSeries}, ${seriesNext}`, rows: sql`FROM series_next x JOIN reservations r ON r.id = x.id WHERE 1 = 1` },
      {
        whole: 0,
        ctes: sql``,
        rows: sql`FROM reservations r WHERE r.owner_id = ${userId} AND r.series_id IS NULL AND r.start_time > ${from} AND r.end_time > ${now}`,
      },
      {
        whole: 0,
        ctes: sql``,
        rows: sql`FROM reservation_invitees i JOIN reservations r ON r.id = i.reservation_id
          WHERE i.user_id = ${userId} AND r.end_time > ${now} AND r.owner_id <> ${userId}`,
      },
      {
        whole: 0,
        ctes: sql``,
        rows: sql`FROM meeting_list m JOIN reservations r ON r.info_key = m.link_key
          WHERE m.user_id = ${userId} AND r.series_id IS NULL AND r.end_time > ${now} AND r.owner_id <> ${userId}
            AND NOT EXISTS (SELECT 1 FROM reservation_invitees i WHERE i.reservation_id = r.id AND i.user_id = ${userId})`,
      },
      {
        // Occurrences added by their own key, of a series not seen whole: the first of them stands for the series.
        whole: 0,
        ctes: sql`WITH ${seenSeries}, ${keyed}`,
        rows: sql`FROM keyed k JOIN reservations r ON r.id = k.id WHERE NOT EXISTS (
          SELECT 1 FROM keyed e WHERE e.series_id = k.series_id AND (e.start_time < k.start_time OR (e.start_time = k.start_time AND e.id < k.id)))`,
      },
    ];
    // First, in one statement, how many entries each source has and when its first one ends; then a top-N of each
    // non-empty source (at most offset + limit rows: an index range read in order, no full sort), merged here. One
    // statement per source: SQLite evaluates a compound of LIMITed sub-selects several times slower than the
    // sub-selects alone. Ties on start are broken by id, a UUID: ASCII in fixed positions, so every collation orders it
    // like JS does.
    const columns = sources.map(
      ({ rows }, i) =>
        sql`(SELECT COUNT(*) ${rows} ${matches}) AS ${sql.raw(`n${i}`)}, (SELECT MIN(r.end_time) ${rows} ${matches}) AS ${sql.raw(`e${i}`)}`,
    );
    const { rows: summary } = await sql<Record<string, number | null>>`WITH ${seenSeries}, ${seriesNext}, ${keyed} SELECT ${sql.join(columns, sql`, `)}`.execute(this.db);
    const sizes = sources.map((_, i) => Number(summary[0]?.[`n${i}`] ?? 0));
    const total = sizes.reduce((a, b) => a + b, 0);
    // The list changes by itself when an entry's next occurrence ends (the entry goes, or moves to the series' next).
    const validUntil = Math.min(...sources.map((_, i) => (summary[0]?.[`e${i}`] == null ? Infinity : Number(summary[0][`e${i}`]))));
    const nonEmpty = sources.filter((_, i) => sizes[i]! > 0);
    // With one source the page is its own LIMIT/OFFSET; with several, each gives its first offset + limit.
    const alone = nonEmpty.length === 1;
    const tops = await Promise.all(
      nonEmpty.map(({ whole, ctes, rows }) =>
        sql<{ id: string; series_id: string | null; start_time: number; whole: number }>`${ctes}
          SELECT r.id AS id, r.series_id AS series_id, r.start_time AS start_time, ${sql.raw(String(whole))} AS whole
          ${rows} ${matches} ORDER BY r.start_time, r.id LIMIT ${alone ? q.limit : q.offset + q.limit} OFFSET ${alone ? q.offset : 0}`.execute(this.db),
      ),
    );
    const merged = tops.flatMap((t) => t.rows).map((e) => ({ ...e, start_time: Number(e.start_time) }));
    const page = alone
      ? merged
      : merged.sort((a, b) => a.start_time - b.start_time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(q.offset, q.offset + q.limit);
    if (page.length === 0) return { entries: [], total, validUntil };
    const later = q.later > 0 ? await this.laterOf(userId, now, page, q.later) : new Map<string, Selectable<ReservationsTable>[]>();
    const nexts = await this.db.selectFrom('reservations').selectAll().where('id', 'in', page.map((e) => e.id)).execute();
    const all = await this.withInvitees([...nexts, ...[...later.values()].flat()]);
    const byId = new Map(all.map((r) => [r.id, r]));
    return {
      entries: page.map((e) => ({ next: byId.get(e.id)!, later: (later.get(e.id) ?? []).map((l) => byId.get(l.id)!) })),
      total,
      validUntil,
    };
  }

  /**
   * The occurrences after each series entry's next one, at most `limit` per entry: the series' own for a series seen
   * whole, else the other occurrences the user added by their keys. One LIMITed index range per series, LATER_CHUNK
   * series per statement (UNION ALL of sub-selects, as SQLite allows a LIMIT only on a whole compound otherwise).
   */
  private async laterOf(
    userId: UserId,
    now: number,
    nexts: { id: string; series_id: string | null; start_time: number; whole: number }[],
    limit: number,
  ): Promise<Map<string, Selectable<ReservationsTable>[]>> {
    const series = nexts.filter((r) => r.series_id !== null);
    const result = new Map<string, Selectable<ReservationsTable>[]>();
    for (let i = 0; i < series.length; i += LATER_CHUNK) {
      const chunk = series.slice(i, i + LATER_CHUNK);
      const members = chunk.map((n, j) => {
        // "After (start, id)" as a range on start_time and a filter for the ties: an OR of the two would keep
        // PostgreSQL (without statistics yet) from reading the index in order, and it would sort the whole series.
        const after = sql`r.series_id = ${n.series_id} AND r.end_time > ${now}
          AND r.start_time >= ${n.start_time} AND NOT (r.start_time = ${n.start_time} AND r.id <= ${n.id})`;
        const source = Number(n.whole) === 1
          ? sql`FROM reservations r WHERE ${after}`
          : sql`FROM meeting_list m JOIN reservations r ON r.info_key = m.link_key WHERE m.user_id = ${userId} AND ${after}`;
        return sql`SELECT * FROM (SELECT r.*, ${sql.raw(String(j))} AS entry_index ${source} ORDER BY r.start_time, r.id LIMIT ${limit}) AS l${sql.raw(String(j))}`;
      });
      const { rows } = await sql<Selectable<ReservationsTable> & { entry_index: number }>`${sql.join(members, sql` UNION ALL `)}`.execute(this.db);
      for (const row of rows) {
        const next = chunk[Number(row.entry_index)]!;
        const list = result.get(next.id) ?? [];
        list.push(row);
        result.set(next.id, list);
      }
    }
    // UNION ALL keeps no order across members; within an entry, order by start then id.
    for (const list of result.values()) list.sort((a, b) => Number(a.start_time) - Number(b.start_time) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return result;
  }

  async upcomingOwnedBy(ownerId: UserId, now: number): Promise<{ meetings: number; series: number }> {
    const row = await this.db
      .selectFrom('reservations')
      .select((eb) => [eb.fn.countAll<number>().as('meetings'), eb.fn.count<number>('series_id').distinct().as('series')])
      .where('owner_id', '=', ownerId)
      .where('end_time', '>', now)
      .executeTakeFirstOrThrow();
    return { meetings: Number(row.meetings), series: Number(row.series) };
  }

  async isInvited(userId: UserId, r: Pick<Reservation, 'id' | 'seriesId'>): Promise<boolean> {
    const row = r.seriesId
      ? await this.db.selectFrom('series_invitees').select('user_id').where('series_id', '=', r.seriesId).where('user_id', '=', userId).executeTakeFirst()
      : await this.db.selectFrom('reservation_invitees').select('user_id').where('reservation_id', '=', r.id).where('user_id', '=', userId).executeTakeFirst();
    return row !== undefined;
  }

  /** Every row and invitee, or none: one transaction (the caller's, when it has one). */
  insertMany(reservations: Reservation[]): Promise<void> {
    return this.changes.around(() => atomically(this.db, async (db) => {
      for (let i = 0; i < reservations.length; i += CHUNK) {
        const rows = reservations.slice(i, i + CHUNK).map(toRow);
        const values: unknown[] = []; // a plain loop: flatMap over 11,000 values is ~6× slower in V8
        for (const row of rows) for (const value of Object.values(row)) values.push(value);
        const sql = rows.length === CHUNK ? fullChunkInsert.get(this.dialect) : undefined;
        if (sql !== undefined) {
          await db.executeQuery(CompiledQuery.raw(sql, values));
          continue;
        }
        const compiled = db.insertInto('reservations').values(rows).compile();
        // Kept only if Kysely's parameters are exactly the rows' values in toRow's key order, as `values` is built.
        if (rows.length === CHUNK && compiled.parameters.length === values.length && compiled.parameters.every((v, j) => v === values[j])) {
          fullChunkInsert.set(this.dialect, compiled.sql);
        }
        await db.executeQuery(compiled);
      }
      // A series' invitees are the series' (series.insert/update), not each occurrence's.
      const invitees = reservations.flatMap((r) => (r.seriesId ? [] : r.invitees.map((user_id) => ({ reservation_id: r.id, user_id }))));
      for (let i = 0; i < invitees.length; i += CHUNK) {
        await db.insertInto('reservation_invitees').values(invitees.slice(i, i + CHUNK)).execute();
      }
    }));
  }

  /**
   * The row and its invitees together: a failure or a crash half-way leaves the reservation as it was. An occurrence's
   * invitees are its series' and are not written here.
   */
  update(r: Reservation): Promise<void> {
    const { id, ...fields } = toRow(r);
    return this.changes.around(() => atomically(this.db, async (db) => {
      await db.updateTable('reservations').set(fields).where('id', '=', id).execute();
      if (r.seriesId) return;
      await db.deleteFrom('reservation_invitees').where('reservation_id', '=', id).execute();
      if (r.invitees.length > 0) {
        await db.insertInto('reservation_invitees').values(r.invitees.map((user_id) => ({ reservation_id: id, user_id }))).execute();
      }
    }));
  }

  async delete(id: string): Promise<void> {
    await this.changes.around(() => this.db.deleteFrom('reservations').where('id', '=', id).execute());
  }

  async deleteSeriesFrom(seriesId: string, after: number): Promise<void> {
    await this.changes.around(() => this.db.deleteFrom('reservations').where('series_id', '=', seriesId).where('start_time', '>', after).execute());
  }

  async countBySeries(seriesId: string, where: { startAfter?: number; endAfter?: number } = {}): Promise<number> {
    let query = this.db.selectFrom('reservations').select((eb) => eb.fn.countAll<number>().as('n')).where('series_id', '=', seriesId);
    if (where.startAfter !== undefined) query = query.where('start_time', '>', where.startAfter);
    if (where.endAfter !== undefined) query = query.where('end_time', '>', where.endAfter);
    const { n } = await query.executeTakeFirstOrThrow();
    return Number(n);
  }

  /** Attaches invitees (a single meeting's own, an occurrence's series') with one query per chunk, not one per row. */
  private async withInvitees(rows: Selectable<ReservationsTable>[]): Promise<Reservation[]> {
    const byReservation = new Map<string, UserId[]>();
    const singles = rows.filter((r) => r.series_id === null).map((r) => r.id);
    for (let i = 0; i < singles.length; i += CHUNK) {
      const links = await this.db.selectFrom('reservation_invitees').selectAll().where('reservation_id', 'in', singles.slice(i, i + CHUNK)).execute();
      for (const link of links) {
        const list = byReservation.get(link.reservation_id) ?? [];
        list.push(asUserId(link.user_id));
        byReservation.set(link.reservation_id, list);
      }
    }
    const bySeries = await seriesInvitees(this.db, rows.flatMap((r) => (r.series_id === null ? [] : [r.series_id])));
    return rows.map((row) => toReservation(row, [...((row.series_id === null ? byReservation.get(row.id) : bySeries.get(row.series_id)) ?? [])]));
  }
}

class KyselySeriesRepository implements SeriesRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: ChangeCounter,
  ) {}

  async findById(id: string) {
    return (await this.withInvitees(await this.db.selectFrom('series').selectAll().where('id', '=', id).execute()))[0];
  }

  async findByGroupKey(key: string) {
    return (await this.withInvitees(await this.db.selectFrom('series').selectAll().where('group_key', '=', key).execute()))[0];
  }

  async findMany(ids: readonly string[]) {
    const unique = [...new Set(ids)];
    const found: Series[] = [];
    for (let i = 0; i < unique.length; i += CHUNK) {
      found.push(...(await this.withInvitees(await this.db.selectFrom('series').selectAll().where('id', 'in', unique.slice(i, i + CHUNK)).execute())));
    }
    return found;
  }

  /** The series and its invitees together. */
  insert(s: Series): Promise<void> {
    return this.changes.around(() =>
      atomically(this.db, async (db) => {
        await db.insertInto('series').values(toSeriesRow(s)).execute();
        await this.insertInvitees(db, s);
      }),
    );
  }

  /** The series and its invitees together: a failure half-way leaves both as they were. */
  update(s: Series): Promise<void> {
    const { id, ...fields } = toSeriesRow(s);
    return this.changes.around(() =>
      atomically(this.db, async (db) => {
        await db.updateTable('series').set(fields).where('id', '=', id).execute();
        await db.deleteFrom('series_invitees').where('series_id', '=', id).execute();
        await this.insertInvitees(db, s);
      }),
    );
  }

  async delete(id: string): Promise<void> {
    await this.changes.around(() => this.db.deleteFrom('series').where('id', '=', id).execute());
  }

  private async insertInvitees(db: Kysely<Database>, s: Series): Promise<void> {
    const rows = [...new Set(s.invitees)].map((user_id) => ({ series_id: s.id, user_id }));
    for (let i = 0; i < rows.length; i += CHUNK) await db.insertInto('series_invitees').values(rows.slice(i, i + CHUNK)).execute();
  }

  private async withInvitees(rows: Selectable<SeriesTable>[]): Promise<Series[]> {
    const invitees = await seriesInvitees(this.db, rows.map((r) => r.id));
    return rows.map((row) => toSeries(row, invitees.get(row.id) ?? []));
  }
}

class KyselyMeetingListRepository implements MeetingListRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: ChangeCounter,
  ) {}

  async add(userId: UserId, key: string, at: number): Promise<void> {
    await this.changes.around(() =>
      this.db
        .insertInto('meeting_list')
        .values({ user_id: userId, link_key: key, created_at: at })
        .onConflict((oc) => oc.columns(['user_id', 'link_key']).doNothing())
        .execute(),
    );
  }

  async remove(userId: UserId, keys: readonly string[]): Promise<void> {
    await this.changes.around(async () => {
      for (let i = 0; i < keys.length; i += CHUNK) {
        await this.db.deleteFrom('meeting_list').where('user_id', '=', userId).where('link_key', 'in', keys.slice(i, i + CHUNK)).execute();
      }
    });
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
    /** Shared with the rooms store (core.ts) and with the transaction-bound stores this one opens. */
    readonly changes: ChangeCounter = new ChangeCounter(),
    private readonly inTransaction = false,
  ) {
    this.reservations = new KyselyReservationRepository(db, dialect, changes);
    this.series = new KyselySeriesRepository(db, changes);
    this.lists = new KyselyMeetingListRepository(db, changes);
    this.linkKeys = new KyselyLinkKeys(db, changes);
    this.numbers = new KyselyMeetingNumberRegistry(db, numberLength, now);
  }

  async transaction<T>(work: (store: SchedulingStore) => Promise<T>): Promise<T> {
    if (this.inTransaction) return work(this);
    try {
      return await this.db
        .transaction()
        .execute((trx) => work(new KyselySchedulingStore(trx, this.dialect, this.numberLength, this.now, this.changes, true)));
    } finally {
      // Again once it has ended: a reader outside it may have read the rows from before the commit meanwhile.
      this.changes.bump();
    }
  }
}

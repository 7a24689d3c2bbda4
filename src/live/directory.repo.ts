import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { lobbyMode } from '../scheduling/meeting.ts';
import type { MeetingDirectory, NumberLookup, ScheduledMeeting } from './ports.ts';

/** Only the nearest meetings under a number matter to a join. */
const UPCOMING_LIMIT = 5;

/** A room's meeting options: open any time, to guests, without watermark. */
const ROOM_TIME_TO_JOIN = -1;
const ROOM_CALL_RATE = '2048K';

/** One row of the lookup query: the room, a meeting not ended, or the marker that some meeting has ended. */
interface LookupRow {
  src: string;
  id: string;
  type: string;
  series_id: string | null;
  name: string;
  owner_id: string;
  owner_name: string;
  password: string;
  start_time: number | null;
  end_time: number | null;
  time_to_join: number;
  mute_upon_entry: number;
  guest_dial_in: number;
  watermark: number;
  watermark_type: string;
  call_rate: string;
  info_key: string;
  group_key: string;
  lobby: string;
  live_key: string;
  live_passcode: string;
}

const SRC_ROOM = 'room';
const SRC_UPCOMING = 'upcoming';
const SRC_ENDED = 'ended';

const toMeeting = (meetingNumber: string, row: LookupRow): ScheduledMeeting => ({
  meetingNumber,
  kind: row.src === SRC_ROOM ? 'room' : row.type === 'instant' ? 'instant' : row.series_id !== null ? 'occurrence' : 'reservation',
  scheduleId: row.id,
  name: row.name,
  ownerId: row.owner_id,
  ownerName: row.owner_name,
  password: row.password,
  start: row.start_time === null ? null : Number(row.start_time),
  end: row.end_time === null ? null : Number(row.end_time),
  timeToJoin: Number(row.time_to_join),
  muteUponEntry: Number(row.mute_upon_entry) !== 0,
  guestDialIn: Number(row.guest_dial_in) !== 0,
  watermark: Number(row.watermark) !== 0,
  watermarkType: row.watermark_type,
  callRate: row.call_rate,
  infoKey: row.info_key,
  groupKey: row.group_key,
  lobby: lobbyMode(row.lobby),
  seriesId: row.series_id ?? '',
  liveKey: row.live_key,
  livePasscode: row.live_key === '' ? '' : row.live_passcode,
});

/**
 * Everything a meeting number opens, in one statement (this runs on every join): the room holding the number, the
 * nearest meetings under it not ended at `now`, and at most one ended meeting as the "had ended" marker, as
 * `room UNION ALL meetings(ids of upcoming … LIMIT 5) UNION ALL meetings(id of one ended … LIMIT 1)`. The limited
 * parts are sub-selects in FROM because SQLite allows ORDER BY / LIMIT only on a whole compound, not on its members.
 * UNION ALL matches columns by position: the room's select list and `meetings` keep the order of LookupRow.
 */
export class KyselyMeetingDirectory implements MeetingDirectory {
  constructor(private readonly db: Kysely<Database>) {}

  async lookup(meetingNumber: string, now: number): Promise<NumberLookup> {
    // The limited parts pick reservation ids only (narrow rows to sort); the few picked are then read in full.
    const keys = () => this.db.selectFrom('reservations').select('id').where('meeting_number', '=', meetingNumber);
    const meetings = (src: string, picked: ReturnType<typeof keys>) =>
      this.db
        .selectFrom(picked.as('k'))
        .innerJoin('reservations as r', 'r.id', 'k.id')
        .leftJoin('users as u', 'u.id', 'r.owner_id')
        .leftJoin('series as s', 's.id', 'r.series_id')
        .select([
          sql.lit(src).$castTo<string>().as('src'),
          'r.id',
          'r.type',
          'r.series_id',
          'r.name',
          'r.owner_id',
          sql<string>`coalesce(nullif(u.real_name, ''), u.username, '')`.as('owner_name'),
          'r.password',
          'r.start_time',
          'r.end_time',
          'r.time_to_join',
          'r.mute_upon_entry',
          'r.guest_dial_in',
          'r.watermark',
          'r.watermark_type',
          'r.call_rate',
          'r.info_key',
          sql<string>`coalesce(s.group_key, '')`.as('group_key'),
          'r.lobby',
          sql<string>`case when r.generate_live_url <> 0 then r.live_key else '' end`.as('live_key'),
          'r.live_passcode',
        ]);
    const upcoming = keys().where('end_time', '>', now).orderBy('start_time').orderBy('id').limit(UPCOMING_LIMIT);
    // Ordered so that the (meeting_number, end_time) index answers it: with LIMIT 1 alone PostgreSQL may expect a match
    // early in a sequential scan of the whole table.
    const ended = keys().where('end_time', '<=', now).orderBy('end_time', 'desc').limit(1);

    const rows: LookupRow[] = await this.db
      .selectFrom('meeting_rooms as m')
      .leftJoin('users as u', 'u.id', 'm.owner_id')
      .where('m.meeting_number', '=', meetingNumber)
      .select([
        sql.lit(SRC_ROOM).$castTo<string>().as('src'),
        'm.id',
        sql.lit(SRC_ROOM).$castTo<string>().as('type'),
        sql<string | null>`cast(null as text)`.as('series_id'),
        'm.name',
        'm.owner_id',
        sql<string>`coalesce(nullif(u.real_name, ''), u.username, '')`.as('owner_name'),
        'm.password',
        sql<number | null>`cast(null as bigint)`.as('start_time'),
        sql<number | null>`cast(null as bigint)`.as('end_time'),
        sql.lit(ROOM_TIME_TO_JOIN).$castTo<number>().as('time_to_join'),
        sql.lit(0).$castTo<number>().as('mute_upon_entry'),
        sql.lit(1).$castTo<number>().as('guest_dial_in'),
        sql.lit(0).$castTo<number>().as('watermark'),
        sql.lit('').$castTo<string>().as('watermark_type'),
        sql.lit(ROOM_CALL_RATE).$castTo<string>().as('call_rate'),
        sql.lit('').$castTo<string>().as('info_key'),
        sql.lit('').$castTo<string>().as('group_key'),
        'm.lobby',
        sql.lit('').$castTo<string>().as('live_key'),
        sql.lit('').$castTo<string>().as('live_passcode'),
      ])
      .unionAll(meetings(SRC_UPCOMING, upcoming))
      .unionAll(meetings(SRC_ENDED, ended))
      .execute();

    const result: NumberLookup = { upcoming: [], hadEnded: false };
    for (const row of rows) {
      if (row.src === SRC_ROOM) result.room = toMeeting(meetingNumber, row);
      else if (row.src === SRC_UPCOMING) result.upcoming.push(toMeeting(meetingNumber, row));
      else {
        result.hadEnded = true;
        result.lastEnded = toMeeting(meetingNumber, row);
      }
    }
    // A compound SELECT promises no order without an ORDER BY of its own; the sub-select's order is restored here.
    result.upcoming.sort((a, b) => a.start! - b.start! || (a.scheduleId < b.scheduleId ? -1 : a.scheduleId > b.scheduleId ? 1 : 0));
    return result;
  }

  async invited(meeting: ScheduledMeeting, userId: string): Promise<boolean> {
    if (meeting.kind === 'room' || userId === '') return false;
    const row = meeting.seriesId
      ? await this.db.selectFrom('series_invitees').select('user_id').where('series_id', '=', meeting.seriesId).where('user_id', '=', userId).executeTakeFirst()
      : await this.db.selectFrom('reservation_invitees').select('user_id').where('reservation_id', '=', meeting.scheduleId).where('user_id', '=', userId).executeTakeFirst();
    return row !== undefined;
  }
}

import { type Kysely, sql } from 'kysely';
import { atomically } from '../db/atomic.ts';
import type { Database } from '../db/database.ts';
import type { Attendance, SessionHistory, SessionPage, SessionRecord, SessionStart } from './ports.ts';

type AttendanceRecord = SessionRecord['attendance'][number];

/**
 * Sessions and attendance as they happen. An end or a leave is recorded once: the first one wins (a session or an
 * attendance already closed keeps its time and reason), so a late duplicate cannot rewrite the history.
 */
export class KyselySessionHistory implements SessionHistory {
  constructor(private readonly db: Kysely<Database>) {}

  async closeAbandoned(now: number, reason: string, nodeId: string | null): Promise<number> {
    return atomically(this.db, async (trx) => {
      let open = trx.selectFrom('live_sessions').select('id').where('ended_at', '=', 0);
      if (nodeId !== null) open = open.where('node_id', '=', nodeId);
      // Attendance first, while its sessions are still recognisable as open.
      await trx
        .updateTable('live_attendance')
        .set({ left_at: now, left_reason: reason })
        .where('left_at', '=', 0)
        .where('session_id', 'in', open)
        .execute();
      let sessions = trx.updateTable('live_sessions').set({ ended_at: now, end_reason: reason }).where('ended_at', '=', 0);
      if (nodeId !== null) sessions = sessions.where('node_id', '=', nodeId);
      const result = await sessions.executeTakeFirst();
      return Number(result.numUpdatedRows);
    });
  }

  async started(session: SessionStart): Promise<void> {
    await this.db
      .insertInto('live_sessions')
      .values({
        id: session.id,
        meeting_number: session.meetingNumber,
        schedule_id: session.scheduleId,
        name: session.name,
        owner_id: session.ownerId,
        started_at: session.startedAt,
        ended_at: 0,
        end_reason: '',
        closed_until: null,
        node_id: session.nodeId,
      })
      .execute();
  }

  async ended(sessionId: string, endedAt: number, reason: string, closedUntil: number | null): Promise<void> {
    await atomically(this.db, async (trx) => {
      await trx
        .updateTable('live_sessions')
        .set({ ended_at: endedAt, end_reason: reason, closed_until: closedUntil })
        .where('id', '=', sessionId)
        .where('ended_at', '=', 0)
        .execute();
      await trx
        .updateTable('live_attendance')
        .set({ left_at: endedAt, left_reason: reason })
        .where('session_id', '=', sessionId)
        .where('left_at', '=', 0)
        .execute();
    });
  }

  async joined(a: Attendance): Promise<void> {
    await this.db
      .insertInto('live_attendance')
      .values({
        id: a.id,
        session_id: a.sessionId,
        client_id: a.clientId,
        user_id: a.userId,
        display_name: a.displayName,
        joined_at: a.joinedAt,
        left_at: 0,
        left_reason: '',
      })
      .execute();
  }

  async left(attendanceId: string, leftAt: number, reason: string): Promise<void> {
    await this.db
      .updateTable('live_attendance')
      .set({ left_at: leftAt, left_reason: reason })
      .where('id', '=', attendanceId)
      .where('left_at', '=', 0)
      .execute();
  }

  async renamed(attendanceId: string, displayName: string): Promise<void> {
    await this.db.updateTable('live_attendance').set({ display_name: displayName }).where('id', '=', attendanceId).execute();
  }

  async closedUntil(meetingNumber: string, now: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('live_sessions')
      .select((eb) => eb.fn.max('closed_until').as('until'))
      .where('meeting_number', '=', meetingNumber)
      .where('closed_until', '>', now)
      .executeTakeFirst();
    return row?.until === null || row?.until === undefined ? null : Number(row.until);
  }

  async list(meetingNumber: string, page: SessionPage): Promise<{ sessions: SessionRecord[]; total: number }> {
    let query = this.db.selectFrom('live_sessions').where('meeting_number', '=', meetingNumber);
    if (page.ownerId !== undefined) query = query.where('owner_id', '=', page.ownerId);
    const [sessions, count] = await Promise.all([
      query
        .select(['id', 'meeting_number', 'name', 'owner_id', 'started_at', 'ended_at', 'end_reason'])
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    const attendance = await this.attendanceOf(
      sessions.map((s) => s.id),
      page.attendanceLimit,
    );
    return {
      total: Number(count.n),
      sessions: sessions.map((s) => {
        const listed = attendance.get(s.id) ?? [];
        return {
          id: s.id,
          meetingNumber: s.meeting_number,
          name: s.name,
          ownerId: s.owner_id,
          startedAt: Number(s.started_at),
          endedAt: Number(s.ended_at),
          endReason: s.end_reason,
          attendance: listed.slice(0, page.attendanceLimit),
          attendanceTruncated: listed.length > page.attendanceLimit,
        };
      }),
    };
  }

  async any(meetingNumber: string): Promise<boolean> {
    return (await this.db.selectFrom('live_sessions').select('id').where('meeting_number', '=', meetingNumber).limit(1).executeTakeFirst()) !== undefined;
  }

  /**
   * The first `limit` + 1 joins of each session (the extra one tells that there were more): one LIMITed range of the
   * (session_id, joined_at, id) index per session, as sub-selects joined by UNION ALL (SQLite allows LIMIT only on a
   * whole compound otherwise), so a session with any number of joins costs the same.
   */
  private async attendanceOf(sessionIds: string[], limit: number): Promise<Map<string, AttendanceRecord[]>> {
    const bySession = new Map<string, AttendanceRecord[]>();
    if (sessionIds.length === 0) return bySession;
    const members = sessionIds.map(
      (id, j) =>
        sql`SELECT * FROM (SELECT * FROM live_attendance WHERE session_id = ${id} ORDER BY joined_at, id LIMIT ${limit + 1}) AS a${sql.raw(String(j))}`,
    );
    const { rows } = await sql<{
      id: string;
      session_id: string;
      client_id: string;
      user_id: string;
      display_name: string;
      joined_at: number;
      left_at: number;
      left_reason: string;
    }>`${sql.join(members, sql` UNION ALL `)}`.execute(this.db);
    for (const row of rows) {
      const list = bySession.get(row.session_id) ?? [];
      list.push({
        id: row.id,
        sessionId: row.session_id,
        clientId: row.client_id,
        userId: row.user_id,
        displayName: row.display_name,
        joinedAt: Number(row.joined_at),
        leftAt: Number(row.left_at),
        leftReason: row.left_reason,
      });
      bySession.set(row.session_id, list);
    }
    // UNION ALL keeps no order across its members; within a session, the order of joining.
    for (const list of bySession.values()) list.sort((a, b) => a.joinedAt - b.joinedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return bySession;
  }
}

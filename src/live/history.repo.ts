import type { Kysely } from 'kysely';
import { atomically } from '../db/atomic.ts';
import type { Database } from '../db/database.ts';
import type { Attendance, SessionHistory, SessionRecord, SessionStart } from './ports.ts';

type AttendanceRecord = SessionRecord['attendance'][number];

/**
 * Sessions and attendance as they happen. An end or a leave is recorded once: the first one wins (a session or an
 * attendance already closed keeps its time and reason), so a late duplicate cannot rewrite the history.
 */
export class KyselySessionHistory implements SessionHistory {
  constructor(private readonly db: Kysely<Database>) {}

  async closeAbandoned(now: number, reason: string): Promise<number> {
    return atomically(this.db, async (trx) => {
      // Attendance first, while its sessions are still recognisable as open.
      await trx
        .updateTable('live_attendance')
        .set({ left_at: now, left_reason: reason })
        .where('left_at', '=', 0)
        .where('session_id', 'in', trx.selectFrom('live_sessions').select('id').where('ended_at', '=', 0))
        .execute();
      const result = await trx
        .updateTable('live_sessions')
        .set({ ended_at: now, end_reason: reason })
        .where('ended_at', '=', 0)
        .executeTakeFirst();
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

  async list(meetingNumber: string, limit: number): Promise<SessionRecord[]> {
    const sessions = await this.db
      .selectFrom('live_sessions')
      .select(['id', 'meeting_number', 'name', 'owner_id', 'started_at', 'ended_at', 'end_reason'])
      .where('meeting_number', '=', meetingNumber)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    if (sessions.length === 0) return [];
    // The attendance of every session of the number from the oldest listed one on, rather than an IN list of ids: the
    // statement text stays the same whatever the limit (SQLite's statement cache, bound-parameter limits), and a session
    // started in between only adds rows that are not listed and so are skipped.
    const oldest = Number(sessions[sessions.length - 1]!.started_at);
    const rows = await this.db
      .selectFrom('live_attendance as a')
      .innerJoin('live_sessions as s', 's.id', 'a.session_id')
      .selectAll('a')
      .where('s.meeting_number', '=', meetingNumber)
      .where('s.started_at', '>=', oldest)
      .orderBy('a.joined_at')
      .orderBy('a.id')
      .execute();
    const bySession = new Map<string, AttendanceRecord[]>(sessions.map((s) => [s.id, []]));
    for (const row of rows) {
      const list = bySession.get(row.session_id);
      if (!list) continue;
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
    }
    return sessions.map((s) => ({
      id: s.id,
      meetingNumber: s.meeting_number,
      name: s.name,
      ownerId: s.owner_id,
      startedAt: Number(s.started_at),
      endedAt: Number(s.ended_at),
      endReason: s.end_reason,
      attendance: bySession.get(s.id)!,
    }));
  }
}

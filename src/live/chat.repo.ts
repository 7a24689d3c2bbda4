import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { ChatLog, ChatRecord, StoredChat, TranscriptSession } from './ports.ts';

/** The transcript in the database (table live_chat, migration 020). */
export class KyselyChatLog implements ChatLog {
  constructor(private readonly db: Kysely<Database>) {}

  async add(m: ChatRecord): Promise<void> {
    await this.db
      .insertInto('live_chat')
      .values({
        id: `${m.sessionId}/${m.messageId}`,
        session_id: m.sessionId,
        message_id: m.messageId,
        room: m.room,
        sent_at: m.at,
        from_client_id: m.fromClientId,
        from_user_id: m.fromUserId,
        from_name: m.fromName,
        to_client_id: m.toClientId,
        to_user_id: m.toUserId,
        to_name: m.toName,
        text: m.text,
        deleted_at: 0,
        ordinal: m.ordinal,
      })
      .execute();
  }

  async deleted(sessionId: string, messageId: string, at: number): Promise<void> {
    await this.db.updateTable('live_chat').set({ text: '', deleted_at: at }).where('id', '=', `${sessionId}/${messageId}`).where('deleted_at', '=', 0).execute();
  }

  async session(sessionId: string): Promise<TranscriptSession | undefined> {
    const row = await this.db
      .selectFrom('live_sessions')
      .select(['id', 'meeting_number', 'name', 'owner_id', 'started_at', 'ended_at'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    return row && { id: row.id, meetingNumber: row.meeting_number, name: row.name, ownerId: row.owner_id, startedAt: Number(row.started_at), endedAt: Number(row.ended_at) };
  }

  async list(sessionId: string, reader: string, offset: number, limit: number): Promise<{ total: number; messages: StoredChat[] }> {
    const visible = () =>
      this.db
        .selectFrom('live_chat')
        .where('session_id', '=', sessionId)
        // Guests' messages carry user id '': a reader without an account reads nobody's private messages.
        .where((eb) => (reader === '' ? eb('to_client_id', '=', '') : eb.or([eb('to_client_id', '=', ''), eb('from_user_id', '=', reader), eb('to_user_id', '=', reader)])));
    const [count, rows] = await Promise.all([
      visible().select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
      visible().selectAll().orderBy('ordinal').limit(limit).offset(offset).execute(),
    ]);
    return {
      total: Number(count.n),
      messages: rows.map((r) => ({
        sessionId: r.session_id,
        messageId: r.message_id,
        ordinal: Number(r.ordinal),
        room: r.room,
        at: Number(r.sent_at),
        fromClientId: r.from_client_id,
        fromUserId: r.from_user_id,
        fromName: r.from_name,
        toClientId: r.to_client_id,
        toUserId: r.to_user_id,
        toName: r.to_name,
        text: r.text,
        deletedAt: Number(r.deleted_at),
      })),
    };
  }
}

import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.ts';
import type { RecordingLayout } from '../media/engine.ts';
import type { RecordingPage, RecordingRepository } from './ports.ts';
import type { Recording, RecordingStatus } from './recording.ts';
import type { RecordingsTable } from './recordings.table.ts';

const toRecording = (r: Selectable<RecordingsTable>): Recording => ({
  id: r.id,
  meetingNumber: r.meeting_number,
  meetingName: r.meeting_name,
  sessionId: r.session_id,
  ownerId: r.owner_id,
  startedBy: r.started_by,
  startedByName: r.started_by_name,
  layout: r.layout as RecordingLayout,
  status: r.status as RecordingStatus,
  startedAt: Number(r.started_at),
  endedAt: Number(r.ended_at),
  durationMs: Number(r.duration_ms),
  sizeBytes: Number(r.size_bytes),
  fileName: r.file_name,
  notes: r.notes,
});

export class KyselyRecordings implements RecordingRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(r: Recording): Promise<void> {
    await this.db
      .insertInto('recordings')
      .values({
        id: r.id,
        meeting_number: r.meetingNumber,
        meeting_name: r.meetingName,
        session_id: r.sessionId,
        owner_id: r.ownerId,
        started_by: r.startedBy,
        started_by_name: r.startedByName,
        layout: r.layout,
        status: r.status,
        started_at: r.startedAt,
        ended_at: r.endedAt,
        duration_ms: r.durationMs,
        size_bytes: r.sizeBytes,
        file_name: r.fileName,
        notes: r.notes,
      })
      .execute();
  }

  async update(id: string, patch: Parameters<RecordingRepository['update']>[1]): Promise<void> {
    const set: Partial<RecordingsTable> = {
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.endedAt !== undefined ? { ended_at: patch.endedAt } : {}),
      ...(patch.durationMs !== undefined ? { duration_ms: patch.durationMs } : {}),
      ...(patch.sizeBytes !== undefined ? { size_bytes: patch.sizeBytes } : {}),
      ...(patch.fileName !== undefined ? { file_name: patch.fileName } : {}),
      ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
    };
    if (Object.keys(set).length > 0) await this.db.updateTable('recordings').set(set).where('id', '=', id).execute();
  }

  async get(id: string): Promise<Recording | undefined> {
    const row = await this.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecording(row);
  }

  async list(filter: { ownerId?: string; meetingNumber?: string }, offset: number, limit: number): Promise<RecordingPage> {
    let query = this.db.selectFrom('recordings');
    if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId);
    if (filter.meetingNumber !== undefined) query = query.where('meeting_number', '=', filter.meetingNumber);
    const [rows, count] = await Promise.all([
      query.selectAll().orderBy('started_at', 'desc').orderBy('id').offset(offset).limit(limit).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { recordings: rows.map(toRecording), total: Number(count.n) };
  }

  async withStatus(statuses: readonly RecordingStatus[]): Promise<Recording[]> {
    const rows = await this.db.selectFrom('recordings').selectAll().where('status', 'in', [...statuses]).execute();
    return rows.map(toRecording);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('recordings').where('id', '=', id).execute();
  }
}

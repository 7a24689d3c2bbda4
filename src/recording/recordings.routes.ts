import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import * as ops from '../../contract/rest/recordings.ts';
import type { Caller } from '../accounts/caller.ts';
import type { User } from '../accounts/user.ts';
import { fail } from '../kernel/domain-error.ts';
import type { Authenticate } from '../http/route.ts';
import { registerOperation } from '../http/route.ts';
import type { Recording } from './recording.ts';
import type { RecordingService } from './recordings.service.ts';

const signedIn = (caller: Caller): User => caller.user ?? fail('auth.required', 'token: is required; sign in first');

export const recordingView = (r: Recording): Static<typeof ops.RecordingView> => ({
  recording_id: r.id,
  meeting_number: r.meetingNumber,
  meeting_name: r.meetingName,
  session_id: r.sessionId,
  owner_id: r.ownerId,
  started_by: r.startedBy,
  started_by_name: r.startedByName,
  layout: r.layout,
  status: r.status.toUpperCase() as Static<typeof ops.RecordingView>['status'],
  start_time: r.startedAt,
  end_time: r.endedAt,
  duration: r.durationMs,
  size: r.sizeBytes,
  notes: r.notes,
  file_url: r.status === 'finished' ? `/api/v1/recordings/${encodeURIComponent(r.id)}/file` : '',
});

/** A single byte range of `size` bytes (RFC 9110 §14.1.2), 'unsatisfiable', or undefined for the whole file. */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Absent, malformed or several ranges: the whole file (a server may always answer 200).
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (end < start) return m[2] === '' || Number(m[2]) >= start ? 'unsatisfiable' : undefined;
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** The recordings API: thin adapters over RecordingService; the download streams the file with range support. */
export function recordingsRoutes(app: FastifyInstance, recordings: RecordingService, filePath: (fileName: string) => string, authenticate: Authenticate): void {
  registerOperation(app, ops.listRecordings, authenticate, async ({ caller, query }) => {
    const page = await recordings.list(signedIn(caller), {
      ...(query.page_num !== undefined ? { pageNum: query.page_num } : {}),
      ...(query.page_size !== undefined ? { pageSize: query.page_size } : {}),
      ...(query.meeting_number ? { meetingNumber: query.meeting_number } : {}),
    });
    return { recordings: page.recordings.map(recordingView), total_size: page.total, total_page_num: Math.ceil(page.total / page.pageSize) };
  });
  registerOperation(app, ops.getRecording, authenticate, async ({ caller, params }) => recordingView(await recordings.get(signedIn(caller), params.recording_id)));
  registerOperation(app, ops.deleteRecording, authenticate, async ({ caller, params }) => {
    await recordings.remove(signedIn(caller), params.recording_id);
    return {};
  });
  registerOperation(app, ops.downloadRecording, authenticate, async ({ caller, params, request, reply }) => {
    const recording = await recordings.file(signedIn(caller), params.recording_id);
    const path = filePath(recording.fileName);
    const size = await stat(path).then(
      (s) => s.size,
      () => fail('notFound', `recording_id: the file of recording ${recording.id} is missing from the recordings folder`),
    );
    const name = `meeting-${recording.meetingNumber}-${new Date(recording.startedAt).toISOString().slice(0, 19).replace(/[:T]/g, '-')}.webm`;
    reply
      .header('Accept-Ranges', 'bytes')
      .header('Content-Type', 'video/webm')
      .header('Content-Disposition', `inline; filename="${name}"`)
      .header('Cache-Control', 'private, no-store');
    const range = byteRange(request.headers.range, size);
    if (range === 'unsatisfiable') {
      return reply
        .code(416)
        .header('Content-Range', `bytes */${size}`)
        .type('application/json')
        .send({ error: `Range: outside the file (${size} bytes)`, errorCode: '0x10000001' });
    }
    if (range) {
      reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${size}`).header('Content-Length', range.end - range.start + 1);
      return reply.send(createReadStream(path, { start: range.start, end: range.end }));
    }
    return reply.header('Content-Length', size).send(createReadStream(path));
  });
}

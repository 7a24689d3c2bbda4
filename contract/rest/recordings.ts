import Type from 'typebox';
import { Empty, PageQuery, Timestamp } from './common.ts';
import { operation } from './operation.ts';

/**
 * Recordings (Convene's own API: the FRTC document has only the start and stop calls, see meeting-control.ts). A
 * recording is a WebM file (VP8 video, Opus audio) in the server's recordings folder with a row of metadata: which
 * meeting, who started it, when, how long, how large, and what happened to it (`notes`: restarts of the recorder, a
 * server that stopped while recording and the repair at its next start, a full disk).
 */

const RecordingId = Type.String({ minLength: 1, maxLength: 64, description: 'recording_id' });
const ById = Type.Object({ recording_id: RecordingId });

export const RecordingView = Type.Object({
  recording_id: Type.String(),
  meeting_number: Type.String(),
  meeting_name: Type.String(),
  session_id: Type.String({ description: 'The live session recorded (see the meeting history)' }),
  owner_id: Type.String({ description: 'The owner of the meeting when it was recorded: they may read and delete the recording' }),
  started_by: Type.String({ description: 'user_id of who started the recording' }),
  started_by_name: Type.String(),
  layout: Type.Union([Type.Literal('speaker'), Type.Literal('gallery')]),
  status: Type.Union([Type.Literal('RECORDING'), Type.Literal('FINALISING'), Type.Literal('FINISHED'), Type.Literal('FAILED')], {
    description: 'RECORDING while it runs, FINALISING while its file is being finished, then FINISHED (playable) or FAILED (nothing was recorded)',
  }),
  start_time: Timestamp,
  end_time: Type.Integer({ description: 'ms; 0 while recording' }),
  duration: Type.Integer({ description: 'Length of the file, ms (0 until finished)' }),
  size: Type.Integer({ description: 'Bytes of the file (0 until finished)' }),
  notes: Type.String({ description: 'What happened to the recording, in words ("" when nothing unusual)' }),
  file_url: Type.String({ description: 'Path of the download (add client_id and token, as for every call); "" until finished' }),
});

export const listRecordings = operation({
  id: 'listRecordings',
  methods: ['GET'],
  paths: ['/api/v1/recordings'],
  tag: 'recordings',
  summary: 'Recordings, newest first',
  description:
    'SystemAdmin and MeetingOperator see every recording, others the recordings of meetings they own. meeting_number narrows the list ' +
    'to one meeting. page_size is capped at 100.',
  access: 'user',
  query: Type.Object({
    page_num: PageQuery.page_num,
    page_size: PageQuery.page_size,
    meeting_number: Type.Optional(Type.String({ maxLength: 32, pattern: '^[0-9]*$', description: 'Only this meeting\'s recordings' })),
  }),
  response: Type.Object({ recordings: Type.Array(RecordingView), total_page_num: Type.Integer(), total_size: Type.Integer() }),
  errors: ['auth.required', 'input.invalid'],
});

export const getRecording = operation({
  id: 'getRecording',
  methods: ['GET'],
  paths: ['/api/v1/recordings/{recording_id}'],
  tag: 'recordings',
  summary: 'One recording',
  access: 'user',
  permission: 'recording.read',
  params: ById,
  response: RecordingView,
  errors: ['auth.required', 'permission.denied', 'notFound'],
});

export const downloadRecording = operation({
  id: 'downloadRecording',
  methods: ['GET'],
  paths: ['/api/v1/recordings/{recording_id}/file'],
  tag: 'recordings',
  summary: 'The recording\'s file (video/webm), with HTTP range requests',
  description:
    'Answers the whole file (200) or, with a `Range: bytes=…` header, that part (206 with Content-Range; 416 when the range is outside ' +
    'the file), so that a player can seek. A recording not finished yet is 409 0x10000007.',
  access: 'user',
  permission: 'recording.read',
  params: ById,
  response: Type.Unsafe<unknown>({ type: 'string', format: 'binary', description: 'The WebM file' }),
  download: 'video/webm',
  errors: ['auth.required', 'permission.denied', 'notFound', 'state.invalid'],
});

export const deleteRecording = operation({
  id: 'deleteRecording',
  methods: ['DELETE'],
  paths: ['/api/v1/recordings/{recording_id}'],
  tag: 'recordings',
  summary: 'Delete a recording and its file',
  description: 'A recording still running or being finished cannot be deleted (409 0x10000007): stop it first.',
  access: 'user',
  permission: 'recording.delete',
  params: ById,
  response: Empty,
  errors: ['auth.required', 'permission.denied', 'notFound', 'state.invalid'],
});

export const recordingOperations = [listRecordings, getRecording, downloadRecording, deleteRecording] as const;

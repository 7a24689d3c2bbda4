import type { RecordingLayout } from '../media/engine.ts';

export type RecordingStatus = 'recording' | 'finalising' | 'finished' | 'failed';

/** One recording's metadata (its file lives in the recordings folder, see ports.ts RecordingFiles). */
export interface Recording {
  id: string;
  meetingNumber: string;
  meetingName: string;
  sessionId: string;
  /** The meeting's owner when it was recorded: they may read and delete it. */
  ownerId: string;
  startedBy: string;
  startedByName: string;
  layout: RecordingLayout;
  status: RecordingStatus;
  startedAt: number;
  /** 0 while recording. */
  endedAt: number;
  durationMs: number;
  sizeBytes: number;
  /** The file's name in the recordings folder; '' until finished. */
  fileName: string;
  /** What happened, in words, one sentence per event ('' when nothing unusual). */
  notes: string;
}

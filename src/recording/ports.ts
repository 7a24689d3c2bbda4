import type { LiveMeeting } from '../live/live-meeting.ts';
import type { RecorderEvent, RecorderSpec } from '../media/engine.ts';
import type { Recording, RecordingStatus } from './recording.ts';

export interface RecordingPage {
  recordings: Recording[];
  total: number;
}

export interface RecordingRepository {
  insert(recording: Recording): Promise<void>;
  update(id: string, patch: Partial<Pick<Recording, 'status' | 'endedAt' | 'durationMs' | 'sizeBytes' | 'fileName' | 'notes'>>): Promise<void>;
  get(id: string): Promise<Recording | undefined>;
  /** Newest first; `ownerId` undefined = everyone's. */
  list(filter: { ownerId?: string; meetingNumber?: string }, offset: number, limit: number): Promise<RecordingPage>;
  /** Recordings left in these states (by a server that stopped without finishing them). */
  withStatus(statuses: readonly RecordingStatus[]): Promise<Recording[]>;
  delete(id: string): Promise<void>;
}

/** What finalising made of a recording's parts. */
export interface FinishedFile {
  fileName: string;
  sizeBytes: number;
  durationMs: number;
  /** Parts that could not be read and were left out (a run killed before it wrote anything playable). */
  skippedParts: number;
}

/** The recordings folder: where a recorder writes its parts, and the finished files. */
export interface RecordingFiles {
  /** The folder a recording's recorder writes its parts into. */
  partsDir(id: string): string;
  /**
   * Joins the recording's parts into one finished, seekable file (a remux: what a killed ffmpeg left is repaired) and
   * removes the parts. `settle`: first wait until no part is still being written (an ffmpeg whose worker died finishes
   * its part on its own, a few seconds later). Undefined when there was nothing playable.
   */
  finalise(id: string, settle: boolean): Promise<FinishedFile | undefined>;
  /** Removes the finished file and any parts. */
  remove(id: string, fileName: string): Promise<void>;
  /** Free bytes on the folder's disk. */
  freeBytes(): Promise<number>;
}

/** The meeting's media, as recordings and streams need it (implemented by src/live/live-media.ts). */
export interface RecorderMedia {
  /** Starts the recorder the meeting's state names (its `recording` or `streaming`), opening its media room if needed. */
  startRecorder(meeting: LiveMeeting, spec: RecorderSpec): Promise<void>;
  stopRecorder(meeting: LiveMeeting, recorderId: string): Promise<void>;
  /** Hears what becomes of every recorder (by its id). */
  onRecorder(listener: (recorderId: string, event: RecorderEvent) => void): () => void;
}

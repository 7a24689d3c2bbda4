import { randomUUID } from 'node:crypto';
import type { User } from '../accounts/user.ts';
import { may } from '../accounts/permissions.ts';
import type { Clock } from '../kernel/clock.ts';
import { DomainError, fail } from '../kernel/domain-error.ts';
import type { ControlCaller, MeetingControl } from '../live/control.service.ts';
import type { LiveMeeting } from '../live/live-meeting.ts';
import type { LiveService, MeetingObserver } from '../live/live.service.ts';
import { toHosts } from '../live/notices.ts';
import type { RecorderEvent, RecordingLayout } from '../media/engine.ts';
import type { FinishedFile, RecorderMedia, RecordingFiles, RecordingRepository } from './ports.ts';
import type { Recording } from './recording.ts';

export interface RecordingPolicy {
  /** Recordings running at once on this server (CONVENE_MAX_RECORDINGS). */
  maxRecordings: number;
  /** Layout when the start call names none (CONVENE_RECORDING_LAYOUT). */
  defaultLayout: RecordingLayout;
  /** A recording is refused with less free disk space than this. */
  minFreeBytes: number;
  /** Why recording is impossible on this server (no ffmpeg, no media workers), or null when it is possible. */
  unavailable(): string | null;
}

export interface RecordingLog {
  error(error: unknown, what: string): void;
  warn(fields: Record<string, unknown>, what: string): void;
}

/** A recording in progress on this server. */
interface Running {
  recording: Recording;
  /** Undefined for a recording a previous run left unfinished. */
  meeting: LiveMeeting | undefined;
  notes: string[];
  /** Set once it was asked to stop (or its meeting ended): the recorder's `ended` is expected. */
  stopping: boolean;
  /** Some part may still be being finished by an ffmpeg whose worker died: finalising waits for the parts to settle. */
  settle: boolean;
  /** Finalises without the recorder's word when that never comes (its worker was lost for good). */
  fallback: ReturnType<typeof setTimeout> | undefined;
}

/** How long after a stop the recording is finalised without the recorder's `ended` (a lost worker never sends one). */
const FALLBACK_MS = 20_000;
const MAX_PAGE = 100;
const DEFAULT_PAGE = 20;

/**
 * Recordings of live meetings: start and stop from the control API (the meeting's hosts), the recorder in the SFU
 * worker (src/media/recorder/), the metadata rows, and finalising — joining what the recorder wrote into one seekable
 * file — whatever ended it: a stop, the meeting's end, the server's shutdown, a full disk, or a crash (a recorder
 * restarted after its ffmpeg or its worker died continues in a new part; a server that was killed finds its rows at
 * the next start and finalises them then). Every such event is kept in the row's notes.
 */
export class RecordingService implements MeetingObserver {
  private readonly running = new Map<string, Running>();
  /** Meetings with a start under way (the checks and the start are not one step). */
  private readonly starting = new Set<LiveMeeting>();
  private readonly finalising = new Set<Promise<void>>();
  /** Recordings finalised (or being finalised) by this process: once each. */
  private readonly finalised = new Set<string>();

  constructor(
    private readonly live: LiveService,
    private readonly control: MeetingControl,
    private readonly media: RecorderMedia | undefined,
    private readonly repo: RecordingRepository,
    private readonly files: RecordingFiles,
    private readonly clock: Clock,
    private readonly policy: RecordingPolicy,
    private readonly log: RecordingLog,
  ) {
    live.observe(this);
    media?.onRecorder((id, event) => this.recorderEvent(id, event));
  }

  /** Starts recording the meeting (its hosts; client contract C13). */
  async start(caller: ControlCaller, number: string, layout: RecordingLayout | undefined): Promise<void> {
    const meeting = await this.control.hosted(caller, number);
    const user = caller.user!;
    if (meeting.recording || this.starting.has(meeting)) fail('recording.already', `meeting ${number} is being recorded already`);
    const unavailable = this.policy.unavailable();
    if (unavailable !== null || !this.media) fail('recording.unavailable', unavailable ?? 'recording needs the media workers');
    if (this.running.size >= this.policy.maxRecordings) {
      fail('recording.resources', `this server records at most ${this.policy.maxRecordings} meetings at once (CONVENE_MAX_RECORDINGS)`);
    }
    this.starting.add(meeting);
    try {
      if ((await this.files.freeBytes()) < this.policy.minFreeBytes) fail('recording.resources', 'the disk of the recordings has too little free space');
      if (this.live.find(number) !== meeting) fail('state.invalid', `meeting_number: meeting ${number} is not in progress`);
      const recording: Recording = {
        id: randomUUID(),
        meetingNumber: number,
        meetingName: meeting.settings.name,
        sessionId: meeting.sessionId,
        ownerId: meeting.settings.ownerId,
        startedBy: user.id,
        startedByName: user.realName || user.username,
        layout: layout ?? this.policy.defaultLayout,
        status: 'recording',
        startedAt: this.clock.now(),
        endedAt: 0,
        durationMs: 0,
        sizeBytes: 0,
        fileName: '',
        notes: '',
      };
      await this.repo.insert(recording);
      const entry: Running = { recording, meeting, notes: [], stopping: false, settle: false, fallback: undefined };
      this.running.set(recording.id, entry);
      // The recorder joins the media room's policy with this (a hidden viewer), then it is started there.
      meeting.recording = { id: recording.id, layout: recording.layout };
      try {
        await this.media!.startRecorder(meeting, { id: recording.id, layout: recording.layout, output: { kind: 'file', dir: this.files.partsDir(recording.id) } });
      } catch (error) {
        if (meeting.recording?.id === recording.id) meeting.recording = null;
        this.live.apply(meeting, []);
        const message = error instanceof Error ? error.message : String(error);
        entry.notes.push(`The recorder could not be started: ${message}.`);
        this.running.delete(recording.id);
        await this.repo.update(recording.id, { status: 'failed', endedAt: this.clock.now(), notes: entry.notes.join(' ') });
        if (error instanceof DomainError && error.kind === 'state.invalid') throw error;
        return fail('recording.unavailable', `the recording could not be started: ${message}`);
      }
      if (this.live.find(number) !== meeting) return; // ended while starting: ended() stops it
      this.live.apply(meeting, meeting.setRecording(meeting.recording));
    } finally {
      this.starting.delete(meeting);
    }
  }

  /** Stops the meeting's recording (C14); its file is finalised when the recorder has finished. */
  async stop(caller: ControlCaller, number: string): Promise<void> {
    const meeting = await this.control.hosted(caller, number);
    const current = meeting.recording;
    if (!current || this.starting.has(meeting)) fail('recording.notRunning', `meeting ${number} is not being recorded`);
    this.live.apply(meeting, meeting.setRecording(null));
    const entry = this.running.get(current!.id);
    if (entry) this.stopping(entry, '');
    await this.media?.stopRecorder(meeting, current!.id).catch((error: unknown) => this.log.error(error, `stopping recording ${current!.id}`));
  }

  // ---- the live meetings ----------------------------------------------------------------------------------------

  changed(): void {}

  /** The meeting ended: its recording ends with it (the media room closing stops the recorder). */
  ended(meeting: LiveMeeting): void {
    const id = meeting.recording?.id;
    const entry = id ? this.running.get(id) : undefined;
    if (entry) this.stopping(entry, 'Stopped when the meeting ended.');
  }

  /** Waits (at most `ms`) for the recordings of the meetings just ended to be finalised (server shutdown). */
  async shutdown(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (this.running.size > 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 100));
    for (const entry of [...this.running.values()]) {
      entry.settle = true;
      entry.notes.push('The server stopped before the recorder had finished; what was written is kept.');
      this.finalise(entry);
    }
    await Promise.all([...this.finalising]);
  }

  /**
   * Recordings a previous run left unfinished (the server was killed, or stopped before finalising): finalised now from
   * what their recorders wrote, which every ffmpeg finishes on its own once its worker is gone.
   */
  async recover(): Promise<number> {
    const left = await this.repo.withStatus(['recording', 'finalising']);
    await Promise.all(
      left.map(async (recording) => {
        const entry: Running = { recording, meeting: undefined, notes: recording.notes ? [recording.notes] : [], stopping: true, settle: true, fallback: undefined };
        entry.notes.push('The server stopped while recording (it was killed or crashed); the file was repaired at the next start.');
        this.finalise(entry);
      }),
    );
    await Promise.all([...this.finalising]);
    return left.length;
  }

  // ---- the recordings API ---------------------------------------------------------------------------------------

  async list(user: User, query: { pageNum?: number; pageSize?: number; meetingNumber?: string }): Promise<{ recordings: Recording[]; total: number; pageSize: number }> {
    const pageSize = Math.min(query.pageSize ?? DEFAULT_PAGE, MAX_PAGE);
    const offset = ((query.pageNum ?? 1) - 1) * pageSize;
    const everyone = may(user, 'recording.read');
    const filter = { ...(everyone ? {} : { ownerId: user.id }), ...(query.meetingNumber ? { meetingNumber: query.meetingNumber } : {}) };
    const page = await this.repo.list(filter, offset, pageSize);
    return { ...page, pageSize };
  }

  async get(user: User, id: string): Promise<Recording> {
    const recording = await this.repo.get(id);
    if (!recording) return fail('notFound', `recording_id: no recording ${id}`);
    if (!may(user, 'recording.read', recording)) fail('permission.denied', 'token: only the meeting’s owner, a MeetingOperator or a SystemAdmin may read this recording');
    return recording;
  }

  /** The finished recording to download. */
  async file(user: User, id: string): Promise<Recording> {
    const recording = await this.get(user, id);
    if (recording.status !== 'finished') fail('state.invalid', `recording_id: recording ${id} is not finished (${recording.status})`);
    return recording;
  }

  async remove(user: User, id: string): Promise<void> {
    const recording = await this.repo.get(id);
    if (!recording) return fail('notFound', `recording_id: no recording ${id}`);
    if (!may(user, 'recording.delete', recording)) fail('permission.denied', 'token: only the meeting’s owner, a MeetingOperator or a SystemAdmin may delete this recording');
    if (recording.status === 'recording' || recording.status === 'finalising') fail('state.invalid', `recording_id: recording ${id} is still ${recording.status}; stop it first`);
    await this.files.remove(id, recording.fileName);
    await this.repo.delete(id);
  }

  // ---- recorder events ------------------------------------------------------------------------------------------

  private recorderEvent(id: string, event: RecorderEvent): void {
    const entry = this.running.get(id);
    if (!entry) return;
    switch (event.kind) {
      case 'writing':
        return;
      case 'restarting':
        entry.notes.push(`The recorder was interrupted (${event.message}) and went on in a new part.`);
        entry.settle = true;
        return;
      case 'ended':
        if (event.reason !== 'stopped') {
          entry.notes.push(event.reason === 'diskFull' ? 'Stopped because the disk was (nearly) full.' : `The recorder failed: ${event.message}.`);
          this.endedUnasked(entry, event.reason, event.message);
        } else if (!entry.stopping) {
          // The room closed under it without a stop or the meeting's end (e.g. its policy dropped it).
          this.endedUnasked(entry, 'failed', 'the recorder stopped');
        }
        this.finalise(entry);
    }
  }

  /** The recorder ended on its own (full disk, failures): the meeting goes on, unrecorded, and its hosts are told. */
  private endedUnasked(entry: Running, reason: 'diskFull' | 'failed', message: string): void {
    const meeting = entry.meeting;
    if (!meeting || meeting.recording?.id !== entry.recording.id) return;
    this.log.warn({ meetingNumber: meeting.meetingNumber, recording: entry.recording.id, reason }, 'a recording stopped on its own');
    this.live.apply(meeting, [...meeting.setRecording(null), toHosts({ kind: 'captureStopped', what: 'recording', reason, message })]);
  }

  private stopping(entry: Running, note: string): void {
    if (note) entry.notes.push(note);
    if (entry.stopping) return;
    entry.stopping = true;
    entry.recording.endedAt = this.clock.now();
    void this.repo.update(entry.recording.id, { status: 'finalising', endedAt: this.clock.now() }).catch((error: unknown) => this.log.error(error, 'recording row'));
    entry.fallback = setTimeout(() => {
      entry.settle = true;
      entry.notes.push('The recorder did not report its end (its media worker was lost); what it wrote is kept.');
      this.finalise(entry);
    }, FALLBACK_MS);
    entry.fallback.unref?.();
  }

  /** Joins the parts into the finished file and completes the row; once per recording. */
  private finalise(entry: Running): void {
    const id = entry.recording.id;
    if (this.finalised.has(id)) return;
    this.finalised.add(id);
    this.running.delete(id);
    clearTimeout(entry.fallback);
    const job = (async () => {
      let file: FinishedFile | undefined;
      try {
        file = await this.files.finalise(id, entry.settle);
      } catch (error) {
        this.log.error(error, `finalising recording ${id}`);
        entry.notes.push(`Finishing the file failed: ${error instanceof Error ? error.message : String(error)}.`);
      }
      if (file && file.skippedParts > 0) entry.notes.push(`${file.skippedParts} unreadable part(s) left out.`);
      if (!file) entry.notes.push('Nothing playable was recorded.');
      const endedAt = entry.recording.endedAt || this.clock.now();
      await this.repo.update(id, {
        status: file ? 'finished' : 'failed',
        endedAt,
        durationMs: file?.durationMs ?? 0,
        sizeBytes: file?.sizeBytes ?? 0,
        fileName: file?.fileName ?? '',
        notes: entry.notes.join(' '),
      });
    })().catch((error: unknown) => this.log.error(error, `recording ${id}`));
    this.finalising.add(job);
    void job.finally(() => this.finalising.delete(job));
  }
}

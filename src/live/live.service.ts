import { randomBytes, randomUUID } from 'node:crypto';
import type { Reason } from '../../contract/signal/reasons.ts';
import type { User } from '../accounts/user.ts';
import { isMeetingManager } from '../accounts/user.ts';
import type { Clock } from '../kernel/clock.ts';
import { DomainError } from '../kernel/domain-error.ts';
import { LiveMeeting } from './live-meeting.ts';
import { openingAt } from './meeting-window.ts';
import type { Delivery, Notice } from './notices.ts';
import { NOT_HOST_MUTED, type Participant } from './participant.ts';
import { PasscodeGuard } from './passcode-guard.ts';
import type { MeetingDirectory, ScheduledMeeting, SessionHistory, SessionPage, SessionRecord } from './ports.ts';

export interface LivePolicy {
  maxCalls: number;
  /** 0 = no limit beyond maxCalls. */
  maxParticipantsPerMeeting: number;
  /** How long a meeting runs past its end time before it is ended (hosts may extend it meanwhile). */
  endGraceMs: number;
  /** An instant meeting or room with nobody in it ends after this long. */
  emptyTimeoutMs: number;
  /** How long a participant whose connection dropped keeps its place. */
  resumeMs: number;
  passcodeAttempts: number;
  passcodeAttemptsPerAddress: number;
  passcodeWindowMs: number;
}

/** How deliveries reach participants' connections; implemented by the signalling adapter. */
export interface Fanout {
  deliver(meeting: LiveMeeting, recipients: readonly Participant[], notice: Notice): void;
  /** Sends the final status to one participant and closes its connection. */
  disconnect(meeting: LiveMeeting, participant: Participant, reason: Reason, message: string): void;
}

/** Told of every change to a live meeting (the media coordinator keeps the SFU's policy in step). */
export interface MeetingObserver {
  changed(meeting: LiveMeeting): void;
  ended(meeting: LiveMeeting): void;
}

export interface Identity {
  /** The user a token belongs to; throws a DomainError when it is not valid. */
  authenticate(token: string, clientId: string): Promise<User>;
}

export interface JoinRequest {
  meetingNumber: string;
  clientId: string;
  displayName: string;
  token?: string;
  passcode?: string;
  audioMuted?: boolean;
  videoMuted?: boolean;
  address: string;
}

export type Admission =
  | { kind: 'joined'; meeting: LiveMeeting; participant: Participant; replaced: boolean }
  | { kind: 'passcode'; attemptsLeft: number; rejected: boolean }
  | { kind: 'refused'; reason: Reason; message: string };

const refused = (reason: Reason, message: string): Admission => ({ kind: 'refused', reason, message });
/**
 * Roster deltas and counts are gathered this long before they go out (see LiveMeeting.flushRoster). Large meetings
 * gather longer: every batch goes to everyone, so during a wave of joins a short batch costs each participant a frame
 * every few milliseconds (measured in bench/live.ts: 1000 joins are about twice as fast with 100 ms).
 */
const rosterBatchMs = (participants: number): number => (participants > 100 ? 100 : 20);
/** A room stopped without rejoin stays closed this long, so apps that retry do not restart it at once. */
const STOPPED_ROOM_CLOSED_MS = 5 * 60_000;

/**
 * The live meetings of this server: admission (the join rules of client contract §6.4), the lifecycle (ends by stop,
 * end time, emptiness), delivery of every change to the participants it affects, and the session history.
 */
export class LiveService {
  private readonly meetings = new Map<string, LiveMeeting>();
  private readonly flushTimers = new Map<LiveMeeting, ReturnType<typeof setTimeout>>();
  private readonly passcodes: PasscodeGuard;
  /** History writes run one after another, in the order things happened, without holding up the participants. */
  private historyQueue: Promise<void> = Promise.resolve();
  private readonly observers: MeetingObserver[] = [];

  constructor(
    private readonly directory: MeetingDirectory,
    private readonly history: SessionHistory,
    private readonly identity: Identity,
    private readonly fanout: Fanout,
    private readonly clock: Clock,
    private readonly policy: LivePolicy,
    private readonly onError: (error: unknown, what: string) => void,
  ) {
    this.passcodes = new PasscodeGuard({ perClient: policy.passcodeAttempts, perAddress: policy.passcodeAttemptsPerAddress, windowMs: policy.passcodeWindowMs });
  }

  /** Closes the sessions a previous run left open: their participants are gone with that process. */
  async start(): Promise<number> {
    return this.history.closeAbandoned(this.clock.now(), 'server restarted');
  }

  observe(observer: MeetingObserver): void {
    this.observers.push(observer);
  }

  find(meetingNumber: string): LiveMeeting | undefined {
    return this.meetings.get(meetingNumber);
  }

  list(): LiveMeeting[] {
    return [...this.meetings.values()];
  }

  /** Connected calls (participants holding a place, including those about to resume). */
  calls(): number {
    let n = 0;
    for (const m of this.meetings.values()) n += m.count;
    return n;
  }

  /** What the number stands for when no session is live: the scheduled meeting open now, or why none is. */
  async scheduled(meetingNumber: string): Promise<{ meeting?: ScheduledMeeting; reason?: Reason; message: string }> {
    const opening = openingAt(await this.directory.lookup(meetingNumber, this.clock.now()), this.clock.now());
    return opening.open ? { meeting: opening.meeting, message: '' } : { reason: opening.reason, message: opening.message };
  }

  async admit(req: JoinRequest): Promise<Admission> {
    let user: User | undefined;
    if (req.token !== undefined) {
      try {
        user = await this.identity.authenticate(req.token, req.clientId);
      } catch (e) {
        if (e instanceof DomainError) return refused('AuthenticationFail', 'token: not valid; sign in again or join as a guest');
        throw e;
      }
    }
    let settings = this.meetings.get(req.meetingNumber)?.settings;
    if (!settings) {
      const closedUntil = await this.history.closedUntil(req.meetingNumber, this.clock.now());
      if (closedUntil !== null) return refused('MeetingStop', 'the host ended this meeting');
      const found = await this.scheduled(req.meetingNumber);
      if (!found.meeting) return refused(found.reason ?? 'MeetingNoExist', found.message);
      settings = found.meeting;
    }
    // From here on nothing awaits: the checks and the admission see one consistent state.
    const now = this.clock.now();
    const live = this.meetings.get(req.meetingNumber);
    if (live) settings = live.settings;
    const host = user !== undefined && (user.id === settings.ownerId || isMeetingManager(user));
    // The same participant coming back (the same user, or a guest from the same address) takes its place again, even
    // in a meeting locked meanwhile; anyone else presenting that client_id is refused.
    const existing = live?.get(req.clientId);
    if (existing && !(user ? existing.userId === user.id : existing.userId === '' && existing.address === req.address)) {
      return refused('ServerReject', 'client_id: already in the meeting from another device');
    }
    if (live?.locked && !host && !existing) return refused('MeetingLocked', 'the meeting is locked');
    if (!user && !settings.guestDialIn) return refused('GuestUnallowed', 'guests may not join this meeting; sign in');
    if (!existing) {
      if (this.calls() >= this.policy.maxCalls) return refused('LicenseLimitReached', 'the server’s licensed number of calls is reached');
      const cap = this.policy.maxParticipantsPerMeeting;
      if (cap > 0 && (live?.count ?? 0) >= cap) return refused('MeetingFull', `the meeting is full (${cap} participants)`);
    }
    if (settings.password !== '' && !host && !existing) {
      const left = this.passcodes.attemptsLeft(req.meetingNumber, req.clientId, req.address, now);
      if (left === 0) return refused('PasscodeTooManyRetries', 'too many wrong passcodes; try again later');
      if (req.passcode === undefined || req.passcode === '') return { kind: 'passcode', attemptsLeft: left, rejected: false };
      if (req.passcode !== settings.password) {
        this.passcodes.recordFailure(req.meetingNumber, req.clientId, req.address, now);
        const after = this.passcodes.attemptsLeft(req.meetingNumber, req.clientId, req.address, now);
        if (after === 0) return refused('PasscodeTooManyRetries', 'too many wrong passcodes; try again later');
        return { kind: 'passcode', attemptsLeft: after, rejected: true };
      }
    }

    const meeting = live ?? this.open(settings, now);
    if (existing) {
      existing.connected = true;
      existing.address = req.address;
      existing.resumeToken = newResumeToken();
      if (existing.displayName !== req.displayName) this.apply(meeting, meeting.rename(existing, req.displayName));
      return { kind: 'joined', meeting, participant: existing, replaced: true };
    }
    const participant: Participant = {
      clientId: req.clientId,
      userId: user?.id ?? '',
      displayName: req.displayName,
      host,
      audioMuted: req.audioMuted ?? false,
      videoMuted: req.videoMuted ?? false,
      hostMute: NOT_HOST_MUTED,
      handRaised: false,
      pin: null,
      maxViews: 9,
      layout: 'auto',
      joinedAt: now,
      address: req.address,
      connected: true,
      disconnectedAt: 0,
      resumeToken: newResumeToken(),
      attendanceId: randomUUID(),
    };
    this.apply(meeting, meeting.admit(participant, now));
    this.record('joined', () =>
      this.history.joined({ id: participant.attendanceId, sessionId: meeting.sessionId, clientId: participant.clientId, userId: participant.userId, displayName: participant.displayName, joinedAt: now }),
    );
    return { kind: 'joined', meeting, participant, replaced: false };
  }

  /** Re-reads the schedule of a live meeting after an edit and tells the participants what changed. */
  async refresh(meetingNumber: string): Promise<void> {
    const meeting = this.meetings.get(meetingNumber);
    if (!meeting) return;
    const lookup = await this.directory.lookup(meetingNumber, this.clock.now());
    const fresh = [...lookup.upcoming, ...(lookup.room ? [lookup.room] : [])].find((m) => m.scheduleId === meeting.settings.scheduleId);
    if (fresh && this.meetings.get(meetingNumber) === meeting) this.apply(meeting, meeting.reschedule(fresh));
  }

  /** A new connection taking back a place held since its connection dropped. */
  resume(resumeToken: string, address: string): { meeting: LiveMeeting; participant: Participant } | undefined {
    for (const meeting of this.meetings.values()) {
      for (const p of meeting.participants.values()) {
        if (p.resumeToken === resumeToken) {
          p.connected = true;
          p.address = address;
          p.resumeToken = newResumeToken();
          return { meeting, participant: p };
        }
      }
    }
    return undefined;
  }

  /** The connection dropped without a goodbye: the place is held for `resumeMs`. */
  connectionLost(meeting: LiveMeeting, participant: Participant): void {
    if (this.meetings.get(meeting.meetingNumber) !== meeting || meeting.get(participant.clientId) !== participant) return;
    participant.connected = false;
    participant.disconnectedAt = this.clock.now();
  }

  /** The participant leaves (by itself, or removed): tell it why, take it out, tell the others. */
  leave(meeting: LiveMeeting, participant: Participant, reason: Reason, message: string, historyReason: string): void {
    if (meeting.get(participant.clientId) !== participant) return;
    if (participant.connected) this.fanout.disconnect(meeting, participant, reason, message);
    const now = this.clock.now();
    this.apply(meeting, meeting.remove(participant.clientId, now));
    this.record('left', () => this.history.left(participant.attendanceId, now, historyReason));
  }

  /** Delivers the immediate notices and schedules the batched roster update. */
  apply(meeting: LiveMeeting, deliveries: Delivery[]): void {
    for (const o of this.observers) o.changed(meeting);
    for (const d of deliveries) {
      const recipients =
        d.audience.to === 'all'
          ? [...meeting.participants.values()]
          : d.audience.to === 'hosts'
            ? meeting.hosts()
            : d.audience.clientIds.map((id) => meeting.get(id)).filter((p): p is Participant => p !== undefined);
      if (recipients.length > 0) this.fanout.deliver(meeting, recipients, d.notice);
    }
    if (meeting.rosterPending && !this.flushTimers.has(meeting)) {
      this.flushTimers.set(
        meeting,
        setTimeout(() => {
          this.flushTimers.delete(meeting);
          if (this.meetings.get(meeting.meetingNumber) === meeting) this.apply(meeting, meeting.flushRoster());
        }, rosterBatchMs(meeting.count)),
      );
    }
  }

  /** Ends the session: everyone still in gets `reason`; `closedUntil` refuses joins under the number until then. */
  end(meeting: LiveMeeting, reason: Reason, message: string, historyReason: string, closedUntil: number | null = null): void {
    if (this.meetings.get(meeting.meetingNumber) !== meeting) return;
    this.meetings.delete(meeting.meetingNumber);
    clearTimeout(this.flushTimers.get(meeting));
    this.flushTimers.delete(meeting);
    for (const p of meeting.participants.values()) if (p.connected) this.fanout.disconnect(meeting, p, reason, message);
    for (const o of this.observers) o.ended(meeting);
    const now = this.clock.now();
    this.record('ended', () => this.history.ended(meeting.sessionId, now, historyReason, closedUntil));
  }

  /** How long a stop without rejoin keeps the number closed: until the meeting is next scheduled. */
  closedAfterStop(meeting: LiveMeeting): number {
    return meeting.settings.kind === 'room' ? this.clock.now() + STOPPED_ROOM_CLOSED_MS : Math.max(meeting.endTime ?? 0, this.clock.now() + 1);
  }

  /** Periodic housekeeping: end times, empty meetings, places held too long for a resume. */
  sweep(): void {
    const now = this.clock.now();
    this.passcodes.prune(now);
    for (const meeting of [...this.meetings.values()]) {
      if (meeting.endTime !== null && now >= meeting.endTime + this.policy.endGraceMs) {
        this.end(meeting, 'MeetingExpired', 'the meeting’s end time has passed', 'end time passed');
        continue;
      }
      for (const p of [...meeting.participants.values()]) {
        if (!p.connected && now - p.disconnectedAt >= this.policy.resumeMs) this.leave(meeting, p, 'MeetingInterrupt', 'connection lost', 'connection lost');
      }
      const ephemeral = meeting.settings.kind === 'instant' || meeting.settings.kind === 'room';
      if (ephemeral && meeting.emptySince !== null && now - meeting.emptySince >= this.policy.emptyTimeoutMs) {
        this.end(meeting, 'MeetingStop', 'the meeting ended: nobody was in it', 'empty');
      }
    }
  }

  /** Ends every session (server shutdown) and waits for the history to be written. */
  async shutdown(): Promise<void> {
    for (const meeting of [...this.meetings.values()]) this.end(meeting, 'MeetingEndAbnormal', 'the server is restarting; join again', 'server stopped');
    await this.historyQueue;
  }

  /** Waits until every history write queued so far is done. */
  async settled(): Promise<void> {
    await this.historyQueue;
  }

  /** One page of the past and current sessions under the number, newest first. */
  sessions(meetingNumber: string, page: SessionPage): Promise<{ sessions: SessionRecord[]; total: number }> {
    return this.history.list(meetingNumber, page);
  }

  /** Whether any session was ever held under the number. */
  hadSessions(meetingNumber: string): Promise<boolean> {
    return this.history.any(meetingNumber);
  }

  recordRename(participant: Participant): void {
    this.record('renamed', () => this.history.renamed(participant.attendanceId, participant.displayName));
  }

  private open(settings: ScheduledMeeting, now: number): LiveMeeting {
    const meeting = new LiveMeeting(randomUUID(), settings, now, settings.end);
    this.meetings.set(settings.meetingNumber, meeting);
    this.record('started', () =>
      this.history.started({ id: meeting.sessionId, meetingNumber: settings.meetingNumber, scheduleId: settings.scheduleId, name: settings.name, ownerId: settings.ownerId, startedAt: now }),
    );
    return meeting;
  }

  private record(what: string, write: () => Promise<void>): void {
    this.historyQueue = this.historyQueue.then(write).catch((e) => this.onError(e, `session history: ${what}`));
  }
}

const newResumeToken = (): string => randomBytes(24).toString('base64url');

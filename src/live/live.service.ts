import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Reason } from '../../contract/signal/reasons.ts';
import type { User } from '../accounts/user.ts';
import { may } from '../accounts/permissions.ts';
import type { Clock } from '../kernel/clock.ts';
import { DomainError, fail } from '../kernel/domain-error.ts';
import type { LobbyMode } from '../scheduling/meeting.ts';
import type { ChatMessage } from './chat.ts';
import { LiveMeeting, type MeetingLimits, type SharePolicy } from './live-meeting.ts';
import { openingAt } from './meeting-window.ts';
import type { Delivery, Notice } from './notices.ts';
import { type NumberProbes, PROBES_REFUSED } from './number-probes.ts';
import { NOT_HOST_MUTED, type Participant, type ParticipantTransport } from './participant.ts';
import type { PasscodeGuard, PasscodeStanding } from './passcode-guard.ts';
import type { CallCapacity, ChatLog, MeetingDirectory, ScheduledMeeting, SessionHistory, SessionPage, SessionRecord } from './ports.ts';

export interface LivePolicy {
  /** 0 = no limit beyond the licence's calls. */
  maxParticipantsPerMeeting: number;
  /** How long a meeting runs past its end time before it is ended (hosts may extend it meanwhile). */
  endGraceMs: number;
  /** An instant meeting or room with nobody in it ends after this long. */
  emptyTimeoutMs: number;
  /** How long a participant whose connection dropped keeps its place. */
  resumeMs: number;
  /** Who may share their screen when a meeting starts (hosts change it per meeting). */
  sharePolicy: SharePolicy;
  /** This node in a cluster; null on a single node (which owns every session in the history). */
  nodeId: string | null;
  /** Chat sizes and rates. */
  limits: MeetingLimits;
}

/** The limits against guessing, over budgets the composition root chose (see src/kernel/budget.ts). */
export interface LiveGuards {
  passcodes: PasscodeGuard;
  probes: NumberProbes;
  /** The licence's calls (here, or the cluster's). */
  calls: CallCapacity;
}

/** Where the live service reports what an operator should see. Never given passcodes, tokens or link keys. */
export interface LiveLog {
  error(error: unknown, what: string): void;
  warn(fields: Record<string, unknown>, what: string): void;
}

/**
 * How deliveries reach participants' connections, for one transport: the signalling WebSocket (live.signal.ts), the
 * SIP gateway (src/sip/). FanoutByTransport routes each participant to its own.
 */
export interface Fanout {
  deliver(meeting: LiveMeeting, recipients: readonly Participant[], notice: Notice): void;
  /** Sends the final status to one participant and closes its connection. */
  disconnect(meeting: LiveMeeting, participant: Participant, reason: Reason, message: string): void;
  /** A host admitted the participant from the lobby: its connection enters the meeting now (connected, welcome). */
  admitted(meeting: LiveMeeting, participant: Participant): void;
}

/** A Fanout per participant transport: each delivery goes to the fanout of each recipient's transport. */
export class FanoutByTransport implements Fanout {
  constructor(private readonly byTransport: Partial<Record<ParticipantTransport, Fanout>>) {}

  /** Adds (or replaces) the fanout of a transport (the SIP gateway starts after the live service). */
  set(transport: ParticipantTransport, fanout: Fanout): void {
    this.byTransport[transport] = fanout;
  }

  deliver(meeting: LiveMeeting, recipients: readonly Participant[], notice: Notice): void {
    // Nearly always one transport: the list is split only when it mixes them.
    const first = recipients[0]?.transport;
    if (recipients.every((p) => p.transport === first)) {
      if (first) this.byTransport[first]?.deliver(meeting, recipients, notice);
      return;
    }
    const groups = new Map<ParticipantTransport, Participant[]>();
    for (const p of recipients) groups.set(p.transport, [...(groups.get(p.transport) ?? []), p]);
    for (const [transport, group] of groups) this.byTransport[transport]?.deliver(meeting, group, notice);
  }

  disconnect(meeting: LiveMeeting, participant: Participant, reason: Reason, message: string): void {
    this.byTransport[participant.transport]?.disconnect(meeting, participant, reason, message);
  }

  admitted(meeting: LiveMeeting, participant: Participant): void {
    this.byTransport[participant.transport]?.admitted(meeting, participant);
  }
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
  /** The meeting link's key, when the participant came by the link (the invitation: no passcode asked). */
  linkKey?: string;
  audioMuted?: boolean;
  videoMuted?: boolean;
  address: string;
  /** How the participant connects; 'webrtc' (the signalling WebSocket) unless said. */
  transport?: ParticipantTransport;
}

export type Admission =
  | { kind: 'joined'; meeting: LiveMeeting; participant: Participant; replaced: boolean }
  | { kind: 'passcode'; attemptsLeft: number; rejected: boolean }
  /** Checked and let through, but waiting in the lobby until a host admits (Fanout.admitted) or refuses it. */
  | { kind: 'waiting'; meeting: LiveMeeting; participant: Participant }
  | { kind: 'refused'; reason: Reason; message: string };

const refused = (reason: Reason, message: string): Admission => ({ kind: 'refused', reason, message });

const TOO_MANY_PASSCODES = 'too many wrong passcodes; try again later';
const LOCKED_OUT = 'too many wrong passcodes were tried for this meeting; for now only its hosts and people joining from its meeting link get in';
export const LOBBY_REFUSED = 'the host did not let you into the meeting';
const LOBBY_FULL = 'the meeting’s lobby is full; try again later';
const WAITING_ALREADY = 'client_id: a guest with this id already waits in the lobby';
const GUEST_PLACE_TAKEN =
  'client_id: a guest with this id is already in the meeting; a dropped connection takes its place back with resume (its resume_token), or joins again once the place is given up';

/** The sync part of admit() found a wrong passcode: the budgets are spent (async) before the answer. */
const WRONG_PASSCODE = Symbol('wrong passcode');

/** What the number stands for when it is not live: the meeting it opens now, or why none (and which meeting that is about). */
interface NumberTarget {
  meeting?: ScheduledMeeting;
  reason?: Reason;
  message: string;
  about?: ScheduledMeeting;
}
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
    private readonly guards: LiveGuards,
    private readonly log: LiveLog,
    /** Where the chat is kept for the transcript. */
    private readonly chats: ChatLog,
  ) {}

  /** Closes the sessions a previous run left open: their participants are gone with that process. */
  async start(): Promise<number> {
    return this.history.closeAbandoned(this.clock.now(), 'server restarted', this.policy.nodeId);
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

  /**
   * What the number stands for when no session is live: the scheduled meeting open now, or why none is (and, in
   * `about`, the meeting that reason is about: not started yet, or ended).
   */
  async scheduled(meetingNumber: string): Promise<NumberTarget> {
    const opening = openingAt(await this.directory.lookup(meetingNumber, this.clock.now()), this.clock.now());
    return opening.open
      ? { meeting: opening.meeting, message: '' }
      : { reason: opening.reason, message: opening.message, ...(opening.about ? { about: opening.about } : {}) };
  }

  /** The unknown-number budget of REST callers (the control API); joins spend it in admit(). */
  get probes(): NumberProbes {
    return this.guards.probes;
  }

  /** A number that is not live: a stop without rejoin keeps it closed, else the schedule decides. */
  private async target(meetingNumber: string): Promise<NumberTarget> {
    const [closedUntil, found] = await Promise.all([this.history.closedUntil(meetingNumber, this.clock.now()), this.scheduled(meetingNumber)]);
    if (closedUntil === null) return found;
    const about = found.meeting ?? found.about;
    return { reason: 'MeetingStop', message: 'the host ended this meeting', ...(about ? { about } : {}) };
  }

  /**
   * Admission (client contract §6.4). Signed-in callers are told plainly why they cannot join; their joins naming
   * numbers that do not exist spend the caller's address's unknown-number budget. Guests meet a meeting's passcode
   * before anything that would tell whether the number exists: an unknown number asks for a passcode like a protected
   * meeting does, and every passcode given for it is wrong, spending the same budgets, so a guest cannot tell numbers
   * apart without the passcode.
   */
  async admit(req: JoinRequest, retried = false): Promise<Admission> {
    let user: User | undefined;
    if (req.token !== undefined) {
      try {
        user = await this.identity.authenticate(req.token, req.clientId);
      } catch (e) {
        if (e instanceof DomainError) return refused('AuthenticationFail', 'token: not valid; sign in again or join as a guest');
        throw e;
      }
    }
    const number = req.meetingNumber;
    const target = this.meetings.has(number) ? undefined : await this.target(number);
    /** The meeting whose owner and password apply; undefined for a number that names none. */
    const about = this.meetings.get(number)?.settings ?? target?.meeting ?? target?.about;
    const host = user !== undefined && about !== undefined && may(user, 'meeting.host', about);
    // MeetingOperators and SystemAdmins host every meeting: nothing to find out by probing.
    if (user !== undefined && !host && !may(user, 'meeting.host')) {
      if (await this.guards.probes.blocked(req.address)) return refused('ServerReject', PROBES_REFUSED);
      if (target?.reason === 'MeetingNoExist') {
        await this.guards.probes.missed(req.address);
        return refused('MeetingNoExist', target.message);
      }
    }
    const invited = about !== undefined && holdsLink(req.linkKey, about);
    // The passcode applies to everyone but hosts and invitees (the link carries the passcode anyway), and to guests
    // also when the number names no meeting.
    const gated = !host && !invited && (about === undefined ? user === undefined : about.password !== '');
    // A guest about to be asked for the passcode of a live meeting waits for the same lookups as one asking for a number
    // that names no meeting (a live meeting needs none): the time of the answer must not tell them apart either.
    if (!target && gated && user === undefined && req.passcode !== about?.password) await this.target(number);
    // Hosts do not need the passcode, but are told when it is locked out.
    const standing = gated || (host && about?.password !== '') ? await this.guards.passcodes.standing(number, req.clientId, req.address) : undefined;

    // Whether a signed-in user counts as invited matters only to a lobby that lets invited users through.
    const lobbyMode = this.meetings.get(number)?.lobby.mode ?? about?.lobby ?? 'off';
    const invitedUser = user !== undefined && !host && about !== undefined && lobbyMode === 'uninvited' && (await this.directory.invited(about, user.id));

    // A newcomer holds a call of the licence from here; given back below unless it became a participant.
    const callReserved = this.meetings.get(number)?.get(req.clientId) === undefined && (await this.guards.calls.reserve());

    // From here on nothing awaits: the checks and the admission see one consistent state.
    const now = this.clock.now();
    const live = this.meetings.get(number);
    // The meeting ended while we looked: look again (once).
    if (!live && !target) {
      if (callReserved) this.guards.calls.release();
      return retried ? refused('MeetingInterrupt', 'the meeting changed while joining; join again') : this.admit(req, true);
    }
    const decided = this.decide(req, { user, host, live, target, gated, standing, now, callReserved, invited: invitedUser });
    if (callReserved && !(decided !== WRONG_PASSCODE && decided.kind === 'joined' && !decided.replaced)) this.guards.calls.release();
    if (decided !== WRONG_PASSCODE) return decided;

    const after = await this.guards.passcodes.failed(number, req.clientId, req.address, standing!);
    if (after.tripped) this.lockedOut(number, after.lockoutMs);
    if (after.lockoutMs > 0) return refused('PasscodeTooManyRetries', LOCKED_OUT);
    if (after.attemptsLeft === 0) return refused('PasscodeTooManyRetries', TOO_MANY_PASSCODES);
    return { kind: 'passcode', attemptsLeft: after.attemptsLeft, rejected: true };
  }

  /** The synchronous part of admit(): every check against the live state, and the admission itself. */
  private decide(
    req: JoinRequest,
    c: {
      user: User | undefined;
      host: boolean;
      live: LiveMeeting | undefined;
      target: NumberTarget | undefined;
      gated: boolean;
      standing: PasscodeStanding | undefined;
      now: number;
      /** A call of the licence is held for this join (false: the licence is used up, or the participant is returning). */
      callReserved: boolean;
      /** The user is among the meeting's invited users (looked up only for an 'uninvited' lobby). */
      invited: boolean;
    },
  ): Admission | typeof WRONG_PASSCODE {
    const { user, host, live, target, now } = c;
    const password = live?.settings.password ?? target?.meeting?.password ?? target?.about?.password;
    // The same signed-in user coming back takes its place again, even in a meeting locked meanwhile. A guest's place is
    // taken back only with its resume token (`resume`): its client_id is in everyone's roster.
    const existing = live?.get(req.clientId);
    const returning = existing !== undefined && user !== undefined && existing.userId === user.id;
    const passcode = (): Admission | typeof WRONG_PASSCODE | undefined => {
      if (!c.gated || returning) return undefined;
      const standing = c.standing!;
      if (standing.lockoutMs > 0) return refused('PasscodeTooManyRetries', LOCKED_OUT);
      if (standing.attemptsLeft === 0) return refused('PasscodeTooManyRetries', TOO_MANY_PASSCODES);
      if (req.passcode === undefined || req.passcode === '') return { kind: 'passcode', attemptsLeft: standing.attemptsLeft, rejected: false };
      return password === undefined || req.passcode !== password ? WRONG_PASSCODE : undefined;
    };
    if (user === undefined) {
      const asked = passcode();
      if (asked !== undefined) return asked;
    }
    if (existing && !returning) return refused('ServerReject', existing.userId === '' ? GUEST_PLACE_TAKEN : 'client_id: already in the meeting as someone else');
    const settings = live?.settings ?? target?.meeting;
    if (!settings) return refused(target?.reason ?? 'MeetingNoExist', target?.message ?? 'no meeting has this number');
    if (live?.locked && !host && !existing) return refused('MeetingLocked', 'the meeting is locked');
    if (!user && !settings.guestDialIn) return refused('GuestUnallowed', 'guests may not join this meeting; sign in');
    if (!existing) {
      if (!c.callReserved) return refused('LicenseLimitReached', 'the server’s licensed number of calls is reached');
      const cap = this.policy.maxParticipantsPerMeeting;
      if (cap > 0 && (live?.count ?? 0) >= cap) return refused('MeetingFull', `the meeting is full (${cap} participants)`);
    }
    if (user !== undefined) {
      const asked = passcode();
      if (asked !== undefined) return asked;
    }
    const meeting = live ?? this.open(settings, now);
    // Hosts who join while the passcode is locked out are told in their welcome.
    if (c.standing && c.standing.lockoutMs > 0) this.apply(meeting, meeting.lockOut(now + c.standing.lockoutMs));
    if (existing) {
      existing.connected = true;
      existing.address = req.address;
      existing.resumeToken = newResumeToken(meeting.meetingNumber);
      if (existing.displayName !== req.displayName) this.apply(meeting, meeting.rename(existing, req.displayName));
      return { kind: 'joined', meeting, participant: existing, replaced: true };
    }
    const participant = newParticipant({
      clientId: req.clientId,
      userId: user?.id ?? '',
      displayName: req.displayName,
      host,
      audioMuted: req.audioMuted ?? false,
      videoMuted: req.videoMuted ?? false,
      address: req.address,
      meetingNumber: meeting.meetingNumber,
      transport: req.transport ?? 'webrtc',
      now,
    });
    if (meeting.lobby.mustWait(participant, c.invited)) {
      // A phone has no screen to wait at and the gateway no way to hold its call: it is refused, saying why.
      if (participant.transport === 'sip') return refused('ServerReject', 'this meeting admits guests through a lobby, which SIP calls cannot wait in');
      return this.toLobby(meeting, participant);
    }
    this.enterMeeting(meeting, participant, now);
    return { kind: 'joined', meeting, participant, replaced: false };
  }

  private enterMeeting(meeting: LiveMeeting, participant: Participant, now: number): void {
    participant.joinedAt = now;
    this.apply(meeting, meeting.admit(participant, now));
    this.record('joined', () =>
      this.history.joined({ id: participant.attendanceId, sessionId: meeting.sessionId, clientId: participant.clientId, userId: participant.userId, displayName: participant.displayName, joinedAt: now }),
    );
  }

  /** `p` passed every check but waits in the lobby; the same user waiting on another connection is replaced. */
  private toLobby(meeting: LiveMeeting, p: Participant): Admission {
    const earlier = meeting.lobby.waiting.get(p.clientId);
    if (earlier) {
      if (p.userId === '' || earlier.userId !== p.userId) return refused('ServerReject', WAITING_ALREADY);
      meeting.unwait(earlier.clientId);
      if (earlier.connected) this.fanout.disconnect(meeting, earlier, 'ServerReject', 'you joined again from another connection');
    }
    if (meeting.lobby.full) return refused('MeetingFull', LOBBY_FULL);
    meeting.wait(p);
    this.apply(meeting, []);
    return { kind: 'waiting', meeting, participant: p };
  }

  /**
   * Hosts let people in from the lobby (those named, or all): each gets a call of the licence and a place, as on
   * joining, without being asked for anything again — also while the meeting is locked (the host chose them). Refused
   * as a whole when the meeting is full or the licence used up before anyone else could be let in.
   */
  async letIn(meeting: LiveMeeting, ids: readonly string[] | 'all'): Promise<void> {
    const cap = this.policy.maxParticipantsPerMeeting;
    for (const p of meeting.waiting(ids)) {
      if (cap > 0 && meeting.count >= cap) fail('state.invalid', `participants: the meeting is full (${cap} participants)`);
      if (!(await this.guards.calls.reserve())) fail('license.limit', 'participants: the server’s licensed number of calls is reached');
      // The meeting may have ended, or the person left, while the licence was asked.
      if (this.meetings.get(meeting.meetingNumber) !== meeting || meeting.lobby.waiting.get(p.clientId) !== p || (cap > 0 && meeting.count >= cap)) {
        this.guards.calls.release();
        continue;
      }
      meeting.unwait(p.clientId);
      this.enterMeeting(meeting, p, this.clock.now());
      this.fanout.admitted(meeting, p);
    }
  }

  /** Hosts turn people in the lobby away (those named, or all): each is told and its connection closed. */
  refuse(meeting: LiveMeeting, ids: readonly string[] | 'all'): void {
    for (const p of meeting.waiting(ids)) {
      meeting.unwait(p.clientId);
      if (p.connected) this.fanout.disconnect(meeting, p, 'ServerReject', LOBBY_REFUSED);
    }
    this.apply(meeting, []);
  }

  /** Someone waiting went away (left, or the connection closed). */
  leftLobby(meeting: LiveMeeting, p: Participant): void {
    if (meeting.lobby.waiting.get(p.clientId) !== p) return;
    p.connected = false;
    meeting.unwait(p.clientId);
    this.apply(meeting, []);
  }

  /** Hosts switch the lobby; turning it off lets everyone waiting in. */
  async setLobby(meeting: LiveMeeting, mode: LobbyMode): Promise<void> {
    this.apply(meeting, meeting.setLobbyMode(mode));
    if (mode === 'off') await this.letIn(meeting, 'all');
  }

  /**
   * A participant the meeting calls (a SIP device a host dials out to): the host asked for it, so no passcode, lock or
   * guest rule applies; the call capacity does. Returns the participant in the meeting, or why it cannot be added.
   */
  async addCallee(meeting: LiveMeeting, callee: { clientId: string; displayName: string; address: string; transport: ParticipantTransport }): Promise<Participant | (Admission & { kind: 'refused' })> {
    // The callee holds a call of the licence like any newcomer (for the whole cluster in cluster mode).
    if (!(await this.guards.calls.reserve())) return { kind: 'refused', reason: 'LicenseLimitReached', message: 'the server’s licensed number of calls is reached' };
    // Nothing awaits from here on: the checks and the admission see one consistent state.
    const refusal = ((): (Admission & { kind: 'refused' }) | undefined => {
      if (this.meetings.get(meeting.meetingNumber) !== meeting) return { kind: 'refused', reason: 'MeetingStop', message: 'the meeting has ended' };
      const cap = this.policy.maxParticipantsPerMeeting;
      if (cap > 0 && meeting.count >= cap) return { kind: 'refused', reason: 'MeetingFull', message: `the meeting is full (${cap} participants)` };
      return undefined;
    })();
    if (refusal) {
      this.guards.calls.release();
      return refusal;
    }
    const now = this.clock.now();
    const participant = newParticipant({ ...callee, userId: '', host: false, audioMuted: false, videoMuted: true, now, meetingNumber: meeting.meetingNumber });
    this.enterMeeting(meeting, participant, now);
    return participant;
  }

  /** Re-reads the schedule of a live meeting after an edit and tells the participants what changed. */
  async refresh(meetingNumber: string): Promise<void> {
    const meeting = this.meetings.get(meetingNumber);
    if (!meeting) return;
    const lookup = await this.directory.lookup(meetingNumber, this.clock.now());
    const fresh = [...lookup.upcoming, ...(lookup.room ? [lookup.room] : [])].find((m) => m.scheduleId === meeting.settings.scheduleId);
    if (fresh && this.meetings.get(meetingNumber) === meeting) this.apply(meeting, meeting.reschedule(fresh));
  }

  /** The meeting's passcode budget was just spent: the operator and the hosts in the meeting are told. */
  private lockedOut(meetingNumber: string, lockoutMs: number): void {
    this.log.warn(
      { meetingNumber, minutes: Math.ceil(lockoutMs / 60_000) },
      'too many wrong passcodes for this meeting number: only its hosts and joins from its meeting link get in until the budget refills',
    );
    const meeting = this.meetings.get(meetingNumber);
    if (meeting) this.apply(meeting, meeting.lockOut(this.clock.now() + lockoutMs));
  }

  /** A new connection taking back a place held since its connection dropped. */
  resume(resumeToken: string, address: string): { meeting: LiveMeeting; participant: Participant } | undefined {
    const meeting = this.meetings.get(meetingOfResumeToken(resumeToken));
    if (!meeting) return undefined;
    for (const p of meeting.participants.values()) {
      if (p.resumeToken === resumeToken) {
        p.connected = true;
        p.address = address;
        p.resumeToken = newResumeToken(meeting.meetingNumber);
        return { meeting, participant: p };
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
    this.guards.calls.release();
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
    for (const p of meeting.participants.values()) {
      if (p.connected) this.fanout.disconnect(meeting, p, reason, message);
      this.guards.calls.release();
    }
    for (const p of meeting.lobby.waiting.values()) if (p.connected) this.fanout.disconnect(meeting, p, reason, message);
    meeting.lobby.waiting.clear();
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
    for (const meeting of [...this.meetings.values()]) {
      meeting.lockoutOver(now);
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

  /** A chat message from `p` (to everyone, or privately to `to`): delivered, then kept for the transcript. */
  sendChat(meeting: LiveMeeting, p: Participant, to: string | undefined, text: string): ChatMessage {
    const { message, deliveries } = meeting.sendChat(p, to, text, this.clock.now());
    this.apply(meeting, deliveries);
    const ordinal = ++meeting.transcriptLength;
    this.record('chat', () =>
      this.chats.add({
        sessionId: meeting.sessionId,
        messageId: message.id,
        ordinal,
        room: '',
        at: message.at,
        fromClientId: message.from,
        fromUserId: message.fromUser,
        fromName: message.fromName,
        toClientId: message.to,
        toUserId: message.toUser,
        toName: message.toName,
        text: message.text,
      }),
    );
    return message;
  }

  /** A host deletes a message for everyone; false when the meeting holds no such message the host may delete. */
  deleteChat(meeting: LiveMeeting, messageId: string, host: Participant | undefined): boolean {
    const deleted = meeting.deleteChat(messageId, host);
    if (!deleted) return false;
    this.apply(meeting, deleted.deliveries);
    const at = this.clock.now();
    this.record('chat deleted', () => this.chats.deleted(meeting.sessionId, messageId, at));
    return true;
  }

  recordRename(participant: Participant): void {
    this.record('renamed', () => this.history.renamed(participant.attendanceId, participant.displayName));
  }

  private open(settings: ScheduledMeeting, now: number): LiveMeeting {
    const meeting = new LiveMeeting(randomUUID(), settings, now, settings.end, this.policy.sharePolicy, this.policy.limits);
    this.meetings.set(settings.meetingNumber, meeting);
    this.record('started', () =>
      this.history.started({ id: meeting.sessionId, meetingNumber: settings.meetingNumber, scheduleId: settings.scheduleId, name: settings.name, ownerId: settings.ownerId, startedAt: now, nodeId: this.policy.nodeId ?? '' }),
    );
    return meeting;
  }

  private record(what: string, write: () => Promise<void>): void {
    this.historyQueue = this.historyQueue.then(write).catch((e) => this.log.error(e, `session history: ${what}`));
  }
}

/**
 * A resume token names its meeting ("{meeting number}.{random}"): a resume is routed to the meeting's node (and found
 * there) by the token alone, without scanning every meeting.
 */
const newResumeToken = (meetingNumber: string): string => `${meetingNumber}.${randomBytes(24).toString('base64url')}`;

/** The meeting number a resume token names ('' for a token of another form). */
export const meetingOfResumeToken = (token: string): string => {
  const dot = token.indexOf('.');
  return dot > 0 ? token.slice(0, dot) : '';
};

/** A participant as it enters a meeting (nothing raised, pinned or muted by a host yet). */
function newParticipant(f: {
  clientId: string;
  userId: string;
  displayName: string;
  host: boolean;
  audioMuted: boolean;
  videoMuted: boolean;
  address: string;
  transport: ParticipantTransport;
  now: number;
  /** Its resume token names the meeting (see newResumeToken). */
  meetingNumber: string;
}): Participant {
  return {
    clientId: f.clientId,
    userId: f.userId,
    displayName: f.displayName,
    host: f.host,
    audioMuted: f.audioMuted,
    videoMuted: f.videoMuted,
    hostMute: NOT_HOST_MUTED,
    handRaised: false,
    pin: null,
    maxViews: 9,
    layout: 'auto',
    joinedAt: f.now,
    address: f.address,
    connected: true,
    disconnectedAt: 0,
    resumeToken: newResumeToken(f.meetingNumber),
    attendanceId: randomUUID(),
    transport: f.transport,
  };
}

/** Does `key` open this meeting's link (its own, or its series')? Compared in constant time: it is a credential. */
function holdsLink(key: string | undefined, meeting: ScheduledMeeting): boolean {
  if (key === undefined || key === '') return false;
  const given = Buffer.from(key);
  return [meeting.infoKey, meeting.groupKey].some((k) => {
    const known = Buffer.from(k);
    return k !== '' && known.length === given.length && timingSafeEqual(known, given);
  });
}

import { fail } from '../kernel/domain-error.ts';
import { take } from './allowance.ts';
import { type ChatLimits, type ChatMessage, type GuestChat, MeetingChat, viewOfMessage } from './chat.ts';
import type { LobbyMode } from '../scheduling/meeting.ts';
import { Lobby } from './lobby.ts';
import { BROADCAST_RATE, Breakouts, spread } from './breakout.ts';
import { type Delivery, type Notice, type OverlaySetting, toAll, toHosts, toSome } from './notices.ts';
import { maySelfUnmute, NOT_HOST_MUTED, type Participant, viewOf } from './participant.ts';
import type { ScheduledMeeting } from './ports.ts';
import type { RecordingLayout } from '../media/engine.ts';

export const NO_OVERLAY: OverlaySetting = { enabled: false, text: '', position: 0, repeat: 1, scroll: false };

/** Who may share their screen: everyone, or the hosts only (a host setting; the SFU forwards no one else's). */
export type SharePolicy = 'everyone' | 'hosts';

/** The server's limits on what happens inside a meeting (configuration). */
export interface MeetingLimits {
  chat: ChatLimits;
}

/** Reactions a participant may send: a few at once, one a second on average (each goes to everyone). */
const REACTION_RATE = { burst: 5, perMinute: 60 };

export const DEFAULT_LIMITS: MeetingLimits = { chat: { maxLength: 2000, rate: { burst: 5, perMinute: 30 }, history: 200 } };
/** A recording or live stream in progress: a recorder in the meeting's media room (src/recording, src/streaming). */
export interface MeetingRecorder {
  /** The recording's (or stream's) id; also the recorder's id in the media room. */
  id: string;
  layout: RecordingLayout;
}

/** A live stream: where viewers watch it and the passcode they need (participants are told both). */
export interface MeetingStream extends MeetingRecorder {
  url: string;
  passcode: string;
}

/**
 * A meeting in progress: who is in it and every setting the control API changes. Pure state and rules; each change
 * returns the deliveries that tell the affected participants (and only them). Roster changes are collected and sent
 * in batches by `flushRoster`, so a thousand joins or a mute_all do not become a thousand broadcasts each.
 */
export class LiveMeeting {
  readonly participants = new Map<string, Participant>();
  locked = false;
  lecturer: string | null = null;
  meetingPin: string | null = null;
  overlay: OverlaySetting = NO_OVERLAY;
  /**
   * Who shares content (a screen), oldest first: one at a time in the main meeting and in each breakout room, where a
   * new sharer takes over. Rooms that close bring their sharers back together: the latest one is shown (the SFU's rule).
   */
  sharers: string[] = [];
  /** Until when (ms) the meeting's passcode budget is spent: only hosts and holders of its link get in; null = not. */
  lockoutUntil: number | null = null;
  /** Raised hands in the order they went up (client ids; entries of hands lowered since are skipped). */
  handQueue: string[] = [];
  /** The recording in progress, if any (one at a time). */
  recording: MeetingRecorder | null = null;
  /** The live stream in progress, if any. */
  streaming: MeetingStream | null = null;
  /** Set while a mute_all is in force: later joiners are muted the same way. */
  muteAllSetting: { allowSelfUnmute: boolean } | null = null;
  /** When the last participant left (for the empty-meeting timeout); null while someone is in. */
  emptySince: number | null;
  /** Chat messages accepted in this session so far (their order in the transcript). */
  transcriptLength = 0;
  private pendingRoster = new Map<string, 'changed' | 'left'>();
  private pendingAllAudio: { muted: boolean; except: string[] } | undefined;
  /** The open unmute requests changed since the hosts were last told (sent with the roster batch). */
  private pendingRequests = false;
  private sentCount = -1;
  /** The meeting's chat: rules, the recent messages, the guests' setting. */
  readonly chat: MeetingChat;
  /** Who waits to be let in. */
  readonly lobby: Lobby;
  /** The lobby changed since the hosts were last told (sent with the roster batch). */
  private pendingLobby = false;
  /** The breakout rooms: the plan, the timers, each room's chat (where each participant is: Participant.room). */
  readonly breakouts: Breakouts;

  constructor(
    readonly sessionId: string,
    /** What the schedule says about the meeting; replaced when it is edited while live (see reschedule). */
    public settings: ScheduledMeeting,
    readonly startedAt: number,
    /** ms; null = open-ended (a room). Hosts may move it. */
    public endTime: number | null,
    /** Who may share their screen; hosts change it (setSharePolicy). */
    public sharePolicy: SharePolicy = 'everyone',
    readonly limits: MeetingLimits = DEFAULT_LIMITS,
  ) {
    this.emptySince = startedAt;
    this.chat = new MeetingChat('main', limits.chat);
    this.lobby = new Lobby(settings.lobby);
    this.breakouts = new Breakouts(limits.chat);
  }

  get meetingNumber(): string {
    return this.settings.meetingNumber;
  }

  get count(): number {
    return this.participants.size;
  }

  get(clientId: string): Participant | undefined {
    return this.participants.get(clientId);
  }

  /** The participant, or a 404 naming the field it came from. */
  require(clientId: string, field: string): Participant {
    return this.participants.get(clientId) ?? fail('notFound', `${field}: no participant ${JSON.stringify(clientId)} in meeting ${this.meetingNumber}`);
  }

  hosts(): Participant[] {
    return [...this.participants.values()].filter((p) => p.host);
  }

  /** Whom `viewer` sees pinned: its own pin, else the meeting pin. */
  pinFor(viewer: Pick<Participant, 'pin'>): { clientId: string; scope: 'meeting' | 'participant' | 'none' } {
    return pinSeen(viewer, this.meetingPin);
  }

  // ---- notices carrying the meeting as it is now ------------------------------------------------------------------

  private info(): Notice {
    const s = this.settings;
    return {
      kind: 'info',
      meeting: {
        meetingNumber: s.meetingNumber,
        name: s.name,
        ownerId: s.ownerId,
        ownerName: s.ownerName,
        infoKey: s.infoKey,
        groupKey: s.groupKey,
        startedAt: this.startedAt,
        endTime: this.endTime,
        locked: this.locked,
        sharePolicy: this.sharePolicy,
        guestChat: this.chat.guestChat,
        lobby: this.lobby.mode,
      },
    };
  }

  private layout(): Notice {
    return { kind: 'layout', lecturer: this.lecturer };
  }

  private pin(): Notice {
    return { kind: 'pin', meetingPin: this.meetingPin };
  }


  /** Adds a participant; mute upon entry and a mute_all in force apply to non-hosts. */
  admit(p: Participant, now: number): Delivery[] {
    const entryMute = p.host ? null : this.muteAllSetting ?? (this.settings.muteUponEntry ? { allowSelfUnmute: true } : null);
    if (entryMute) {
      p.hostMute = { muted: true, allowSelfUnmute: entryMute.allowSelfUnmute };
      p.audioMuted = true;
    }
    this.participants.set(p.clientId, p);
    this.emptySince = null;
    this.markChanged(p.clientId);
    if (p.handRaised) {
      this.handQueue.push(p.clientId);
      this.requestsChanged();
    }
    return [];
  }

  /** Takes a participant out; a lecturer or pin pointing at them is cleared and the viewers told. */
  remove(clientId: string, now: number): Delivery[] {
    const p = this.participants.get(clientId);
    if (!p) return [];
    this.participants.delete(clientId);
    // Someone who comes back later is a newcomer: in the main meeting until a host assigns them again.
    this.breakouts.assignments.delete(clientId);
    this.pendingRoster.set(clientId, 'left');
    if (this.participants.size === 0) this.emptySince = now;
    const out: Delivery[] = [];
    if (this.lecturer === clientId) out.push(...this.setLecturer(null));
    this.sharers = this.sharers.filter((id) => id !== clientId);
    const pinViewers = [...this.participants.values()].filter((v) => v.pin === clientId);
    for (const v of pinViewers) v.pin = null;
    if (this.meetingPin === clientId) out.push(...this.setMeetingPin(null));
    else if (pinViewers.length > 0) out.push(toSome(pinViewers.map((v) => v.clientId), this.pin()));
    if (p.handRaised) this.requestsChanged();
    return out;
  }

  /** Everything a joining (or resuming) participant needs to see the meeting as the others do, in order. */
  welcome(p: Participant): Notice[] {
    const requests = this.requesters();
    return [
      this.info(),
      { kind: 'roster', full: true, participants: [...this.participants.values()].map(viewOf), left: [] },
      { kind: 'count', count: this.count },
      ...(p.hostMute.muted ? [{ kind: 'muteLock', muted: true, allowSelfUnmute: p.hostMute.allowSelfUnmute } as const] : []),
      this.layout(),
      this.pin(),
      ...(this.overlay.enabled ? [{ kind: 'overlay', overlay: this.overlay } as const] : []),
      this.session(),
      { kind: 'chatHistory', messages: this.chatOf(p).historyFor(p) },
      ...(this.breakouts.state !== 'none' ? [this.breakoutNotice(p.host)] : []),
      ...(p.host && requests.length > 0 ? [this.unmuteRequests().notice] : []),
      ...(p.host && this.lobby.waiting.size > 0 ? [this.lobbyNotice().notice] : []),
      ...(p.host && this.lockoutUntil !== null ? [{ kind: 'passcodeLockout', until: this.lockoutUntil } as const] : []),
    ];
  }

  // ---- audio ----------------------------------------------------------------------------------------------------

  /** Host mute of the listed participants. */
  mute(targets: Participant[], allowSelfUnmute: boolean): Delivery[] {
    for (const p of targets) {
      p.hostMute = { muted: true, allowSelfUnmute };
      p.audioMuted = true;
      this.markChanged(p.clientId);
    }
    return targets.length ? [toSome(ids(targets), { kind: 'muteLock', muted: true, allowSelfUnmute })] : [];
  }

  /** Lifts the host mute and turns the microphone back on (the FRTC apps follow the unlock). */
  unmute(targets: Participant[]): Delivery[] {
    for (const p of targets) {
      p.hostMute = NOT_HOST_MUTED;
      p.audioMuted = false;
      p.handRaised = false;
      this.markChanged(p.clientId);
    }
    if (targets.length) this.requestsChanged();
    return targets.length ? [toSome(ids(targets), { kind: 'muteLock', muted: false, allowSelfUnmute: true })] : [];
  }

  /** Mutes everyone but the hosts and the exclusions, and keeps muting joiners until unmute_all. */
  muteAll(allowSelfUnmute: boolean, exclusions: readonly string[]): Delivery[] {
    const spared = new Set(exclusions);
    this.muteAllSetting = { allowSelfUnmute };
    const targets = [...this.participants.values()].filter((p) => !p.host && !spared.has(p.clientId));
    for (const p of targets) {
      p.hostMute = { muted: true, allowSelfUnmute };
      p.audioMuted = true;
    }
    // Everyone's audio_mute changed: one compact roster entry names the exceptions instead of listing everybody.
    this.pendingAllAudio = { muted: true, except: [...this.participants.values()].filter((p) => p.host || spared.has(p.clientId)).map((p) => p.clientId) };
    return targets.length ? [toSome(ids(targets), { kind: 'muteLock', muted: true, allowSelfUnmute })] : [];
  }

  unmuteAll(): Delivery[] {
    this.muteAllSetting = null;
    const targets = [...this.participants.values()].filter((p) => p.hostMute.muted);
    for (const p of targets) {
      p.hostMute = NOT_HOST_MUTED;
      p.audioMuted = false;
      p.handRaised = false;
    }
    const lifted = new Set(targets);
    const untouched = [...this.participants.values()].filter((p) => !lifted.has(p));
    this.pendingAllAudio = { muted: false, except: ids(untouched) };
    if (targets.length) this.requestsChanged();
    return targets.length ? [toSome(ids(targets), { kind: 'muteLock', muted: false, allowSelfUnmute: true })] : [];
  }

  /** The participant's own microphone/camera buttons; unmuting is refused while a host mute forbids it. */
  selfMute(p: Participant, change: { audio?: boolean; video?: boolean }): Delivery[] {
    if (change.audio === false && p.audioMuted && !maySelfUnmute(p)) {
      fail('operation.forbidden', 'audio: muted by the host; raise your hand to ask for the floor');
    }
    const out: Delivery[] = [];
    if (change.audio !== undefined && change.audio !== p.audioMuted) {
      p.audioMuted = change.audio;
      if (!change.audio && p.hostMute.muted) {
        p.hostMute = NOT_HOST_MUTED;
        out.push(toSome([p.clientId], { kind: 'muteLock', muted: false, allowSelfUnmute: true }));
      }
      if (!change.audio && p.handRaised) {
        p.handRaised = false;
        this.requestsChanged();
      }
    }
    if (change.video !== undefined) p.videoMuted = change.video;
    this.markChanged(p.clientId);
    return out;
  }

  /**
   * Raising a hand is the request_unmute of the REST API: the hosts see every open request. They are told with the
   * next roster batch, not per raise, so hands going up and down in a large meeting do not each send every host the
   * whole list.
   */
  setHand(p: Participant, raised: boolean): Delivery[] {
    if (p.handRaised === raised) return [];
    p.handRaised = raised;
    if (raised) this.handQueue = [...this.handQueue.filter((id) => id !== p.clientId), p.clientId];
    this.markChanged(p.clientId);
    this.requestsChanged();
    return [];
  }

  /** Hosts lower hands without granting anything (all of them when `targets` is undefined). */
  lowerHands(targets: Participant[] | undefined): Delivery[] {
    for (const p of targets ?? this.requesters()) this.setHand(p, false);
    return [];
  }

  /** Grants the requests: the participants may unmute themselves (they do, as the FRTC apps do on OnUnmuteAllow). */
  allowUnmute(targets: Participant[]): Delivery[] {
    if (targets.length === 0) return [];
    for (const p of targets) {
      p.hostMute = { muted: p.hostMute.muted, allowSelfUnmute: true };
      p.handRaised = false;
      this.markChanged(p.clientId);
    }
    const locked = targets.filter((p) => p.hostMute.muted);
    this.requestsChanged();
    return [
      toSome(ids(targets), { kind: 'unmuteAllowed' }),
      ...(locked.length ? [toSome(ids(locked), { kind: 'muteLock', muted: true, allowSelfUnmute: true } as const)] : []),
    ];
  }

  /** The raised hands, first raised first. */
  requesters(): Participant[] {
    const seen = new Set<string>();
    this.handQueue = this.handQueue.filter((id) => !seen.has(id) && seen.add(id) && this.participants.get(id)?.handRaised === true);
    return this.handQueue.map((id) => this.participants.get(id)!);
  }

  private unmuteRequests(): Delivery {
    return toHosts({ kind: 'unmuteRequests', requests: this.requesters().map((p) => ({ clientId: p.clientId, displayName: p.displayName })) });
  }

  private requestsChanged(): void {
    this.pendingRequests = true;
  }

  // ---- screen share ---------------------------------------------------------------------------------------------

  /** May the participant share its screen under the meeting's share policy? */
  mayShare(p: Participant): boolean {
    return this.sharePolicy === 'everyone' || p.host;
  }

  /** Starts or stops the participant's screen share; a new sharer takes over (the viewers see it in their slots). */
  share(p: Participant, sharing: boolean): Delivery[] {
    if (sharing && !this.mayShare(p)) fail('operation.forbidden', 'sharing: in this meeting only hosts may share their screen');
    // Whoever shared in the participant's room (or main meeting) before is taken over; sharers elsewhere go on.
    const others = this.sharers.filter((id) => id !== p.clientId && (!sharing || (this.participants.get(id)?.room ?? '') !== p.room));
    this.sharers = sharing ? [...others, p.clientId] : others;
    return [];
  }

  /** Hosts choose who may share; a share that the new policy does not allow ends (everyone sees it in meeting.info). */
  setSharePolicy(policy: SharePolicy): Delivery[] {
    if (this.sharePolicy === policy) return [];
    this.sharePolicy = policy;
    this.sharers = this.sharers.filter((id) => {
      const owner = this.participants.get(id);
      return owner !== undefined && this.mayShare(owner);
    });
    return [toAll(this.info())];
  }

  // ---- lobby ---------------------------------------------------------------------------------------------------

  /** `p` waits in the lobby (hosts are told with the next roster batch). */
  wait(p: Participant): void {
    this.lobby.waiting.set(p.clientId, p);
    this.lobbyChanged();
  }

  /** Takes `clientId` out of the lobby (admitted, refused, or gone); the one taken out, if it was waiting. */
  unwait(clientId: string): Participant | undefined {
    const p = this.lobby.waiting.get(clientId);
    if (!p) return undefined;
    this.lobby.waiting.delete(clientId);
    this.lobbyChanged();
    return p;
  }

  /** The people waiting named (404 for someone not waiting), or all of them. */
  waiting(ids: readonly string[] | 'all'): Participant[] {
    if (ids === 'all') return [...this.lobby.waiting.values()];
    return [...new Set(ids)].map((id) => this.lobby.waiting.get(id) ?? fail('notFound', `participants: nobody ${JSON.stringify(id)} waits in the lobby of meeting ${this.meetingNumber}`));
  }

  /** Hosts switch the lobby; everyone sees it in meeting.info (turning it off lets the waiting in: see LiveService). */
  setLobbyMode(mode: LobbyMode): Delivery[] {
    if (this.lobby.mode === mode) return [];
    this.lobby.mode = mode;
    return [toAll(this.info())];
  }

  private lobbyNotice(): Delivery {
    return toHosts({ kind: 'lobby', waiting: this.lobby.view() });
  }

  private lobbyChanged(): void {
    this.pendingLobby = true;
  }

  // ---- reactions ------------------------------------------------------------------------------------------------

  /** A short-lived emoji on the participant's tile, for everyone in its room (or the main meeting); nothing is kept. */
  react(p: Participant, emoji: string, now: number): Delivery[] {
    const allowance = take(p.allowances?.reaction, REACTION_RATE, now);
    if (!allowance.ok) fail('rate.limited', `emoji: at most ${REACTION_RATE.perMinute} reactions a minute (${REACTION_RATE.burst} at once)`);
    p.allowances = { ...p.allowances, reaction: allowance.allowance };
    return [this.toRoom(p.room, { kind: 'reaction', clientId: p.clientId, emoji })];
  }

  // ---- chat -----------------------------------------------------------------------------------------------------

  /** The chat of the participant's room (the main meeting's in the main meeting). */
  chatOf(p: Pick<Participant, 'room'>): MeetingChat {
    return (p.room === '' ? undefined : this.breakouts.chatOf(p.room)) ?? this.chat;
  }

  /**
   * A message from `from` to everyone in its room (or the main meeting), or privately to the participant `to`, who must
   * be in the same room: each room is a meeting of its own.
   */
  sendChat(from: Participant, to: string | undefined, text: string, now: number): { message: ChatMessage; room: string; deliveries: Delivery[] } {
    const target = to === undefined ? undefined : this.require(to, 'to');
    if (target && target.room !== from.room) fail('state.invalid', `to: ${JSON.stringify(to)} is in another breakout room`);
    const message = this.chatOf(from).send(from, target, text, now);
    const notice: Notice = { kind: 'chat', message: viewOfMessage(message) };
    return { message, room: from.room, deliveries: [target ? toSome([from.clientId, target.clientId], notice) : this.toRoom(from.room, notice)] };
  }

  /** A host deletes a message for everyone who received it (see MeetingChat.remove); undefined when none is held. */
  deleteChat(id: string, host: Participant | undefined): { message: ChatMessage; deliveries: Delivery[] } | undefined {
    const scope = id.slice(0, Math.max(0, id.lastIndexOf(':')));
    const room = scope === 'main' ? '' : scope;
    const chat = room === '' ? this.chat : this.breakouts.chatOf(room);
    const message = chat?.remove(id, host);
    if (!message) return undefined;
    const notice: Notice = { kind: 'chatDeleted', id };
    return { message, deliveries: [message.to === '' ? this.toRoom(room, notice) : toSome([message.from, message.to], notice)] };
  }

  setGuestChat(mode: GuestChat): Delivery[] {
    if (this.chat.guestChat === mode) return [];
    this.chat.guestChat = mode;
    return [toAll(this.info())];
  }

  // ---- breakout rooms -------------------------------------------------------------------------------------------

  /** Everyone in the room ('' = the main meeting). */
  inRoom(room: string): Participant[] {
    return [...this.participants.values()].filter((p) => p.room === room);
  }

  /** A notice for the people in one room (or the main meeting); everyone when no breakout rooms are open. */
  private toRoom(room: string, notice: Notice): Delivery {
    return this.breakouts.active || room !== '' ? toSome(ids(this.inRoom(room)), notice) : toAll(notice);
  }

  /** The breakout state as `host` (or not) is told it; rendered per viewer with its own room. */
  private breakoutNotice(host: boolean): Notice {
    return { kind: 'breakout', view: this.breakouts.view(), ...(host ? { assignments: [...this.breakouts.assignments] } : {}) };
  }

  /** Everyone (or the hosts and `also`) is told the breakout state; hosts with the assignments. */
  private breakoutChanged(also?: readonly Participant[]): Delivery[] {
    const all = also ? [...new Set([...this.hosts(), ...also])] : [...this.participants.values()];
    const hosts = all.filter((p) => p.host);
    const others = all.filter((p) => !p.host);
    return [
      ...(hosts.length ? [toSome(ids(hosts), this.breakoutNotice(true))] : []),
      ...(others.length ? [toSome(ids(others), this.breakoutNotice(false))] : []),
    ];
  }

  /**
   * Moves participants to rooms ('' = back to the main meeting): their roster entries change, each is shown the chat
   * of the room it enters, and the media follow (the SFU forwards within rooms: see media/policy/forwarding.ts).
   */
  private move(moves: ReadonlyArray<[Participant, string]>): Delivery[] {
    const out: Delivery[] = [];
    for (const [p, room] of moves) {
      if (p.room === room) continue;
      p.room = room;
      this.markChanged(p.clientId);
      out.push(toSome([p.clientId], { kind: 'chatHistory', messages: this.chatOf(p).historyFor(p) }));
    }
    return out;
  }

  /** A host creates `names.length` rooms (replacing planned ones); `allowChoose` lets participants pick their own. */
  createBreakouts(names: readonly string[], allowChoose: boolean): Delivery[] {
    this.breakouts.create(names, allowChoose);
    return this.breakoutChanged();
  }

  /** A host removes planned rooms. */
  removeBreakouts(): Delivery[] {
    if (this.breakouts.state === 'none') return [];
    this.breakouts.remove();
    return this.breakoutChanged();
  }

  /**
   * Hosts assign participants to rooms ('' = the main meeting). While the rooms are open the assigned move at once.
   * Every participant and room is checked before anything changes.
   */
  assignBreakouts(pairs: ReadonlyArray<{ clientId: string; room: string }>, participantField = 'participant'): Delivery[] {
    this.breakouts.requireRooms();
    const checked = pairs.map(
      (a, i) => [this.require(a.clientId, `assignments[${i}].${participantField}`), this.breakouts.roomId(a.room, `assignments[${i}].room`)] as [Participant, string],
    );
    return this.applyAssignments(checked);
  }

  /** Hosts spread everyone but the hosts over the rooms at random, as evenly as possible. */
  shuffleBreakouts(random?: () => number): Delivery[] {
    this.breakouts.requireRooms();
    const people = [...this.participants.values()].filter((p) => !p.host);
    const plan = spread(ids(people), this.breakouts.rooms.map((r) => r.id), random);
    return this.applyAssignments(people.map((p) => [p, plan.get(p.clientId)!]));
  }

  /** A participant picks its room, when the host lets participants choose. */
  chooseBreakout(p: Participant, room: string): Delivery[] {
    this.breakouts.requireRooms();
    if (!this.breakouts.allowChoose && !p.host) fail('operation.forbidden', 'room: the host assigns the breakout rooms in this meeting');
    return this.applyAssignments([[p, this.breakouts.roomId(room, 'room')]]);
  }

  private applyAssignments(pairs: ReadonlyArray<[Participant, string]>): Delivery[] {
    for (const [p, room] of pairs) {
      if (room === '') this.breakouts.assignments.delete(p.clientId);
      else this.breakouts.assignments.set(p.clientId, room);
    }
    const moved = this.breakouts.active ? this.move(pairs) : [];
    // Only hosts see the plan; a participant who moved sees its new room.
    return [...moved, ...this.breakoutChanged(this.breakouts.active ? pairs.map(([p]) => p) : [])];
  }

  /** Opens the rooms: everyone assigned moves into its room; the rest (hosts, late joiners) stay in the main meeting. */
  openBreakouts(durationMs: number, now: number, graceMs?: number): Delivery[] {
    this.breakouts.open(durationMs, now, graceMs);
    const moves = [...this.participants.values()].flatMap((p): Array<[Participant, string]> => {
      const room = this.breakouts.assignments.get(p.clientId);
      return room ? [[p, room]] : [];
    });
    return [...this.move(moves), ...this.breakoutChanged()];
  }

  /** A host goes to a room (or back to the main meeting) while the rooms are open. */
  visitBreakout(host: Participant, room: string): Delivery[] {
    this.breakouts.requireActive();
    return [...this.move([[host, this.breakouts.roomId(room, 'room')]]), ...this.breakoutChanged([host])];
  }

  /** A host's message to everyone, in every room and the main meeting (rate limited like chat). */
  broadcastBreakout(from: Participant | undefined, fromName: string, text: string, now: number): Delivery[] {
    this.breakouts.requireActive();
    const clean = text.replace(/\r\n?/g, '\n').trim();
    if (clean === '') fail('input.invalid', 'text: must not be empty');
    if (clean.length > this.limits.chat.maxLength) fail('input.tooLong', `text: at most ${this.limits.chat.maxLength} characters`);
    const meetingWide = take(this.breakouts.broadcastAllowance, BROADCAST_RATE, now);
    if (!meetingWide.ok) fail('rate.limited', `text: at most ${BROADCAST_RATE.perMinute} broadcasts a minute (${BROADCAST_RATE.burst} at once); wait a moment`);
    const own = from ? take(from.allowances?.chat, this.limits.chat.rate, now) : undefined;
    if (own && !own.ok) fail('rate.limited', `text: at most ${this.limits.chat.rate.perMinute} messages a minute; wait a moment`);
    this.breakouts.broadcastAllowance = meetingWide.allowance;
    if (from && own) from.allowances = { ...from.allowances, chat: own.allowance };
    return [toAll({ kind: 'breakoutMessage', from: from?.clientId ?? '', fromName, text: clean, at: now })];
  }

  /** Closes the rooms after `graceMs` (everyone sees the countdown); 0 brings everyone back at once. */
  closeBreakouts(graceMs: number, now: number): Delivery[] {
    this.breakouts.close(graceMs, now);
    return graceMs === 0 ? this.breakoutsOver() : this.breakoutChanged();
  }

  /** The timer ran out (the grace period starts) or the grace period is over (everyone back); nothing before then. */
  breakoutDue(now: number): Delivery[] {
    const due = this.breakouts.deadline;
    if (due === null || now < due) return [];
    if (this.breakouts.state === 'open') {
      this.breakouts.close(this.breakouts.timerGraceMs, now);
      return this.breakouts.timerGraceMs === 0 ? this.breakoutsOver() : this.breakoutChanged();
    }
    return this.breakoutsOver();
  }

  private breakoutsOver(): Delivery[] {
    this.breakouts.closed();
    const back = this.move([...this.participants.values()].filter((p) => p.room !== '').map((p) => [p, ''] as [Participant, string]));
    return [...back, ...this.breakoutChanged()];
  }

  // ---- guessing -------------------------------------------------------------------------------------------------

  /**
   * The meeting's passcode budget is spent until `until`: the hosts are told once (and hosts who join meanwhile, in
   * their welcome). Nothing when it was known already.
   */
  lockOut(until: number): Delivery[] {
    const known = this.lockoutUntil !== null && this.lockoutUntil >= until - 1000;
    this.lockoutUntil = Math.max(this.lockoutUntil ?? 0, until);
    return known ? [] : [toHosts({ kind: 'passcodeLockout', until: this.lockoutUntil })];
  }

  /** Forgets a lockout whose window is over (called from the periodic sweep). */
  lockoutOver(now: number): void {
    if (this.lockoutUntil !== null && now >= this.lockoutUntil) this.lockoutUntil = null;
  }

  // ---- names, layout, overlay, lock -----------------------------------------------------------------------------

  rename(p: Participant, displayName: string): Delivery[] {
    p.displayName = displayName;
    this.markChanged(p.clientId);
    if (p.handRaised) this.requestsChanged();
    return [toSome([p.clientId], this.info())];
  }

  setLecturer(clientId: string | null): Delivery[] {
    if (this.lecturer === clientId) return [];
    this.lecturer = clientId;
    return [toAll(this.layout())];
  }

  /** The meeting pin; viewers with their own pin keep seeing theirs, so only the others are told. */
  setMeetingPin(clientId: string | null): Delivery[] {
    if (this.meetingPin === clientId) return [];
    this.meetingPin = clientId;
    const affected = [...this.participants.values()].filter((v) => v.pin === null);
    return affected.length ? [toSome(ids(affected), this.pin())] : [];
  }

  setViewerPin(viewer: Participant, pinned: string | null): Delivery[] {
    if (viewer.pin === pinned) return [];
    viewer.pin = pinned;
    return [toSome([viewer.clientId], this.pin())];
  }

  setViewerLayout(viewer: Participant, maxViews: 1 | 9, layout: string): Delivery[] {
    viewer.maxViews = maxViews;
    viewer.layout = layout;
    return [toSome([viewer.clientId], this.layout())];
  }

  setOverlay(overlay: OverlaySetting): Delivery[] {
    this.overlay = overlay;
    return [toAll({ kind: 'overlay', overlay })];
  }

  setLocked(locked: boolean): Delivery[] {
    if (this.locked === locked) return [];
    this.locked = locked;
    return [toAll(this.info())];
  }

  /** The meeting (or room) was edited while live: new name, owner, times, links, watermark reach everyone. */
  reschedule(fresh: ScheduledMeeting): Delivery[] {
    const endChanged = fresh.end !== this.settings.end;
    this.settings = fresh;
    if (endChanged) this.endTime = fresh.end;
    return [toAll(this.info()), toAll(this.session())];
  }

  /** The session state as participants see it: recording and streaming (with the stream's address and passcode). */
  session(): Notice {
    const stream = this.streaming;
    return {
      kind: 'session',
      watermark: this.settings.watermark,
      watermarkType: this.settings.watermarkType,
      recording: this.recording !== null,
      streaming: stream ? { url: stream.url, passcode: stream.passcode } : null,
    };
  }

  /** A recording starts (or, null, ends): everyone is told. */
  setRecording(recording: MeetingRecorder | null): Delivery[] {
    this.recording = recording;
    return [toAll(this.session())];
  }

  /** A live stream starts (or, null, ends): everyone is told, with its address and passcode. */
  setStreaming(stream: MeetingStream | null): Delivery[] {
    this.streaming = stream;
    return [toAll(this.session())];
  }

  setEndTime(end: number): Delivery[] {
    this.endTime = end;
    return [toAll(this.info())];
  }

  // ---- roster batching ------------------------------------------------------------------------------------------

  private markChanged(clientId: string): void {
    if (this.pendingRoster.get(clientId) !== 'left') this.pendingRoster.set(clientId, 'changed');
  }

  get rosterPending(): boolean {
    return this.pendingRoster.size > 0 || this.pendingAllAudio !== undefined || this.pendingRequests || this.pendingLobby || this.sentCount !== this.count;
  }

  /**
   * The roster delta, participant count and (to hosts) open unmute requests accumulated since the last flush
   * (nothing when nothing changed).
   */
  flushRoster(): Delivery[] {
    const out: Delivery[] = [];
    if (this.pendingRoster.size > 0 || this.pendingAllAudio) {
      const changed: Participant[] = [];
      const left: string[] = [];
      for (const [id, what] of this.pendingRoster) {
        const p = this.participants.get(id);
        if (what === 'left' || !p) left.push(id);
        else changed.push(p);
      }
      const allAudio = this.pendingAllAudio;
      out.push(toAll({ kind: 'roster', full: false, participants: changed.map(viewOf), left, ...(allAudio ? { allAudio } : {}) }));
      this.pendingRoster.clear();
      this.pendingAllAudio = undefined;
    }
    if (this.sentCount !== this.count) {
      this.sentCount = this.count;
      out.push(toAll({ kind: 'count', count: this.count }));
    }
    if (this.pendingRequests) {
      this.pendingRequests = false;
      out.push(this.unmuteRequests());
    }
    if (this.pendingLobby) {
      this.pendingLobby = false;
      out.push(this.lobbyNotice());
    }
    return out;
  }
}

const ids = (ps: readonly Participant[]): string[] => ps.map((p) => p.clientId);

/** Whom a viewer sees pinned, given the meeting's pin: its own pin, else the meeting pin. */
export function pinSeen(viewer: Pick<Participant, 'pin'>, meetingPin: string | null): { clientId: string; scope: 'meeting' | 'participant' | 'none' } {
  if (viewer.pin) return { clientId: viewer.pin, scope: 'participant' };
  if (meetingPin) return { clientId: meetingPin, scope: 'meeting' };
  return { clientId: '', scope: 'none' };
}

/**
 * Participant client for the signalling protocol of contract/signal/protocol.ts (docs/protocol.md): one WebSocket
 * carrying JSON text frames. No Node-only import: pass the `ws` package's WebSocket in Node 20 (which has no global
 * WebSocket without --experimental-websocket), the browser's own WebSocket elsewhere.
 *
 * Event inbox — how `events`, `waitFor()` and `mark()` relate:
 * - Every event received (on any connection of this client, including join/resume answers, acks and pongs) is appended
 *   to `events`, in arrival order, and never removed; `count(type)` counts them.
 * - An event is *consumed* when it has been handed to exactly one awaiting caller: `waitFor()`, or `join()`/`resume()`
 *   (the connected `meeting.status`, `join.failed`, `passcode.requested`), or `send()` (the `ack`/`pong`/`error` with
 *   its id). A consumed event is never returned by `waitFor()` again.
 * - `waitFor(type, predicate?)` returns the earliest event at or after the cursor that matches and is not consumed —
 *   possibly one that arrived before the call — and otherwise the first matching one to arrive, within `timeoutMs`.
 * - The cursor starts at 0 and moves only with `mark()`, which sets it to the end of `events`: "from now on, only
 *   events received after this point". Waiting for something an action causes: `mark()`, act, `waitFor()`.
 * - Several pending `waitFor()`s: a new event goes to the earliest registered one it matches (internal consumers
 *   — join/resume/send — come first). `on()` handlers see every event, consumed or not.
 */
import {
  type ChatMessage,
  CLOSE_CODES,
  type ClientCommand,
  type EventOf,
  type EventType,
  type IceServer,
  PROTOCOL_VERSION,
  type Reaction,
  type RosterEntry,
  type ServerEvent,
} from '../contract/signal/protocol.ts';
import { REASON_CODES, type Reason } from '../contract/signal/reasons.ts';
import { applyRoster } from './roster.ts';

/**
 * The part of the WebSocket API used here; the browser's WebSocket and the `ws` package's both fit. The handler
 * parameters are `any` so that both libraries' event classes are accepted.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drops the connection without a closing handshake. */
  terminate?(): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}

export type WebSocketConstructorLike = new (url: string, protocols?: string | string[], options?: any) => WebSocketLike;

export interface SignalClientOptions {
  /** `wss://host:port` + SIGNAL_PATH. */
  url: string;
  /** Defaults to globalThis.WebSocket. */
  WebSocket?: WebSocketConstructorLike;
  /** Passed as the third constructor argument when given, e.g. `{ rejectUnauthorized: false }` for `ws`. */
  webSocketOptions?: unknown;
  /**
   * Most events kept in `events` (the oldest are dropped, and `count()` forgets them); default: all. A long-running
   * client (the browser app) sets it, since speaker and slot events keep coming for as long as the meeting runs.
   */
  inboxLimit?: number;
}

export interface JoinParams {
  meeting_number: string;
  client_id: string;
  display_name: string;
  /** user_token: join as that user; absent = guest. */
  token?: string;
  passcode?: string;
  /** Key of the meeting link: joins without a passcode (the link is the invitation). */
  link_key?: string;
  audio_mute?: boolean;
  video_mute?: boolean;
}

export interface JoinOptions {
  /**
   * Called on `passcode.requested`; the returned passcode is sent. Returning undefined gives up: the socket is closed
   * and join() rejects with JoinError PasscodeFailed (as it does when there is no handler).
   */
  onPasscode?: (attemptsLeft: number, rejected: boolean) => Promise<string | undefined> | string | undefined;
  /**
   * How long to wait for the server's answer to join, resume or a passcode; default 15000 ms. The time the participant
   * takes at a passcode prompt does not count (the server ends a prompt left unanswered with PasscodeTimeout).
   */
  timeoutMs?: number;
  /**
   * Called on `lobby.waiting`: the participant waits in the meeting's lobby. join() stays pending, without a time limit,
   * until a host admits it (it resolves with the connected status) or refuses it (JoinError ServerReject); leave() gives up.
   */
  onLobby?: (event: EventOf<'lobby.waiting'>) => void;
}

export type StatusEvent = EventOf<'meeting.status'>;
export interface CloseInfo {
  code: number;
  reason: string;
}

/** Admission failed: the server's `join.failed` (local = false), or the client gave up (local = true). */
export class JoinError extends Error {
  override readonly name = 'JoinError';

  constructor(
    readonly reason: Reason,
    readonly reason_code: number,
    message: string,
    /** true when no join.failed came from the server: connection closed or timed out first, no passcode given. */
    readonly local = false,
    /** The WebSocket close code, when the connection closed before an answer. */
    readonly closeCode?: number,
  ) {
    super(message);
  }
}

/** A command answered with an `error` event. */
export class SignalError extends Error {
  override readonly name = 'SignalError';

  constructor(
    readonly errorCode: string,
    readonly error: string,
    readonly id?: string | number,
  ) {
    super(`${errorCode}: ${error}`);
  }
}

/** A command was pending when its connection closed (or it was sent with no open connection). */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';

  constructor(
    message: string,
    readonly closeCode?: number,
  ) {
    super(message);
  }
}

/** A command without its `id` (the client numbers commands itself). */
export type Command = ClientCommand extends infer C ? (C extends ClientCommand ? Omit<C, 'id'> : never) : never;
export type Answer<C extends Command> = C['type'] extends 'ping'
  ? EventOf<'pong'>
  : C['type'] extends 'media.publish'
    ? EventOf<'media.answer'>
    : C['type'] extends 'media.subscribe'
      ? EventOf<'media.offer'>
      : C['type'] extends 'media.ice'
        ? EventOf<'media.ice_servers'>
        : EventOf<'ack'>;

/** Every event type of protocol v1; a Record so that a new type in the contract fails to compile until it is added. */
const KNOWN_EVENTS: Record<EventType, true> = {
  'meeting.info': true,
  'meeting.status': true,
  'join.failed': true,
  'passcode.requested': true,
  'passcode.lockout': true,
  'participant.count': true,
  roster: true,
  'mute.lock': true,
  'unmute.requested': true,
  'unmute.allowed': true,
  'layout.setting': true,
  'pin.changed': true,
  overlay: true,
  'session.status': true,
  'recording.stopped': true,
  ack: true,
  pong: true,
  error: true,
  'media.answer': true,
  'media.offer': true,
  'media.ice_servers': true,
  'media.slots': true,
  'media.speaker': true,
  'media.restart': true,
  'chat.message': true,
  'chat.history': true,
  'chat.deleted': true,
  reaction: true,
  'lobby.waiting': true,
  lobby: true,
};

/** Most chat messages `chat` keeps (the oldest are dropped). */
const CHAT_KEPT = 1000;

const OPEN = 1;

interface Pending {
  resolve(event: ServerEvent): void;
  reject(error: Error): void;
}

interface Admission {
  options: JoinOptions;
  resolve(event: StatusEvent): void;
  reject(error: Error): void;
  /** Stops the answer timer while the participant is at a passcode prompt; restarts it when the passcode is sent. */
  pause(): void;
  resume(): void;
  /** The last `error` event without id (a protocol failure, just before the server closes). */
  lastError?: string;
}

interface Waiter {
  type: EventType;
  predicate: ((e: ServerEvent) => boolean) | undefined;
  resolve(event: ServerEvent): void;
}

type Handler<T extends EventType> = (event: EventOf<T>) => void;

export class SignalClient {
  readonly url: string;
  private readonly WebSocketImpl: WebSocketConstructorLike;
  private readonly webSocketOptions: unknown;

  private socket: WebSocketLike | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private admission: Admission | undefined;
  /** Ids of join/resume/passcode commands: their ack (sent after the connected status) is consumed here. */
  private readonly admissionIds = new Set<number>();
  private readonly inbox: ServerEvent[] = [];
  private readonly inboxLimit: number | undefined;
  private readonly consumed = new WeakSet<ServerEvent>();
  private cursor = 0;
  private readonly waiters: Waiter[] = [];
  private readonly handlers = new Map<EventType, Set<(event: ServerEvent) => void>>();
  private currentRoster: Map<string, RosterEntry> = new Map();
  private token: string | undefined;

  /** This participant as last reported (connected status, then its roster entries). */
  self: RosterEntry | undefined;
  /** Last `mute.lock` received. */
  muteLock: EventOf<'mute.lock'> | undefined;
  /** Last `meeting.info` received. */
  info: EventOf<'meeting.info'> | undefined;
  /** Last `meeting.status` received (connected or disconnected). */
  lastStatus: StatusEvent | undefined;
  /** Last `participant.count` received. */
  participantCount: number | undefined;
  /**
   * The chat as this participant sees it, oldest first: the history on joining (or entering a breakout room), then
   * every message, without the deleted ones; at most the last 1000.
   */
  chat: ChatMessage[] = [];
  /** Resolves when the current (latest) connection closes; replaced by each join()/resume(). */
  closed: Promise<CloseInfo> = Promise.resolve({ code: 0, reason: 'never connected' });
  /** Close code of the latest connection once it closed; undefined while open or before the first. */
  closeCode: number | undefined;
  /** True after close() dropped the current connection on purpose (reset by the next join()/resume()). */
  terminated = false;

  constructor(options: SignalClientOptions) {
    this.url = options.url;
    const impl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
    if (!impl) throw new Error('SignalClient: no WebSocket implementation; pass options.WebSocket (e.g. the ws package in Node 20)');
    this.WebSocketImpl = impl;
    this.webSocketOptions = options.webSocketOptions;
    this.inboxLimit = options.inboxLimit;
  }

  /** Every event received, in order (see the top of this file). */
  get events(): readonly ServerEvent[] {
    return this.inbox;
  }

  /** uuid → entry, maintained from `roster` events with applyRoster(). */
  get roster(): ReadonlyMap<string, RosterEntry> {
    return this.currentRoster;
  }

  /** resume_token from the last connected status. */
  get resumeToken(): string | undefined {
    return this.token;
  }

  /** A connection is open and admitted to the meeting. */
  get connected(): boolean {
    return this.socket?.readyState === OPEN && this.admission === undefined && this.lastStatus?.status === 'connected';
  }

  // ---- admission ------------------------------------------------------------------------------------------------

  /** Opens a connection and joins; resolves with the connected `meeting.status` (resume_token, self). */
  async join(params: JoinParams, options: JoinOptions = {}): Promise<StatusEvent> {
    await this.open();
    return this.admit({ type: 'join', v: PROTOCOL_VERSION, ...params }, options);
  }

  /** Opens a new connection and resumes the place of the last one; resolves with the connected status (resumed). */
  async resume(options: Pick<JoinOptions, 'timeoutMs'> = {}): Promise<StatusEvent> {
    const token = this.token;
    if (!token) throw new Error('resume: no resume_token yet (join first)');
    await this.open();
    return this.admit({ type: 'resume', v: PROTOCOL_VERSION, resume_token: token }, options);
  }

  private open(): Promise<void> {
    if (this.socket) throw new Error('SignalClient: a connection is still open; leave() or close() first');
    const socket =
      this.webSocketOptions === undefined ? new this.WebSocketImpl(this.url) : new this.WebSocketImpl(this.url, undefined, this.webSocketOptions);
    this.socket = socket;
    this.terminated = false;
    this.closeCode = undefined;
    let closedResolve!: (info: CloseInfo) => void;
    this.closed = new Promise<CloseInfo>((resolve) => (closedResolve = resolve));
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      socket.onopen = () => {
        opened = true;
        resolve();
      };
      socket.onmessage = (event: { data?: unknown }) => this.onFrame(event.data);
      socket.onerror = () => {
        // A close event follows; before open it is the only news of a failed connect.
      };
      socket.onclose = (event: { code?: number; reason?: string }) => {
        const info = { code: event.code ?? 1006, reason: event.reason ?? '' };
        if (this.socket === socket) this.onClosed(info);
        closedResolve(info);
        if (!opened) reject(new ConnectionClosedError(`connect to ${this.url} failed (close code ${info.code}${info.reason ? `: ${info.reason}` : ''})`, info.code));
      };
    });
  }

  private admit(command: Command, options: JoinOptions): Promise<StatusEvent> {
    return new Promise<StatusEvent>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 15_000;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const start = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.failAdmission(new JoinError('MeetingInterrupt', REASON_CODES.MeetingInterrupt, `no answer to ${command.type} within ${timeoutMs} ms`, true));
        }, timeoutMs);
      };
      start();
      const done = () => {
        clearTimeout(timer);
        this.admission = undefined;
      };
      this.admission = {
        options,
        pause: () => clearTimeout(timer),
        resume: start,
        resolve: (e) => {
          done();
          resolve(e);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      this.sendAdmission(command);
    });
  }

  private sendAdmission(command: Command): void {
    const id = this.nextId++;
    this.admissionIds.add(id);
    this.socket?.send(JSON.stringify({ ...command, id }));
  }

  /** Rejects the pending admission and drops the connection (the server would otherwise keep waiting). */
  private failAdmission(error: Error): void {
    const admission = this.admission;
    if (!admission) return;
    admission.reject(error);
    this.socket?.close(1000, 'client gave up joining');
  }

  private async onPasscodeRequested(admission: Admission, event: EventOf<'passcode.requested'>): Promise<void> {
    const ask = admission.options.onPasscode;
    if (!ask) {
      this.failAdmission(new JoinError('PasscodeFailed', REASON_CODES.PasscodeFailed, 'the meeting asks for a passcode and no onPasscode was given', true));
      return;
    }
    let passcode: string | undefined;
    admission.pause();
    try {
      passcode = await ask(event.attempts_left, event.rejected);
    } catch (e) {
      this.failAdmission(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    if (this.admission !== admission) return; // closed or timed out meanwhile
    if (passcode === undefined) {
      this.failAdmission(new JoinError('PasscodeFailed', REASON_CODES.PasscodeFailed, 'onPasscode gave no passcode', true));
      return;
    }
    admission.resume();
    this.sendAdmission({ type: 'passcode', passcode });
  }

  // ---- commands -------------------------------------------------------------------------------------------------

  /** Sends a command with the next numeric id; resolves with its `ack` (`pong` for ping), rejects on its `error`. */
  send<C extends Command>(command: C): Promise<Answer<C>> {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) return Promise.reject(new ConnectionClosedError(`${command.type}: not connected`, this.closeCode));
    const id = this.nextId++;
    return new Promise<Answer<C>>((resolve, reject) => {
      this.pending.set(id, { resolve: (e) => resolve(e as Answer<C>), reject });
      socket.send(JSON.stringify({ ...command, id }));
    });
  }

  /** Sends any text as one frame, unchecked (for testing how the server treats malformed input). */
  sendRaw(text: string): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) throw new ConnectionClosedError('sendRaw: not connected', this.closeCode);
    socket.send(text);
  }

  /** Sends the publisher connection's offer; resolves with the SFU's answer. */
  async publish(sdp: string): Promise<string> {
    return (await this.send({ type: 'media.publish', sdp })).sdp;
  }

  /** Asks for the subscriber connection: the SFU's offer and which mid carries which slot. */
  subscribe() {
    return this.send({ type: 'media.subscribe' });
  }

  /**
   * The ICE servers for a new peer connection (`new RTCPeerConnection({ iceServers })`): the server's TURN relay with a
   * credential made now, or [] without one. Ask before creating each connection: the credentials expire.
   */
  async iceServers(): Promise<IceServer[]> {
    return (await this.send({ type: 'media.ice' })).ice_servers;
  }

  /** The answer to the subscribe offer. */
  accept(sdp: string) {
    return this.send({ type: 'media.accept', sdp });
  }

  share(sharing: boolean) {
    return this.send({ type: 'share', sharing });
  }

  /** true = off: `{audio: true}` mutes the microphone. */
  mute(change: { audio?: boolean; video?: boolean }) {
    return this.send({ type: 'mute', ...change });
  }

  raiseHand() {
    return this.send({ type: 'hand', raised: true });
  }

  lowerHand() {
    return this.send({ type: 'hand', raised: false });
  }

  rename(displayName: string) {
    return this.send({ type: 'rename', display_name: displayName });
  }

  ping() {
    return this.send({ type: 'ping' });
  }

  /** A chat message to everyone, or privately to the participant `to` (its uuid). */
  sendChat(text: string, to?: string) {
    return this.send({ type: 'chat.send', text, ...(to !== undefined ? { to } : {}) });
  }

  /** A short-lived reaction on one's tile, for everyone (one of REACTIONS). */
  react(emoji: Reaction) {
    return this.send({ type: 'react', emoji });
  }

  /** Hosts: deletes a message for everyone. */
  deleteChat(messageId: string) {
    return this.send({ type: 'chat.delete', message_id: messageId });
  }

  /** Leaves the meeting and waits for the server to close the connection. */
  async leave(): Promise<CloseInfo> {
    const closed = this.closed;
    await this.send({ type: 'leave' }).catch((e: unknown) => {
      if (!(e instanceof ConnectionClosedError)) throw e;
    });
    return closed;
  }

  /**
   * Drops the connection without leaving, as a network failure would (`ws`: terminate, no closing handshake; browser:
   * an ordinary close, the only kind it has). The server keeps the place for a while: resume() takes it back.
   */
  close(): Promise<CloseInfo> {
    const socket = this.socket;
    const closed = this.closed;
    if (!socket) return closed;
    this.terminated = true;
    if (socket.terminate) socket.terminate();
    else socket.close(1000, 'client closed');
    return closed;
  }

  // ---- events ---------------------------------------------------------------------------------------------------

  /** Calls `handler` for every event of `type` (consumed or not); returns a function that removes it. */
  on<T extends EventType>(type: T, handler: Handler<T>): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler as (event: ServerEvent) => void);
    return () => this.off(type, handler);
  }

  off<T extends EventType>(type: T, handler: Handler<T>): void {
    this.handlers.get(type)?.delete(handler as (event: ServerEvent) => void);
  }

  /** From now on waitFor() considers only events received after this call. */
  mark(): void {
    this.cursor = this.inbox.length;
  }

  /**
   * The earliest unconsumed event of `type` (matching `predicate`) received since the last mark(), waiting for one
   * when there is none yet; rejects after `timeoutMs`. The event returned is consumed. See the top of this file.
   */
  waitFor<T extends EventType>(type: T, predicate?: (event: EventOf<T>) => boolean, timeoutMs = 5000): Promise<EventOf<T>> {
    const test = predicate as ((e: ServerEvent) => boolean) | undefined;
    for (let i = this.cursor; i < this.inbox.length; i++) {
      const e = this.inbox[i]!;
      if (e.type === type && !this.consumed.has(e) && (!test || test(e))) {
        this.consumed.add(e);
        return Promise.resolve(e as EventOf<T>);
      }
    }
    return new Promise<EventOf<T>>((resolve, reject) => {
      const waiter: Waiter = {
        type,
        predicate: test,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e as EventOf<T>);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        const seen = this.inbox.slice(this.cursor).map((e) => e.type);
        reject(new Error(`waitFor('${type}'): no matching event within ${timeoutMs} ms; received since mark: [${seen.join(', ')}]`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** How many events of `type` were received in all (consumed or not, mark() notwithstanding). */
  count(type: EventType): number {
    let n = 0;
    for (const e of this.inbox) if (e.type === type) n++;
    return n;
  }

  // ---- incoming -------------------------------------------------------------------------------------------------

  private trim(): void {
    const limit = this.inboxLimit;
    if (limit === undefined || this.inbox.length <= limit) return;
    // Drop in chunks, so a full inbox does not cost a copy per event.
    const drop = this.inbox.length - limit + Math.ceil(limit / 4);
    this.inbox.splice(0, drop);
    this.cursor = Math.max(0, this.cursor - drop);
  }

  private onFrame(data: unknown): void {
    let text: string;
    if (typeof data === 'string') text = data;
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) text = new TextDecoder().decode(data as ArrayBuffer);
    else return;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return;
    }
    const type = (raw as { type?: unknown } | null)?.type;
    if (typeof raw !== 'object' || raw === null || typeof type !== 'string' || !Object.hasOwn(KNOWN_EVENTS, type)) return; // a later version's event
    const event = raw as ServerEvent;
    this.inbox.push(event);
    this.trim();
    this.track(event);
    if (!this.answer(event)) {
      const i = this.waiters.findIndex((w) => w.type === event.type && (!w.predicate || w.predicate(event)));
      if (i >= 0) {
        this.consumed.add(event);
        this.waiters.splice(i, 1)[0]!.resolve(event);
      }
    }
    for (const handler of [...(this.handlers.get(event.type) ?? [])]) {
      try {
        handler(event);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  /** Keeps the state fields up to date. */
  private track(event: ServerEvent): void {
    switch (event.type) {
      case 'meeting.status':
        this.lastStatus = event;
        if (event.status === 'connected') {
          if (event.self) this.self = event.self;
          if (event.resume_token) this.token = event.resume_token;
        }
        break;
      case 'meeting.info':
        this.info = event;
        break;
      case 'roster':
        this.currentRoster = applyRoster(this.currentRoster, event);
        if (this.self) this.self = this.currentRoster.get(this.self.uuid) ?? this.self;
        break;
      case 'mute.lock':
        this.muteLock = event;
        break;
      case 'participant.count':
        this.participantCount = event.count;
        break;
      case 'chat.history':
        this.chat = event.messages.slice(-CHAT_KEPT);
        break;
      case 'chat.message':
        this.chat.push(event.message);
        if (this.chat.length > CHAT_KEPT) this.chat.splice(0, this.chat.length - CHAT_KEPT);
        break;
      case 'chat.deleted':
        this.chat = this.chat.filter((m) => m.id !== event.message_id);
        break;
    }
  }

  /** Hands the event to a pending join/resume or command; true when it was consumed that way. */
  private answer(event: ServerEvent): boolean {
    const admission = this.admission;
    if (admission) {
      switch (event.type) {
        case 'meeting.status':
          this.consumed.add(event);
          if (event.status === 'connected') admission.resolve(event);
          else admission.reject(new JoinError(event.reason, event.reason_code, event.message));
          return true;
        case 'join.failed':
          this.consumed.add(event);
          admission.reject(new JoinError(event.reason, event.reason_code, event.message));
          return true;
        case 'passcode.requested':
          this.consumed.add(event);
          void this.onPasscodeRequested(admission, event);
          return true;
        case 'lobby.waiting':
          admission.pause();
          admission.options.onLobby?.(event);
          return false;
        case 'error':
          if (event.id === undefined) admission.lastError = event.error;
          else if (typeof event.id === 'number' && this.admissionIds.delete(event.id)) {
            this.consumed.add(event);
            this.failAdmission(new SignalError(event.errorCode, event.error, event.id));
            return true;
          }
          break;
      }
    }
    if (event.type === 'ack' && typeof event.id === 'number' && this.admissionIds.delete(event.id)) {
      this.consumed.add(event);
      return true;
    }
    const reply = event.type === 'ack' || event.type === 'pong' || event.type === 'error' || event.type === 'media.answer' || event.type === 'media.offer' || event.type === 'media.ice_servers';
    if (reply && typeof event.id === 'number') {
      const pending = this.pending.get(event.id);
      if (!pending) return false;
      this.pending.delete(event.id);
      this.consumed.add(event);
      if (event.type === 'error') pending.reject(new SignalError(event.errorCode, event.error, event.id));
      else pending.resolve(event);
      return true;
    }
    return false;
  }

  private onClosed(info: CloseInfo): void {
    this.socket = undefined;
    this.closeCode = info.code;
    const why = `connection closed (code ${info.code}${info.reason ? `: ${info.reason}` : ''})`;
    const admission = this.admission;
    if (admission) {
      const detail = admission.lastError ? `; server said: ${admission.lastError}` : '';
      const reason: Reason = 'MeetingInterrupt';
      admission.reject(new JoinError(reason, REASON_CODES[reason], `${why} before the meeting answered${detail}`, true, info.code));
    }
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(new ConnectionClosedError(`${why} before the answer to command ${id}`, info.code));
    }
  }
}

export { CLOSE_CODES };

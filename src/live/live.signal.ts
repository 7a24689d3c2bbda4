import type {} from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { errorCatalog } from '../../contract/errors.ts';
import { CLOSE_CODES, COMMAND_SCHEMAS, type ClientCommand, PROTOCOL_VERSION, type ServerEvent, SIGNAL_PATH } from '../../contract/signal/protocol.ts';
import type { Reason } from '../../contract/signal/reasons.ts';
import { DomainError, fail } from '../kernel/domain-error.ts';
import { compileValidator } from '../kernel/validate.ts';
import type { LinkBase } from '../scheduling/links.ts';
import type { LiveMedia } from './live-media.ts';
import type { LiveMeeting } from './live-meeting.ts';
import { type Fanout, type JoinRequest, type LiveService, meetingOfResumeToken } from './live.service.ts';
import type { Notice } from './notices.ts';
import type { Participant } from './participant.ts';
import { connectedStatus, disconnectedStatus, isPerViewer, joinFailed, renderNotice } from './signal-events.ts';
import { PromptSlots, TokenBucket } from './signal-limits.ts';

export interface SignalOptions {
  heartbeatMs: number;
  /** How long a connection may stay silent before its first command, and how long a passcode prompt waits. */
  joinTimeoutMs: number;
  passcodeTimeoutMs: number;
  /** Sockets of one address (IPv6: /64) that may wait at a passcode prompt at once. */
  passcodePromptsPerAddress: number;
  /** Frames a socket may send: `burst` at once, `perSecond` on average; faster closes it (CLOSE_CODES.tooFast). */
  frames: { perSecond: number; burst: number };
  /** The media coordinator; absent = media commands answer 503 (the server runs without media workers). */
  media?: LiveMedia;
  /** Cluster mode: finds the meeting's node and relays connections there; absent = every meeting is here. */
  router?: SignalRouter;
}

/** A socket whose unsent data grows past this is too slow to follow the meeting; it is dropped (and may resume). */
const MAX_BUFFERED = 8 * 1024 * 1024;

/** Command type → validator. A Map, not an object: a frame's `type` ("__proto__", "toString") must not reach Object.prototype. */
const validators = new Map(Object.entries(COMMAND_SCHEMAS).map(([type, schema]) => [type, compileValidator<ClientCommand>(schema, type)]));

/** The frame's `id` when it is one the protocol allows (a string of at most 64 characters or an integer), to echo it. */
const requestId = (raw: unknown): ClientCommand['id'] => {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return (typeof id === 'string' && id.length <= 64) || Number.isSafeInteger(id) ? (id as string | number) : undefined;
};

/** The WebSocket of a participant and the TLS/TCP socket under it (corked while a round of frames is written). */
interface Line {
  ws: WebSocket;
  raw: Duplex;
}

/** Sockets of the participants; the live domain addresses participants, this turns them into frames. */
export class SocketFanout implements Fanout {
  private readonly lines = new WeakMap<Participant, Line>();
  /** What each connection waiting in a lobby does once admitted. */
  private readonly doors = new WeakMap<Participant, () => void>();
  private readonly corked = new Set<Duplex>();

  constructor(private readonly links: LinkBase) {}

  /** Connects the participant to a socket; returns the socket it replaces, if any. */
  attach(participant: Participant, ws: WebSocket, raw: Duplex): WebSocket | undefined {
    const previous = this.lines.get(participant)?.ws;
    this.lines.set(participant, { ws, raw });
    return previous === ws ? undefined : previous;
  }

  /** The connection waits in the lobby: `enter` runs when a host admits it. */
  waitAt(participant: Participant, enter: () => void): void {
    this.doors.set(participant, enter);
  }

  admitted(_meeting: LiveMeeting, participant: Participant): void {
    const enter = this.doors.get(participant);
    this.doors.delete(participant);
    enter?.();
  }

  detach(participant: Participant, ws: WebSocket): boolean {
    if (this.lines.get(participant)?.ws !== ws) return false;
    this.lines.delete(participant);
    return true;
  }

  deliver(meeting: LiveMeeting, recipients: readonly Participant[], notice: Notice): void {
    if (isPerViewer(notice)) {
      for (const p of recipients) this.sendText(p, JSON.stringify(renderNotice(notice, p, this.links)));
      return;
    }
    // Same event for everyone: serialised once however many receive it.
    const text = JSON.stringify(renderNotice(notice, recipients[0]!, this.links));
    for (const p of recipients) this.sendText(p, text);
  }

  disconnect(_meeting: LiveMeeting, participant: Participant, reason: Reason, message: string): void {
    const line = this.lines.get(participant);
    if (!line) return;
    this.lines.delete(participant);
    send(line.ws, disconnectedStatus(reason, message));
    line.ws.close(CLOSE_CODES.done, reason);
  }

  private sendText(p: Participant, text: string): void {
    const line = this.lines.get(p);
    if (!line || line.ws.readyState !== 1) return;
    if (line.ws.bufferedAmount > MAX_BUFFERED) {
      line.ws.terminate();
      return;
    }
    // Frames sent to one socket in the same tick leave in one write (one TLS record), not one write each.
    if (!this.corked.has(line.raw)) {
      if (this.corked.size === 0) queueMicrotask(() => this.uncorkAll());
      line.raw.cork();
      this.corked.add(line.raw);
    }
    line.ws.send(text);
  }

  private uncorkAll(): void {
    for (const raw of this.corked) raw.uncork();
    this.corked.clear();
  }
}

/** Closes a connection refused before its first frame (a malformed address, an unverified relay). */
const protocolClose = (socket: WebSocket, message: string): void => {
  send(socket, errorEvent(undefined, new DomainError('input.invalid', message)));
  socket.close(CLOSE_CODES.protocol, 'protocol error');
};

const send = (socket: WebSocket, event: ServerEvent): void => {
  if (socket.readyState === 1) socket.send(JSON.stringify(event));
};

const errorEvent = (id: ClientCommand['id'], e: DomainError): ServerEvent => ({
  type: 'error',
  ...(id !== undefined ? { id } : {}),
  errorCode: errorCatalog[e.kind].code,
  error: e.message,
});

/**
 * How a connection reaches the node that holds its meeting when several nodes serve one cluster (src/cluster); absent on
 * a single node, where every meeting is here.
 */
export interface SignalRouter {
  /** undefined = serve the meeting here; otherwise relays the connection, with the frames received so far, to its node. */
  route(meetingNumber: string): Promise<SignalRelay | undefined>;
  /**
   * For a connection another node relays here: the participant's own address. undefined when the request is not a
   * relay; throws when it claims to be one and does not verify.
   */
  relayedAddress(headers: FastifyRequest['headers'], meetingNumber: string): string | undefined;
}

export type SignalRelay = (socket: WebSocket, frames: string[], address: string) => Promise<void>;

const PATH_NUMBER = /^[0-9]{1,32}$/;

/**
 * The participant signalling endpoint (contract/signal/protocol.ts; docs/protocol.md), at SIGNAL_PATH and, routable by
 * a load balancer or another node, at SIGNAL_PATH/{meeting_number}.
 */
export function signalRoutes(app: FastifyInstance, live: LiveService, fanout: SocketFanout, options: SignalOptions): () => void {
  const alive = new WeakMap<WebSocket, boolean>();
  const open = new Set<WebSocket>();
  const prompts = new PromptSlots(options.passcodePromptsPerAddress);
  const accept = (socket: WebSocket, request: FastifyRequest, pathNumber?: string) => {
    open.add(socket);
    alive.set(socket, true);
    socket.on('pong', () => alive.set(socket, true));
    socket.on('close', () => open.delete(socket));
    let address = request.ip;
    let relayed = false;
    if (pathNumber !== undefined) {
      if (!PATH_NUMBER.test(pathNumber)) return protocolClose(socket, 'meeting_number: the address names no meeting number');
      try {
        const forwarded = options.router?.relayedAddress(request.headers, pathNumber);
        if (forwarded !== undefined) [address, relayed] = [forwarded, true];
      } catch {
        return protocolClose(socket, 'relay: not signed by a node of this cluster');
      }
    }
    new Connection(socket, request.raw.socket, address, live, fanout, options, prompts, app, { pathNumber, relayed }).start();
  };
  app.get(SIGNAL_PATH, { websocket: true, schema: { hide: true } }, (socket: WebSocket, request: FastifyRequest) => accept(socket, request));
  app.get(`${SIGNAL_PATH}/:meeting_number`, { websocket: true, schema: { hide: true } }, (socket: WebSocket, request: FastifyRequest) =>
    accept(socket, request, (request.params as { meeting_number: string }).meeting_number),
  );
  // WebSocket pings detect dead connections (a browser answers them without any code); a ping still unanswered
  // when the next one is due means the connection is lost.
  const heartbeat = setInterval(() => {
    for (const socket of open) {
      if (!alive.get(socket)) {
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, options.heartbeatMs);
  heartbeat.unref();
  return () => {
    clearInterval(heartbeat);
    // Sockets already closing carry their final status and close code; the rest are told the server is going away.
    for (const socket of open) if (socket.readyState === 1) socket.close(1001, 'server shutting down');
    setTimeout(() => {
      for (const socket of open) socket.terminate();
    }, 1000).unref();
  };
}

type State =
  | { at: 'new' }
  /** Finding the meeting's node; frames that arrive meanwhile wait here and go with the relay. */
  | { at: 'routing'; frames: string[] }
  /** Relayed to the meeting's node: this node only carries frames. */
  | { at: 'relayed' }
  | { at: 'admitting' }
  | { at: 'passcode'; request: JoinRequest; timer: ReturnType<typeof setTimeout> }
  | { at: 'joined'; meeting: LiveMeeting; participant: Participant }
  /** Admitted past every check, waiting in the lobby for a host. */
  | { at: 'lobby'; meeting: LiveMeeting; participant: Participant }
  | { at: 'done' };

/** One participant connection: join (with the passcode prompt) or resume, then commands until it ends. */
class Connection {
  private state: State = { at: 'new' };
  private firstTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly frames: TokenBucket;
  /** This connection holds one of its address's passcode-prompt slots (from its first prompt until admitted or gone). */
  private prompting = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly raw: Duplex,
    private readonly address: string,
    private readonly live: LiveService,
    private readonly fanout: SocketFanout,
    private readonly options: SignalOptions,
    private readonly prompts: PromptSlots,
    private readonly app: FastifyInstance,
    /** The meeting number in the connection's address, and whether another node relays the connection here. */
    private readonly origin: { pathNumber: string | undefined; relayed: boolean } = { pathNumber: undefined, relayed: false },
  ) {
    this.frames = new TokenBucket(options.frames.perSecond, options.frames.burst, performance.now());
  }

  start(): void {
    this.firstTimer = setTimeout(() => this.fail('protocol', 'join: expected within the time limit'), this.options.joinTimeoutMs);
    this.socket.on('message', (data, isBinary) => {
      if (isBinary) return this.fail('protocol', 'frames must be JSON text');
      void this.onText(String(data)).catch((e) => this.app.log.error({ err: e }, 'signalling command failed'));
    });
    this.socket.on('close', () => this.onClose());
    this.socket.on('error', () => this.socket.terminate());
  }

  private async onText(text: string): Promise<void> {
    // Frames already received when the server closed the connection are not acted on.
    if (this.socket.readyState !== 1) return;
    if (this.state.at === 'relayed') return;
    if (this.state.at === 'routing') {
      this.state.frames.push(text);
      return;
    }
    if (!this.frames.take(performance.now())) return this.tooFast();
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.problem(undefined, new DomainError('input.format', 'frame: is not JSON'));
    }
    const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    const id = requestId(raw);
    const validate = typeof type === 'string' ? validators.get(type) : undefined;
    if (!validate) return this.problem(id, new DomainError('input.invalid', `type: unknown command ${JSON.stringify(type)}`));
    const checked = validate(raw);
    if (checked.error) return this.problem(id, checked.error);
    try {
      if (this.state.at === 'new' && (await this.relayed(checked.value, text))) return;
      await this.handle(checked.value);
    } catch (e) {
      if (e instanceof DomainError) return this.reject(id, e);
      throw e;
    }
  }

  private async handle(cmd: ClientCommand): Promise<void> {
    const state = this.state;
    if (cmd.type === 'ping' && state.at !== 'new') return send(this.socket, { type: 'pong', ...(cmd.id !== undefined ? { id: cmd.id } : {}), time: Date.now() });
    switch (state.at) {
      case 'new':
        clearTimeout(this.firstTimer);
        if (cmd.type === 'join') return this.join(cmd, { meetingNumber: cmd.meeting_number, clientId: cmd.client_id, displayName: cmd.display_name.trim(), ...optional(cmd), address: this.address });
        if (cmd.type === 'resume') return this.resume(cmd.resume_token, cmd.id);
        return this.fail('protocol', `${cmd.type}: join or resume first (protocol version ${PROTOCOL_VERSION})`);
      case 'passcode':
        if (cmd.type !== 'passcode') throw new DomainError('state.invalid', `${cmd.type}: answer the passcode request first`);
        clearTimeout(state.timer);
        return this.join(cmd, { ...state.request, passcode: cmd.passcode });
      case 'joined':
        return this.command(cmd, state.meeting, state.participant);
      case 'lobby':
        if (cmd.type !== 'leave') throw new DomainError('state.invalid', `${cmd.type}: you are waiting in the lobby; a host lets you in`);
        if (cmd.id !== undefined) send(this.socket, { type: 'ack', id: cmd.id });
        this.state = { at: 'done' };
        this.live.leftLobby(state.meeting, state.participant);
        send(this.socket, disconnectedStatus('StatusOk', 'you left the lobby'));
        this.socket.close(CLOSE_CODES.done, 'StatusOk');
        return;
      default:
        throw new DomainError('state.invalid', `${cmd.type}: not possible now`);
    }
  }

  /**
   * The first command names the meeting (join: its number; resume: the number its token carries). In a cluster, a
   * meeting held by another node is served there: the connection is relayed, and this node only carries its frames.
   * True when the connection was relayed (or refused on the way).
   */
  private async relayed(cmd: ClientCommand, text: string): Promise<boolean> {
    if (cmd.type !== 'join' && cmd.type !== 'resume') return false;
    const number = cmd.type === 'join' ? cmd.meeting_number : meetingOfResumeToken(cmd.resume_token);
    const { pathNumber, relayed } = this.origin;
    if (pathNumber !== undefined && number !== pathNumber) {
      clearTimeout(this.firstTimer);
      this.fail('protocol', `${cmd.type === 'join' ? 'meeting_number' : 'resume_token'}: not the meeting this address is for (${pathNumber})`);
      return true;
    }
    const router = this.options.router;
    if (!router || relayed || number === '') return false;
    clearTimeout(this.firstTimer);
    const routing: State = { at: 'routing', frames: [text] };
    this.state = routing;
    let relay: SignalRelay | undefined;
    try {
      relay = await router.route(number);
    } catch (e) {
      this.app.log.error({ err: e }, 'finding the node of a meeting failed');
      this.refuse('ServerError', 'the server could not find the meeting’s node; try again');
      return true;
    }
    if (!relay) {
      const later = routing.frames.slice(1);
      this.state = { at: 'new' };
      // Frames that came while routing are handled after this one, in order.
      if (later.length > 0) queueMicrotask(() => later.forEach((t) => void this.onText(t).catch((e) => this.app.log.error({ err: e }, 'signalling command failed'))));
      return false;
    }
    this.state = { at: 'relayed' };
    relay(this.socket, routing.frames, this.address).catch(() => undefined);
    return true;
  }

  private async join(cmd: ClientCommand, request: JoinRequest): Promise<void> {
    this.state = { at: 'admitting' };
    let admission;
    try {
      admission = await this.live.admit(request);
    } catch (e) {
      this.app.log.error({ err: e }, 'join failed');
      return this.refuse('ServerError', 'the server could not process the join; try again');
    }
    if (this.socket.readyState !== 1) {
      // The client went away while we were checking: a place it was given is released at once.
      if (admission.kind === 'joined' && !admission.replaced) this.live.leave(admission.meeting, admission.participant, 'Aborted', 'gone', 'connection lost');
      if (admission.kind === 'waiting') this.live.leftLobby(admission.meeting, admission.participant);
      return;
    }
    if (admission.kind === 'refused') return this.refuse(admission.reason, admission.message);
    if (admission.kind === 'passcode') {
      if (!this.prompting) {
        if (!this.prompts.take(this.address)) return this.refuse('ServerReject', 'too many connections from your network are waiting for a meeting passcode; try again in a minute');
        this.prompting = true;
      }
      const timer = setTimeout(() => this.refuse('PasscodeTimeout', 'no passcode given in time'), this.options.passcodeTimeoutMs);
      this.state = { at: 'passcode', request, timer };
      send(this.socket, { type: 'passcode.requested', rejected: admission.rejected, attempts_left: admission.attemptsLeft });
      return;
    }
    this.endPrompt();
    if (admission.kind === 'waiting') return this.waitInLobby(admission.meeting, admission.participant, cmd.id);
    this.enter(admission.meeting, admission.participant, admission.replaced, cmd.id);
  }

  /** In the lobby: told so, and entered (connected status, welcome) when a host admits it. */
  private waitInLobby(meeting: LiveMeeting, participant: Participant, id: ClientCommand['id']): void {
    this.fanout.attach(participant, this.socket, this.raw);
    this.fanout.waitAt(participant, () => {
      if (this.state.at === 'lobby' && this.state.participant === participant) this.enter(meeting, participant, false, id);
    });
    this.state = { at: 'lobby', meeting, participant };
    send(this.socket, { type: 'lobby.waiting', meeting_name: meeting.settings.name, message: 'please wait: a host of the meeting will let you in' });
  }

  private endPrompt(): void {
    if (!this.prompting) return;
    this.prompting = false;
    this.prompts.release(this.address);
  }

  private resume(token: string, id: ClientCommand['id']): void {
    const found = this.live.resume(token, this.address);
    if (!found) return this.refuse('MeetingInterrupt', 'resume_token: the place is no longer held; join again');
    this.enter(found.meeting, found.participant, true, id);
  }

  private enter(meeting: LiveMeeting, participant: Participant, resumed: boolean, id: ClientCommand['id']): void {
    const previous = this.fanout.attach(participant, this.socket, this.raw);
    if (previous) previous.close(CLOSE_CODES.replaced, 'replaced by a newer connection');
    this.state = { at: 'joined', meeting, participant };
    send(this.socket, connectedStatus(participant, resumed));
    if (id !== undefined) send(this.socket, { type: 'ack', id });
    for (const notice of meeting.welcome(participant)) this.fanout.deliver(meeting, [participant], notice);
  }

  private async command(cmd: ClientCommand, meeting: LiveMeeting, p: Participant): Promise<void> {
    const reply = cmd.id !== undefined ? { id: cmd.id } : {};
    switch (cmd.type) {
      case 'media.publish':
        return send(this.socket, { type: 'media.answer', ...reply, sdp: await this.media().publish(meeting, p, cmd.sdp) });
      case 'media.subscribe':
        return send(this.socket, { type: 'media.offer', ...reply, ...(await this.media().subscribe(meeting, p)) });
      case 'media.ice': {
        const { iceServers, expires } = this.media().iceServers(p);
        return send(this.socket, { type: 'media.ice_servers', ...reply, ice_servers: iceServers, expires });
      }
      case 'media.accept':
        await this.media().accept(meeting, p, cmd.sdp);
        break;
      case 'share':
        this.live.apply(meeting, meeting.share(p, cmd.sharing));
        break;
      case 'mute':
        this.live.apply(meeting, meeting.selfMute(p, { ...(cmd.audio !== undefined ? { audio: cmd.audio } : {}), ...(cmd.video !== undefined ? { video: cmd.video } : {}) }));
        break;
      case 'hand':
        this.live.apply(meeting, meeting.setHand(p, cmd.raised));
        break;
      case 'rename':
        this.live.apply(meeting, meeting.rename(p, cmd.display_name.trim()));
        this.live.recordRename(p);
        break;
      case 'react':
        this.live.apply(meeting, meeting.react(p, cmd.emoji, Date.now()));
        break;
      case 'chat.send':
        this.live.sendChat(meeting, p, cmd.to, cmd.text);
        break;
      case 'chat.delete':
        if (!p.host) throw new DomainError('permission.denied', 'message_id: only hosts delete chat messages');
        if (!this.live.deleteChat(meeting, cmd.message_id, p)) throw new DomainError('notFound', `message_id: no message ${JSON.stringify(cmd.message_id)} to delete`);
        break;
      case 'leave':
        if (cmd.id !== undefined) send(this.socket, { type: 'ack', id: cmd.id });
        this.state = { at: 'done' };
        this.live.leave(meeting, p, 'StatusOk', 'you left the meeting', 'left');
        return;
      default:
        throw new DomainError('state.invalid', `${cmd.type}: already in the meeting`);
    }
    if (cmd.id !== undefined) send(this.socket, { type: 'ack', id: cmd.id });
  }

  private media(): LiveMedia {
    return this.options.media ?? fail('service.unavailable', 'media: this server runs without media workers');
  }

  private onClose(): void {
    clearTimeout(this.firstTimer);
    this.endPrompt();
    const state = this.state;
    if (state.at === 'passcode') clearTimeout(state.timer);
    if (state.at === 'joined' && this.fanout.detach(state.participant, this.socket)) this.live.connectionLost(state.meeting, state.participant);
    if (state.at === 'lobby' && this.fanout.detach(state.participant, this.socket)) this.live.leftLobby(state.meeting, state.participant);
    this.state = { at: 'done' };
  }

  private refuse(reason: Reason, message: string): void {
    this.state = { at: 'done' };
    this.endPrompt();
    send(this.socket, joinFailed(reason, message));
    this.socket.close(CLOSE_CODES.done, reason);
  }

  private reject(id: ClientCommand['id'], e: DomainError): void {
    send(this.socket, errorEvent(id, e));
  }

  /** A frame that cannot be acted on: before join or resume it ends the connection (4001), later it gets an error. */
  private problem(id: ClientCommand['id'], e: DomainError): void {
    if (this.state.at === 'new') return this.fail('protocol', e, id);
    this.reject(id, e);
  }

  /**
   * The socket sends faster than any client needs to (its frame budget is spent): it is told why and closed, and its
   * place in the meeting given up rather than held for a resume, so that reconnecting does not refill its budget.
   */
  private tooFast(): void {
    const state = this.state;
    this.state = { at: 'done' };
    clearTimeout(this.firstTimer);
    this.endPrompt();
    if (state.at === 'passcode') clearTimeout(state.timer);
    const { perSecond, burst } = this.options.frames;
    send(this.socket, errorEvent(undefined, new DomainError('rate.limited', `frames: more than ${perSecond} a second (${burst} at once); connection closed`)));
    this.socket.close(CLOSE_CODES.tooFast, 'too many frames');
    if (state.at === 'lobby' && this.fanout.detach(state.participant, this.socket)) this.live.leftLobby(state.meeting, state.participant);
    if (state.at === 'joined' && this.fanout.detach(state.participant, this.socket)) {
      this.live.leave(state.meeting, state.participant, 'ServerReject', 'too many frames', 'closed: too many frames');
    }
  }

  /** Ends a connection that broke the protocol; the error names what was wrong. */
  private fail(kind: 'protocol', problem: string | DomainError, id?: ClientCommand['id']): void {
    send(this.socket, errorEvent(id, typeof problem === 'string' ? new DomainError('input.invalid', problem) : problem));
    this.state = { at: 'done' };
    this.endPrompt();
    this.socket.close(CLOSE_CODES[kind], 'protocol error');
  }
}

const optional = (cmd: Extract<ClientCommand, { type: 'join' }>) => ({
  ...(cmd.token !== undefined ? { token: cmd.token } : {}),
  ...(cmd.passcode !== undefined ? { passcode: cmd.passcode } : {}),
  ...(cmd.link_key !== undefined ? { linkKey: cmd.link_key } : {}),
  ...(cmd.audio_mute !== undefined ? { audioMuted: cmd.audio_mute } : {}),
  ...(cmd.video_mute !== undefined ? { videoMuted: cmd.video_mute } : {}),
});

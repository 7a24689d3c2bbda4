/**
 * Typed client for the FRTC REST API as this server's contract (contract/rest/) defines it. No Node-only import: it runs
 * in Node 20 and, bundled, in browsers.
 *
 * TLS in Node: `fetch` cannot skip certificate verification per request, and this repository has no importable
 * `undici` package (Node 20 bundles undici for its global fetch but does not expose it as a module, and `undici` is
 * not in node_modules), so `new undici.Agent({ connect: { rejectUnauthorized: false } })` as a `dispatcher` is not
 * available without adding a dependency. A Node caller talking to a server with a self-signed certificate therefore
 * passes its own `fetch` that trusts the server: e.g. a small fetch-compatible adapter over `node:https` with
 * `new Agent({ rejectUnauthorized: false })` (as test/support/client.ts does for raw calls), or the global fetch after
 * starting Node with NODE_EXTRA_CA_CERTS naming the server's certificate. Browsers need a certificate they trust.
 */
import type { Static, TSchema } from 'typebox';
import * as chatOps from '../contract/rest/in-meeting.ts';
import * as ops from '../contract/rest/meeting-control.ts';
import * as recordings from '../contract/rest/recordings.ts';
import type { HttpMethod, Operation } from '../contract/rest/operation.ts';
import { signIn } from '../contract/rest/user.ts';
import { clientSecret } from './secret.ts';

export interface RestClientOptions {
  /** `https://host:port`, without a path (a trailing slash is ignored). */
  baseUrl: string;
  /** Per-install id sent as `client_id` on every call; also the participant id in meetings. */
  clientId: string;
  /** `user_token` from sign-in; `signIn()` sets it. */
  token?: string;
  /** Defaults to `globalThis.fetch`; see the note at the top of this file for Node and self-signed certificates. */
  fetch?: typeof fetch;
}

/** The static type of an optional schema (`never` when the operation has none). */
type In<S> = [NonNullable<S>] extends [TSchema] ? Static<NonNullable<S>> : never;

export interface CallOptions<O extends Operation> {
  /** Values for the `{name}` placeholders of the operation's first path. */
  params?: In<O['params']>;
  /** Extra query parameters; `client_id` and `token` are added by the client. */
  query?: In<O['query']>;
  /** Sent as JSON whenever given, for DELETE too; never for GET. */
  body?: In<O['body']>;
  /** Defaults to the operation's first method. */
  method?: HttpMethod;
}

export type ResponseOf<O extends Operation> = Static<O['response']>;

/** An FRTC error answer: any status other than 200, with the `{error, errorCode}` body when the server sent one. */
export class RestError extends Error {
  override readonly name = 'RestError';

  constructor(
    readonly status: number,
    /** FRTC code such as `0x10000001`; '' when the body was not an FRTC error body. */
    readonly errorCode: string,
    /** The server's `error` text (or the raw body / status text when it was not an FRTC error body). */
    readonly error: string,
    /** The contract operation id, e.g. `muteAll`. */
    readonly operation: string,
  ) {
    super(`${operation}: HTTP ${status}${errorCode ? ` ${errorCode}` : ''}: ${error}`);
  }
}

export interface MuteAllOptions {
  /** Server default: true. */
  allow_self_unmute?: boolean;
  exclusions?: string[];
}

export interface OverlayOptions {
  content: string;
  /** Server default 3. */
  repeat?: number;
  /** 0 top, 50 middle, 100 bottom; server default 0. */
  position?: 0 | 50 | 100;
  /** Server default true. */
  enable_scroll?: boolean;
}

export class RestClient {
  readonly baseUrl: string;
  readonly clientId: string;
  private currentToken: string | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(options: RestClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.clientId = options.clientId;
    this.currentToken = options.token;
    const f = options.fetch ?? (globalThis as { fetch?: typeof fetch }).fetch;
    if (!f) throw new Error('RestClient: no fetch implementation; pass options.fetch');
    // Unbound, the browser's fetch throws "Illegal invocation" when called as a method of another object.
    this.fetchImpl = options.fetch ?? f.bind(globalThis);
  }

  get token(): string | undefined {
    return this.currentToken;
  }

  setToken(token?: string): void {
    this.currentToken = token;
  }

  /** The URL a call goes to: first path with `{param}`s filled, then `client_id`, `token` (unless anonymous), query. */
  url<O extends Operation>(op: O, params?: CallOptions<O>['params'], query?: CallOptions<O>['query']): string {
    const values = (params ?? {}) as Record<string, unknown>;
    const path = op.paths[0]!.replace(/\{(\w+)\}/g, (_, name: string) => {
      const v = values[name];
      if (v === undefined || v === null || v === '') throw new Error(`${op.id}: path parameter ${name} is missing`);
      return encodeURIComponent(String(v));
    });
    const url = new URL(this.baseUrl + path);
    if (op.access !== 'anonymous') {
      url.searchParams.set('client_id', this.clientId);
      if (this.currentToken !== undefined) url.searchParams.set('token', this.currentToken);
    }
    for (const [k, v] of Object.entries((query ?? {}) as Record<string, unknown>)) {
      if (v === undefined || v === null) continue;
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
    }
    return url.toString();
  }

  /** Calls any contract operation; resolves with its 200 body, throws RestError on any other status. */
  async call<O extends Operation>(op: O, options: CallOptions<O> = {}): Promise<ResponseOf<O>> {
    const method = options.method ?? op.methods[0]!;
    const url = this.url(op, options.params, options.query);
    const hasBody = options.body !== undefined;
    if (hasBody && method === 'GET') throw new Error(`${op.id}: a GET request cannot carry a body`);
    const res = await this.fetchImpl(url, {
      method,
      headers: { accept: 'application/json', ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      ...(hasBody ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    if (res.status !== 200) {
      const body = parse(text) as { error?: unknown; errorCode?: unknown } | undefined;
      const frtc = typeof body?.errorCode === 'string' && typeof body.error === 'string';
      throw new RestError(res.status, frtc ? (body.errorCode as string) : '', frtc ? (body.error as string) : text || res.statusText, op.id);
    }
    const body = parse(text);
    if (body === undefined) throw new RestError(res.status, '', `response is not JSON: ${text.slice(0, 200)}`, op.id);
    return body as ResponseOf<O>;
  }

  /** Signs in with the FRTC secret of `password` and keeps the returned user_token for the following calls. */
  async signIn(username: string, password: string): Promise<ResponseOf<typeof signIn>> {
    const profile = await this.call(signIn, { body: { username, secret: await clientSecret(password) } });
    this.currentToken = profile.user_token;
    return profile;
  }

  // ---- meeting control (contract/rest/meeting-control.ts) ------------------------------------------------------
  // Optional arguments left out are left out of the body too, so the server's defaults apply.

  muteAll(meetingNumber: string, options: MuteAllOptions = {}) {
    return this.control(ops.muteAll, meetingNumber, defined(options));
  }

  unmuteAll(meetingNumber: string) {
    return this.control(ops.unmuteAll, meetingNumber);
  }

  mute(meetingNumber: string, participants: string[], allowSelfUnmute?: boolean) {
    return this.control(ops.mute, meetingNumber, { participants, ...defined({ allow_self_unmute: allowSelfUnmute }) });
  }

  unmute(meetingNumber: string, participants: string[]) {
    return this.control(ops.unmute, meetingNumber, { participants });
  }

  /** rejoin omitted = server default (true: the meeting may be joined again). */
  stop(meetingNumber: string, rejoin?: boolean) {
    return this.control(ops.stop, meetingNumber, defined({ rejoin }));
  }

  rename(meetingNumber: string, clientId: string, displayName: string) {
    return this.control(ops.renameParticipant, meetingNumber, { client_id: clientId, display_name: displayName });
  }

  startOverlay(meetingNumber: string, overlay: OverlayOptions) {
    return this.control(ops.startOverlay, meetingNumber, defined(overlay));
  }

  stopOverlay(meetingNumber: string) {
    return this.control(ops.stopOverlay, meetingNumber);
  }

  setLecturer(meetingNumber: string, lecturer: string) {
    return this.control(ops.setLecturer, meetingNumber, { lecturer });
  }

  unsetLecturer(meetingNumber: string) {
    return this.control(ops.unsetLecturer, meetingNumber);
  }

  disconnect(meetingNumber: string, participants: string[]) {
    return this.control(ops.disconnect, meetingNumber, { participants });
  }

  /** Removes everyone but the caller; `participants` is accepted by the server and ignored. */
  disconnectAll(meetingNumber: string, participants?: string[]) {
    return this.control(ops.disconnectAll, meetingNumber, defined({ participants }));
  }

  /** Pins one participant for everyone. */
  pin(meetingNumber: string, participant: string) {
    return this.control(ops.pinForMeeting, meetingNumber, { participants: [participant] });
  }

  unpin(meetingNumber: string) {
    return this.control(ops.unpinForMeeting, meetingNumber);
  }

  /** Chooses whom `viewer` sees pinned; without `pinned`, clears that viewer's own pin. */
  pinFor(meetingNumber: string, viewer: string, pinned?: string) {
    return this.call(ops.pinForParticipant, {
      params: { meeting_number: meetingNumber, target_client_id: viewer },
      body: { participants: pinned === undefined ? [] : [pinned] },
    });
  }

  /** Clears `viewer`'s own pin (the contract names this path parameter pinned_client_id; it is the viewer). */
  unpinFor(meetingNumber: string, viewer: string) {
    return this.call(ops.unpinForParticipant, { params: { meeting_number: meetingNumber, pinned_client_id: viewer } });
  }

  layoutChange(meetingNumber: string, viewer: string, maxViews: 1 | 9, layout?: string) {
    return this.call(ops.layoutChange, {
      params: { meeting_number: meetingNumber, viewer_client_id: viewer },
      body: { max_views: maxViews, ...defined({ layout }) } as In<(typeof ops.layoutChange)['body']>,
    });
  }

  /** Asks the hosts to be allowed to speak, as this client (token optional). */
  requestUnmute(meetingNumber: string) {
    return this.control(ops.requestUnmute, meetingNumber);
  }

  allowUnmute(meetingNumber: string, participants: string[]) {
    return this.control(ops.allowUnmute, meetingNumber, { participants });
  }

  allowUnmuteAll(meetingNumber: string) {
    return this.control(ops.allowUnmuteAll, meetingNumber);
  }

  lock(meetingNumber: string) {
    return this.control(ops.lock, meetingNumber);
  }

  unlock(meetingNumber: string) {
    return this.control(ops.unlock, meetingNumber);
  }

  /** Who may share their screen: everyone, or hosts only. */
  setSharePolicy(meetingNumber: string, who: 'everyone' | 'hosts') {
    return this.control(ops.setSharePolicy, meetingNumber, { who });
  }

  /** Start (true) or stop (false) recording; `layout` (extension) chooses speaker or gallery when starting. */
  recording(meetingNumber: string, start: boolean, options: { layout?: 'speaker' | 'gallery' } = {}) {
    return this.call(ops.recording, { params: { meeting_number: meetingNumber }, body: start ? options : {}, method: start ? 'POST' : 'DELETE' });
  }

  /** Start (true) or stop (false) live streaming, with the viewers' passcode and (extensions) layout and RTMP push. */
  liveStreaming(meetingNumber: string, start: boolean, options: { live_password?: string; layout?: 'speaker' | 'gallery'; rtmp_url?: string } = {}) {
    return this.call(ops.liveStreaming, { params: { meeting_number: meetingNumber }, body: start ? options : {}, method: start ? 'POST' : 'DELETE' });
  }

  /** Recordings the caller may see, newest first. */
  listRecordings(query: { page_num?: number; page_size?: number; meeting_number?: string } = {}) {
    return this.call(recordings.listRecordings, { query });
  }

  getRecording(recordingId: string) {
    return this.call(recordings.getRecording, { params: { recording_id: recordingId } });
  }

  deleteRecording(recordingId: string) {
    return this.call(recordings.deleteRecording, { params: { recording_id: recordingId } });
  }

  /** The download address of a finished recording (with this client's credentials, for a player or a link). */
  recordingFileUrl(recordingId: string): string {
    return this.url(recordings.downloadRecording, { recording_id: recordingId });
  }

  /** The FRTC cascading call; not built yet (H.323 entries: 400, anything else: 503). */
  cascading(meetingNumber: string, body: Static<NonNullable<typeof ops.cascading.body>> = {}) {
    return this.call(ops.cascading, { params: { meeting_number: meetingNumber }, body });
  }

  liveMeetings() {
    return this.call(ops.listLiveMeetings, { method: 'GET' });
  }

  liveMeeting(meetingNumber: string) {
    return this.call(ops.liveMeetingDetail, { params: { meeting_number: meetingNumber }, method: 'GET' });
  }

  /** Moves the end of a live meeting (epoch ms, in the future); answers the detail. */
  setEndTime(meetingNumber: string, endTime: number) {
    return this.call(ops.liveMeetingDetail, { params: { meeting_number: meetingNumber }, body: { end_time: endTime }, method: 'POST' });
  }

  /** One page of the sessions under the number, newest first (20 by default, at most 50). */
  history(meetingNumber: string, page: { page_num?: number; page_size?: number } = {}) {
    return this.call(ops.meetingHistory, { params: { meeting_number: meetingNumber }, query: page });
  }

  // ---- in the meeting (contract/rest/in-meeting.ts) -------------------------------------------------------------

  /** What guests may write in the chat: all, public (no private messages) or none. */
  setGuestChat(meetingNumber: string, guests: 'all' | 'public' | 'none') {
    return this.control(chatOps.setGuestChat, meetingNumber, { guests });
  }

  /** Lowers the raised hands named, or all of them ("lower all"), without letting anyone speak. */
  lowerHands(meetingNumber: string, participants?: string[]) {
    return this.control(chatOps.lowerHands, meetingNumber, participants ? { participants } : {});
  }

  /** Switches the live meeting's lobby: off (lets everyone waiting in), guests or uninvited. */
  setLobby(meetingNumber: string, mode: 'off' | 'guests' | 'uninvited') {
    return this.control(chatOps.setLobby, meetingNumber, { mode });
  }

  /** Lets the people named (or everyone) waiting in the lobby in. */
  lobbyAdmit(meetingNumber: string, participants?: string[]) {
    return this.control(chatOps.lobbyAdmit, meetingNumber, participants ? { participants } : {});
  }

  /** Turns the people named (or everyone) waiting in the lobby away. */
  lobbyRefuse(meetingNumber: string, participants?: string[]) {
    return this.control(chatOps.lobbyRefuse, meetingNumber, participants ? { participants } : {});
  }

  /** The lobby's mode and who waits in it. */
  lobby(meetingNumber: string) {
    return this.call(chatOps.lobbyList, { params: { meeting_number: meetingNumber }, method: 'GET' });
  }

  deleteChatMessage(meetingNumber: string, messageId: string) {
    return this.call(chatOps.deleteChatMessage, { params: { meeting_number: meetingNumber, message_id: messageId } });
  }

  /** One page of a session's chat (session_id from history()). */
  chatTranscript(meetingNumber: string, sessionId: string, page: { page_num?: number; page_size?: number } = {}) {
    return this.call(chatOps.chatTranscript, { params: { meeting_number: meetingNumber, session_id: sessionId }, query: page });
  }

  /**
   * A control call addressed by meeting number. `body` is typed loosely on purpose: fields with a server-side default
   * (allow_self_unmute, rejoin, repeat …) are required in the schema's static type but may be left out on the wire.
   */
  private control<O extends Operation>(op: O, meetingNumber: string, body?: object): Promise<ResponseOf<O>> {
    return this.call(op, { params: { meeting_number: meetingNumber } as CallOptions<O>['params'], body: body as CallOptions<O>['body'] });
  }
}

function parse(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The object without its undefined properties (so omitted options stay off the wire). */
function defined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

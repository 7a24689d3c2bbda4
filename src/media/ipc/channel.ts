import { SafeEmitter } from '../../kernel/events.ts';
import { ChannelClosedError, IpcMessageTooLargeError, IpcRemoteError, IpcTimeoutError } from './errors.ts';
import type { JsonObject, Side } from './messages.ts';
import type { IpcPort } from './port.ts';

/**
 * A typed request/response/notification channel over a Node IPC pipe, after mediasoup's Channel, plus what mediasoup
 * lacks: every request has a deadline (IpcTimeoutError), and every pending request is rejected with
 * ChannelClosedError as soon as the other side exits or disconnects, so a dead or wedged worker never leaves a caller
 * waiting.
 *
 * Serialization: Node's default 'json' IPC, not 'advanced' (v8 structured clone). What crosses is control: ids, SDP
 * text, small numbers; media never does. JSON lets the message maps be checked by the compiler (messages.ts `Json`),
 * makes the size limit exact — the limit is measured on the same JSON text the pipe carries — and keeps messages
 * readable when debugging. 'advanced' would add Buffer/Map/BigInt, which the control plane does not need, and its
 * silent loss of prototypes and extra properties is the kind of surprise the typed maps are meant to rule out.
 *
 * Limits are enforced by the sender (both ends run this class): an oversized request is rejected without being sent,
 * an oversized response is replaced by an error response, an oversized notification is dropped and reported.
 */

/** The wire envelope. `t`: req = request, res = result, err = error response, note = notification. */
export type Envelope =
  | { t: 'req'; id: number; m: string; p: JsonObject }
  | { t: 'res'; id: number; r: JsonObject }
  | { t: 'err'; id: number; e: { name: string; message: string } }
  | { t: 'note'; m: string; p: JsonObject };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The envelope a received message holds, or undefined when it is not one (it is then reported and dropped). */
export function parseEnvelope(raw: unknown): Envelope | undefined {
  if (!isObject(raw)) return undefined;
  const { t } = raw;
  const idOk = Number.isSafeInteger(raw.id) && (raw.id as number) > 0;
  if (t === 'req' || t === 'note') {
    if (typeof raw.m !== 'string' || !isObject(raw.p)) return undefined;
    if (t === 'req' && !idOk) return undefined;
    return raw as Envelope;
  }
  if (t === 'res') return idOk && isObject(raw.r) ? (raw as Envelope) : undefined;
  if (t === 'err') {
    const e = raw.e;
    return idOk && isObject(e) && typeof e.name === 'string' && typeof e.message === 'string' ? (raw as Envelope) : undefined;
  }
  return undefined;
}

/** Bytes of the JSON text Node's 'json' IPC serialization writes for the envelope (without its newline). */
export const envelopeBytes = (envelope: Envelope): number => Buffer.byteLength(JSON.stringify(envelope), 'utf8');

export type Report = (error: unknown, context: string) => void;

export interface ChannelOptions {
  /** Names the channel in reports, e.g. 'media worker 3'. */
  name?: string;
  /** Deadline of a request that does not give its own; default 5000 ms. */
  timeoutMs?: number;
  /** Largest message this side sends, as JSON bytes; default 1 MiB. */
  maxMessageBytes?: number;
  /** Where failures that have no caller to reject go: a throwing notification handler, a malformed message. */
  report?: Report;
}

export interface RequestOptions {
  timeoutMs?: number;
}

interface Pending {
  method: string;
  resolve: (result: JsonObject) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

type Methods<M> = keyof M & string;
type Handler<P, R> = (params: P) => R | Promise<R>;

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * One end of a channel. `Local` is what this end serves and sends, `Remote` what the other end serves and sends:
 * `request` calls Remote's requests, `handle` serves Local's, `notify` sends Local's notifications, `on` receives
 * Remote's.
 */
export class Channel<Local extends Side, Remote extends Side> {
  private readonly name: string;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly report: Report;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, Handler<JsonObject, JsonObject>>();
  private readonly notifications: SafeEmitter<Remote['notifications']>;
  private readonly closeListeners: SafeEmitter<{ close: ChannelClosedError }>;
  private readonly detach: () => void;
  private nextId = 1;
  private closedBy: ChannelClosedError | undefined;

  constructor(
    private readonly port: IpcPort,
    options: ChannelOptions = {},
  ) {
    this.name = options.name ?? 'IPC channel';
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const report = options.report ?? ((error, context) => console.error(`${context}:`, error));
    this.report = (error, context) => {
      try {
        report(error, `${this.name}: ${context}`);
      } catch {
        // a failing reporter must not break the channel
      }
    };
    this.notifications = new SafeEmitter((error, event) => this.report(error, `handler of notification ${event}`));
    this.closeListeners = new SafeEmitter((error) => this.report(error, 'close listener'));
    this.detach = port.attach(
      (message) => this.receive(message),
      (reason) => this.close(reason),
    );
  }

  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  /** Requests sent and not yet answered, timed out or rejected. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Sends a request and resolves with the other side's result. Rejects with IpcTimeoutError after the deadline,
   * ChannelClosedError when the channel closes first, IpcMessageTooLargeError when the request is over the limit,
   * IpcRemoteError when the other side's handler failed.
   */
  request<M extends Methods<Remote['requests']>>(
    method: M,
    params: Remote['requests'][M]['params'],
    options: RequestOptions = {},
  ): Promise<Remote['requests'][M]['result']> {
    if (this.closedBy) return Promise.reject(new ChannelClosedError(this.closedBy.reason, method));
    const id = this.nextId++;
    const envelope: Envelope = { t: 'req', id, m: method, p: params };
    let bytes: number;
    try {
      bytes = envelopeBytes(envelope);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (bytes > this.maxBytes) return Promise.reject(new IpcMessageTooLargeError(method, bytes, this.maxBytes));
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise<JsonObject>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) reject(new IpcTimeoutError(method, id, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { method, resolve, reject, timer });
      this.port.send(envelope, (error) => {
        if (error) this.settle(id, (p) => p.reject(new ChannelClosedError(`send failed: ${error.message}`, method)));
      });
    }) as Promise<Remote['requests'][M]['result']>;
  }

  /** Serves a request method of this side; a second handler for the same method replaces the first. */
  handle<M extends Methods<Local['requests']>>(
    method: M,
    handler: Handler<Local['requests'][M]['params'], Local['requests'][M]['result']>,
  ): void {
    this.handlers.set(method, handler as Handler<JsonObject, JsonObject>);
  }

  /** Sends a one-way notification. False when it was not sent (channel closed, or over the size limit: reported). */
  notify<M extends Methods<Local['notifications']>>(method: M, payload: Local['notifications'][M]): boolean {
    if (this.closedBy) return false;
    const envelope: Envelope = { t: 'note', m: method, p: payload };
    const bytes = envelopeBytes(envelope);
    if (bytes > this.maxBytes) {
      this.report(new IpcMessageTooLargeError(method, bytes, this.maxBytes), `notification ${method} dropped`);
      return false;
    }
    this.port.send(envelope, (error) => {
      if (error && !this.closedBy) this.report(error, `notification ${method} not sent`);
    });
    return true;
  }

  /** Adds a handler for one of the other side's notifications; a throwing handler is reported, never propagated. */
  on<M extends Methods<Remote['notifications']>>(
    method: M,
    handler: (payload: Remote['notifications'][M]) => void | Promise<void>,
  ): () => void {
    return this.notifications.on(method, handler);
  }

  /** Called once when the channel closes, with the reason; immediately (next microtask) if it is already closed. */
  onClose(listener: (error: ChannelClosedError) => void): () => void {
    const closedBy = this.closedBy;
    if (closedBy) {
      queueMicrotask(() => listener(closedBy));
      return () => {};
    }
    return this.closeListeners.on('close', listener);
  }

  /** Rejects every pending request with ChannelClosedError, stops delivery and closes the pipe from this side. */
  close(reason = 'closed by this side'): void {
    if (this.closedBy) return;
    const closedBy = (this.closedBy = new ChannelClosedError(reason));
    this.detach();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(new ChannelClosedError(reason, p.method));
    }
    try {
      this.port.disconnect();
    } catch (error) {
      this.report(error, 'disconnect');
    }
    this.closeListeners.emit('close', closedBy);
    this.closeListeners.removeAll();
    this.notifications.removeAll();
  }

  private settle(id: number, action: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return; // already timed out or rejected: a late response is dropped
    this.pending.delete(id);
    clearTimeout(p.timer);
    action(p);
  }

  private receive(raw: unknown): void {
    if (this.closedBy) return;
    const envelope = parseEnvelope(raw);
    if (!envelope) {
      this.report(new Error('malformed message dropped'), 'receive');
      return;
    }
    switch (envelope.t) {
      case 'res':
        this.settle(envelope.id, (p) => p.resolve(envelope.r));
        return;
      case 'err':
        this.settle(envelope.id, (p) => p.reject(new IpcRemoteError(p.method, envelope.e.name, envelope.e.message)));
        return;
      case 'note':
        this.notifications.emit(envelope.m as Methods<Remote['notifications']>, envelope.p as never);
        return;
      case 'req':
        void this.serve(envelope.id, envelope.m, envelope.p);
    }
  }

  private async serve(id: number, method: string, params: JsonObject): Promise<void> {
    const handler = this.handlers.get(method);
    let reply: Envelope;
    if (!handler) {
      reply = { t: 'err', id, e: { name: 'IpcUnknownMethod', message: `no handler for ${method}` } };
    } else {
      try {
        reply = { t: 'res', id, r: (await handler(params)) ?? {} };
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        reply = { t: 'err', id, e: { name: e.name, message: e.message } };
      }
    }
    if (this.closedBy) return;
    let bytes: number;
    try {
      bytes = envelopeBytes(reply);
    } catch (error) {
      this.report(error, `result of ${method} is not JSON`);
      reply = { t: 'err', id, e: { name: 'IpcError', message: `result of ${method} is not JSON` } };
      bytes = 0;
    }
    if (bytes > this.maxBytes) {
      const tooLarge = new IpcMessageTooLargeError(method, bytes, this.maxBytes);
      reply = { t: 'err', id, e: { name: tooLarge.name, message: tooLarge.message } };
    }
    this.port.send(reply, (error) => {
      if (error && !this.closedBy) this.report(error, `response to ${method} not sent`);
    });
  }
}

import { randomUUID } from 'node:crypto';
import { DomainError, type DomainErrorKind } from '../kernel/domain-error.ts';
import type { RedisLink } from './redis.ts';

type Handler = (args: unknown) => Promise<unknown>;
type Listener = (payload: unknown, from: string) => void;

interface Request {
  id: string;
  from: string;
  method: string;
  args: unknown;
  /** Epoch ms after which the caller no longer waits: the callee skips work that would answer nobody. */
  deadline: number;
}

interface Reply {
  id: string;
  value?: unknown;
  error?: { kind: DomainErrorKind; message: string };
}

interface Broadcast {
  from: string;
  topic: string;
  payload: unknown;
}

/** Requests and broadcasts larger than this are refused before they reach Redis (control calls are small). */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Messages between nodes over Redis pub/sub: request/response to one node (with a deadline: a node that does not
 * answer in time is an error the REST caller sees as 503, never a hung request) and broadcasts to every node (cache
 * invalidations). A DomainError thrown by the remote handler arrives as the same DomainError here, so a control call
 * executed on another node answers with the same FRTC errorCode as a local one.
 */
export class ClusterBus {
  private readonly handlers = new Map<string, Handler>();
  private readonly listeners = new Map<string, Listener[]>();
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly redis: RedisLink,
    private readonly nodeId: string,
    private readonly onError: (err: unknown, what: string) => void,
  ) {}

  private channel(name: string): string {
    return `${this.redis.prefix}${name}`;
  }

  async start(): Promise<void> {
    const { subscriber } = this.redis;
    subscriber.on('message', (channel: string, text: string) => this.receive(channel, text));
    await subscriber.subscribe(this.channel(`rpc:${this.nodeId}`), this.channel(`reply:${this.nodeId}`), this.channel('broadcast'));
  }

  stop(): void {
    for (const [id, call] of this.pending) {
      clearTimeout(call.timer);
      call.reject(new DomainError('service.unavailable', 'this node is shutting down'));
      this.pending.delete(id);
    }
  }

  /** Answers `method` requests from other nodes. */
  serve(method: string, handler: Handler): void {
    this.handlers.set(method, handler);
  }

  /** Receives broadcasts on `topic` (also this node's own). */
  on(topic: string, listener: Listener): void {
    this.listeners.set(topic, [...(this.listeners.get(topic) ?? []), listener]);
  }

  async broadcast(topic: string, payload: unknown): Promise<void> {
    const message: Broadcast = { from: this.nodeId, topic, payload };
    await this.redis.command.publish(this.channel('broadcast'), encode(message));
  }

  /** Runs `method` on node `nodeId` and returns its answer; fails with service.unavailable after `timeoutMs`. */
  async call<T>(nodeId: string, method: string, args: unknown, timeoutMs: number): Promise<T> {
    const request: Request = { id: randomUUID(), from: this.nodeId, method, args, deadline: Date.now() + timeoutMs };
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(request.id);
        reject(new DomainError('service.unavailable', `node ${nodeId} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(request.id, { resolve, reject, timer });
    });
    let receivers: number;
    try {
      receivers = await this.redis.command.publish(this.channel(`rpc:${nodeId}`), encode(request));
    } catch (err) {
      this.settle(request.id, { id: request.id, error: { kind: 'service.unavailable', message: `cluster messaging unavailable: ${(err as Error).message}` } });
      return answer as Promise<T>;
    }
    if (receivers === 0) this.settle(request.id, { id: request.id, error: { kind: 'service.unavailable', message: `node ${nodeId} is not reachable` } });
    return answer as Promise<T>;
  }

  private receive(channel: string, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (err) {
      return this.onError(err, `unreadable cluster message on ${channel}`);
    }
    if (channel === this.channel('broadcast')) {
      const b = message as Broadcast;
      for (const listener of this.listeners.get(b.topic) ?? []) {
        try {
          listener(b.payload, b.from);
        } catch (err) {
          this.onError(err, `cluster broadcast ${b.topic}`);
        }
      }
    } else if (channel === this.channel(`reply:${this.nodeId}`)) {
      const reply = message as Reply;
      this.settle(reply.id, reply);
    } else {
      void this.answer(message as Request);
    }
  }

  private settle(id: string, reply: Reply): void {
    const call = this.pending.get(id);
    if (!call) return;
    this.pending.delete(id);
    clearTimeout(call.timer);
    if (reply.error) call.reject(new DomainError(reply.error.kind, reply.error.message));
    else call.resolve(reply.value);
  }

  private async answer(request: Request): Promise<void> {
    if (Date.now() > request.deadline) return;
    const handler = this.handlers.get(request.method);
    let reply: Reply;
    try {
      if (!handler) throw new DomainError('service.unavailable', `node ${this.nodeId} does not serve ${request.method}`);
      reply = { id: request.id, value: (await handler(request.args)) ?? null };
    } catch (err) {
      if (!(err instanceof DomainError)) this.onError(err, `cluster request ${request.method}`);
      reply = { id: request.id, error: err instanceof DomainError ? { kind: err.kind, message: err.message } : { kind: 'internal', message: 'the node failed to answer' } };
    }
    try {
      await this.redis.command.publish(this.channel(`reply:${request.from}`), encode(reply));
    } catch (err) {
      this.onError(err, `replying to ${request.method}`);
    }
  }
}

function encode(message: unknown): string {
  const text = JSON.stringify(message);
  if (text.length > MAX_MESSAGE_BYTES) throw new DomainError('input.tooLong', 'cluster message too large');
  return text;
}

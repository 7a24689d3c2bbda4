import { availableParallelism } from 'node:os';
import { SafeEmitter } from '../../kernel/events.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_TIMEOUT_MS, type Report, type RequestOptions } from '../ipc/channel.ts';
import type { LogLevel, WorkerSide } from '../ipc/messages.ts';
import { WorkerProcess, type WorkerState } from './worker-process.ts';

export interface WorkerPoolOptions {
  /** Worker processes; 0 or absent = one per core (os.availableParallelism()). */
  workers?: number;
  /** Deadline of a request to a worker; default 5000 ms. */
  requestTimeoutMs?: number;
  /** Largest IPC message, as JSON bytes, in both directions; default 1 MiB. */
  maxMessageBytes?: number;
  /** Health ping period; default 5000 ms. */
  pingIntervalMs?: number;
  /** A ping unanswered this long declares the worker dead; default 3000 ms. */
  pingTimeoutMs?: number;
  /** A worker that has not reported ready this long after spawn is dead; default 15000 ms (tsx compiles on start). */
  startTimeoutMs?: number;
  /** close(): SIGTERM, then SIGKILL when a worker has not exited after this long; default 5000 ms. */
  stopTimeoutMs?: number;
  /** First restart delay; doubles per quick death in a row of the same slot, up to maxRestartDelayMs. Default 100. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** Replacements spawned in any 60 s, over the whole pool; more wait for the window. Default 10. */
  maxRestartsPerMinute?: number;
  /** Workers serve the diagnostic requests (sleep, block). Tests only. */
  diagnostics?: boolean;
  /** Where the workers' WebRTC transports listen: one IPv4 address ('' = every non-loopback interface). */
  iceAddress?: string;
  /** UDP port range for ICE, shared out between the workers; [0, 0] = any port. */
  icePorts?: [number, number];
  /** The ffmpeg program the workers' recorders run; default `ffmpeg`. */
  ffmpeg?: string;
  /** A recorder stops before its disk has less free space than this (MiB); default 0. */
  recordingMinFreeMb?: number;
  /** Failures with no caller to reject (a throwing listener, a malformed message); default console.error. */
  report?: Report;
}

export interface WorkerPoolEvents {
  workerReady: { workerId: number; pid: number };
  /** A worker was lost (exit, crash, disconnect, failed ping or start). Its rooms are gone from the pool. */
  workerDied: { workerId: number; pid: number | undefined; roomIds: string[]; reason: string };
  workerLog: { workerId: number; pid: number | undefined; level: LogLevel; msg: string };
  /** A room's forwarding changed for one viewer (relayed from its worker). */
  slots: WorkerSide['notifications']['slots'];
  speaker: WorkerSide['notifications']['speaker'];
  recorder: WorkerSide['notifications']['recorder'];
  rtpSilent: WorkerSide['notifications']['rtpSilent'];
}

export interface WorkerInfo {
  id: number;
  pid: number | undefined;
  state: WorkerState;
  roomIds: string[];
  /** Resident memory at the last answered ping (bytes); 0 before the first. */
  rss: number;
}

export class NoWorkerAvailableError extends Error {
  override name = 'NoWorkerAvailableError';
}
export class PoolClosedError extends Error {
  override name = 'PoolClosedError';
  constructor() {
    super('the media worker pool is closed');
  }
}
export class WorkerStartError extends Error {
  override name = 'WorkerStartError';
}

/** A worker that has lived this long since it became ready counts as healthy: its slot's backoff starts over. */
const STABLE_MS = 30_000;
const MINUTE = 60_000;

type Requests = WorkerSide['requests'];

/**
 * The media worker processes: spawn, room placement (least rooms first; a room stays on its worker), health pings,
 * and death handling: `workerDied` with the worker's rooms, then a replacement after a backoff. Single node: the
 * placement is local; a cluster would put another implementation behind the same engine port.
 */
export class WorkerPool {
  readonly size: number;
  private readonly opts: Required<Omit<WorkerPoolOptions, 'workers'>>;
  private readonly slots: Array<WorkerProcess | undefined>;
  /** Every process not yet exited, including dead ones being reaped: close() waits for all of them. */
  private readonly processes = new Set<WorkerProcess>();
  private readonly roomWorker = new Map<string, WorkerProcess>();
  private readonly opening = new Map<string, Promise<number>>();
  private readonly quickDeaths: number[];
  /** When replacements were (or are scheduled to be) spawned, for maxRestartsPerMinute. */
  private restartTimes: number[] = [];
  private readonly restartTimers = new Set<ReturnType<typeof setTimeout>>();
  private readonly events: SafeEmitter<WorkerPoolEvents>;
  private readonly readyWaiters = new Set<() => void>();
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private nextId = 1;
  private started = false;
  /** start() succeeded: from now on a lost worker is reported and replaced (a failed start() just stops them). */
  private running = false;
  private closing: Promise<void> | undefined;

  constructor(options: WorkerPoolOptions = {}) {
    const workers = options.workers ?? 0;
    if (!Number.isInteger(workers) || workers < 0) throw new RangeError('workers must be an integer ≥ 0');
    this.size = workers === 0 ? availableParallelism() : workers;
    this.opts = {
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      pingIntervalMs: options.pingIntervalMs ?? 5000,
      pingTimeoutMs: options.pingTimeoutMs ?? 3000,
      startTimeoutMs: options.startTimeoutMs ?? 15_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 5000,
      restartDelayMs: options.restartDelayMs ?? 100,
      maxRestartDelayMs: options.maxRestartDelayMs ?? 10_000,
      maxRestartsPerMinute: options.maxRestartsPerMinute ?? 10,
      diagnostics: options.diagnostics ?? false,
      iceAddress: options.iceAddress ?? '',
      icePorts: options.icePorts ?? [0, 0],
      ffmpeg: options.ffmpeg ?? 'ffmpeg',
      recordingMinFreeMb: options.recordingMinFreeMb ?? 0,
      report: options.report ?? ((error, context) => console.error(`${context}:`, error)),
    };
    this.slots = new Array<WorkerProcess | undefined>(this.size).fill(undefined);
    this.quickDeaths = new Array<number>(this.size).fill(0);
    this.events = new SafeEmitter((error, event) => this.opts.report(error, `WorkerPool listener of ${event}`));
  }

  /** Spawns the workers and resolves when all are ready; rejects (after stopping them) if one fails to start. */
  async start(): Promise<void> {
    if (this.started || this.closing) throw new Error('WorkerPool.start() may be called once, before close()');
    this.started = true;
    const all = this.slots.map((_, slot) => this.spawn(slot));
    try {
      await Promise.all(
        all.map(
          (worker) =>
            new Promise<void>((resolve, reject) => {
              worker.channel.onClose((e) => reject(new WorkerStartError(`media worker ${worker.id}: ${e.reason}`)));
              worker.channel.on('ready', () => resolve());
            }),
        ),
      );
    } catch (error) {
      await this.close();
      throw error;
    }
    this.running = true;
    this.pingTimer = setInterval(() => this.pingAll(), this.opts.pingIntervalMs);
    this.pingTimer.unref();
  }

  on<K extends keyof WorkerPoolEvents>(event: K, listener: (payload: WorkerPoolEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  /**
   * Opens the room on the ready worker with the fewest rooms, or returns its worker if it is open (or opening)
   * already; resolves with the worker id. Waits for a starting worker when none is ready, up to the request deadline.
   */
  openRoom(roomId: string): Promise<number> {
    if (this.closing) return Promise.reject(new PoolClosedError());
    const placed = this.roomWorker.get(roomId);
    if (placed) return this.opening.get(roomId) ?? Promise.resolve(placed.id);
    const opening = this.place(roomId).finally(() => this.opening.delete(roomId));
    this.opening.set(roomId, opening);
    return opening;
  }

  /** Closes the room on its worker; a room the pool does not hold (never opened, or lost with its worker) is a no-op. */
  async closeRoom(roomId: string): Promise<void> {
    await this.opening.get(roomId)?.catch(() => undefined);
    const worker = this.roomWorker.get(roomId);
    if (!worker) return;
    this.roomWorker.delete(roomId);
    worker.rooms.delete(roomId);
    if (worker.state === 'ready') await worker.channel.request('closeRoom', { roomId });
  }

  /** The id of the worker holding the room, if any. */
  workerOf(roomId: string): number | undefined {
    return this.roomWorker.get(roomId)?.id;
  }

  workers(): WorkerInfo[] {
    return this.slots
      .filter((w): w is WorkerProcess => w !== undefined)
      .map((w) => ({ id: w.id, pid: w.pid, state: w.state, roomIds: [...w.rooms], rss: w.rss }));
  }

  /** A request to one worker, bypassing placement (for the engine adapter's per-room calls and diagnostics). */
  request<M extends keyof Requests & string>(
    workerId: number,
    method: M,
    params: Requests[M]['params'],
    options?: RequestOptions,
  ): Promise<Requests[M]['result']> {
    const worker = this.slots.find((w) => w?.id === workerId);
    if (!worker || worker.state !== 'ready') return Promise.reject(new NoWorkerAvailableError(`media worker ${workerId} is not ready`));
    return worker.channel.request(method, params, options);
  }

  /** Stops every worker (SIGTERM, then SIGKILL after stopTimeoutMs) and resolves when all have exited. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.pingTimer);
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    for (const wake of this.readyWaiters) wake();
    await Promise.all([...this.processes].map((w) => w.stop(this.opts.stopTimeoutMs)));
    for (const w of this.slots) w?.rooms.clear();
    this.slots.fill(undefined);
    this.roomWorker.clear();
    this.events.removeAll();
  }

  private async place(roomId: string): Promise<number> {
    let worker = this.leastLoaded();
    if (!worker) {
      // A worker starting, or about to be restarted, is worth waiting for (up to the request deadline): a meeting whose
      // worker just died reopens on the replacement instead of failing.
      if (!this.slots.some((w) => w?.state === 'starting') && this.restartTimers.size === 0) throw new NoWorkerAvailableError('no media worker is running');
      await this.nextReady(this.opts.requestTimeoutMs);
      if (this.closing) throw new PoolClosedError();
      worker = this.leastLoaded();
      if (!worker) throw new NoWorkerAvailableError('no media worker became ready');
    }
    this.roomWorker.set(roomId, worker);
    worker.rooms.add(roomId);
    try {
      await worker.channel.request('openRoom', { roomId });
      return worker.id;
    } catch (error) {
      if (this.roomWorker.get(roomId) === worker) this.roomWorker.delete(roomId);
      worker.rooms.delete(roomId);
      // The worker may have opened it after all (a late answer): best effort, so it does not linger there.
      if (worker.state === 'ready') worker.channel.request('closeRoom', { roomId }).catch(() => undefined);
      throw error;
    }
  }

  private leastLoaded(): WorkerProcess | undefined {
    let best: WorkerProcess | undefined;
    for (const w of this.slots) if (w?.state === 'ready' && (!best || w.rooms.size < best.rooms.size)) best = w;
    return best;
  }

  private nextReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.readyWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.readyWaiters.add(wake);
    });
  }

  private spawn(slot: number): WorkerProcess {
    const worker = new WorkerProcess({
      id: this.nextId++,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      maxMessageBytes: this.opts.maxMessageBytes,
      startTimeoutMs: this.opts.startTimeoutMs,
      diagnostics: this.opts.diagnostics,
      args: this.workerArgs(slot),
      report: this.opts.report,
      onReady: (w) => {
        this.events.emit('workerReady', { workerId: w.id, pid: w.pid ?? 0 });
        for (const wake of [...this.readyWaiters]) wake();
      },
      onDeath: (w, reason) => this.lost(w, slot, reason),
      onLog: (w, level, msg) => this.events.emit('workerLog', { workerId: w.id, pid: w.pid, level, msg }),
    });
    worker.channel.on('slots', (payload) => this.events.emit('slots', payload));
    worker.channel.on('speaker', (payload) => this.events.emit('speaker', payload));
    worker.channel.on('recorder', (payload) => this.events.emit('recorder', payload));
    worker.channel.on('rtpSilent', (payload) => this.events.emit('rtpSilent', payload));
    this.slots[slot] = worker;
    this.processes.add(worker);
    void worker.exited.then(() => this.processes.delete(worker));
    return worker;
  }

  /** Each worker slot gets its own share of the ICE port range, so workers never compete for a port. */
  private workerArgs(slot: number): string[] {
    const args = [`--ffmpeg=${this.opts.ffmpeg}`, `--recording-min-free-mb=${this.opts.recordingMinFreeMb}`];
    if (this.opts.iceAddress) args.push(`--ice-address=${this.opts.iceAddress}`);
    const [min, max] = this.opts.icePorts;
    if (min > 0 && max > min) {
      const share = Math.floor((max - min + 1) / this.size);
      if (share >= 2) args.push(`--ice-ports=${min + slot * share}-${min + (slot + 1) * share - 1}`);
    }
    return args;
  }

  private lost(worker: WorkerProcess, slot: number, reason: string): void {
    if (this.slots[slot] === worker) this.slots[slot] = undefined;
    const roomIds = [...worker.rooms];
    worker.rooms.clear();
    for (const id of roomIds) if (this.roomWorker.get(id) === worker) this.roomWorker.delete(id);
    if (this.closing || !this.running) return;
    this.events.emit('workerDied', { workerId: worker.id, pid: worker.pid, roomIds, reason });
    this.scheduleRestart(slot, worker);
  }

  private scheduleRestart(slot: number, dead: WorkerProcess): void {
    const now = Date.now();
    const stable = dead.readyAt > 0 && now - dead.readyAt >= STABLE_MS;
    const inARow = (this.quickDeaths[slot] = stable ? 0 : (this.quickDeaths[slot] ?? 0) + 1);
    let delay = Math.min(this.opts.maxRestartDelayMs, this.opts.restartDelayMs * 2 ** Math.max(0, inARow - 1));
    this.restartTimes = this.restartTimes.filter((t) => t > now - MINUTE).sort((a, b) => a - b);
    if (this.restartTimes.length >= this.opts.maxRestartsPerMinute) {
      const oldest = this.restartTimes[this.restartTimes.length - this.opts.maxRestartsPerMinute]!;
      delay = Math.max(delay, oldest + MINUTE - now);
      this.opts.report(
        new Error(`${this.restartTimes.length} media worker restarts in the last minute`),
        `WorkerPool: next restart of slot ${slot} in ${delay} ms`,
      );
    }
    this.restartTimes.push(now + delay);
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (!this.closing) this.spawn(slot);
    }, delay);
    this.restartTimers.add(timer);
  }

  private pingAll(): void {
    for (const worker of this.slots) {
      if (!worker || worker.state !== 'ready' || worker.pinging) continue;
      worker.pinging = true;
      worker.channel
        .request('ping', {}, { timeoutMs: this.opts.pingTimeoutMs })
        .then(({ rss }) => {
          worker.rss = rss;
        })
        .catch((error: Error) => {
          if (worker.state !== 'dead') worker.fail(`ping failed: ${error.message}`);
        })
        .finally(() => {
          worker.pinging = false;
        });
    }
  }
}

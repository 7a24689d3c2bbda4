import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Channel, type Report } from '../ipc/channel.ts';
import type { LogLevel, SupervisorSide, WorkerSide } from '../ipc/messages.ts';
import { childPort } from '../ipc/port.ts';

const WORKER_ENTRY = fileURLToPath(new URL('../worker/main.ts', import.meta.url));
/**
 * The worker runs the TypeScript sources through tsx, as bin/convene.js does for the server. Resolved to an absolute
 * URL here, because a bare `--import tsx` would be resolved from the server's working directory, which need not be
 * the installation.
 */
const TSX_LOADER = import.meta.resolve('tsx');

/**
 * CONVENE_MEDIA_PROFILE_DIR=<dir> writes a V8 CPU profile of each media worker into <dir> when it exits (a diagnostic
 * for operators and the media benchmark; NODE_OPTIONS cannot carry --cpu-prof).
 */
const profiling = (): string[] => {
  const dir = process.env.CONVENE_MEDIA_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
};

export type WorkerState = 'starting' | 'ready' | 'dead';

export interface WorkerProcessOptions {
  id: number;
  requestTimeoutMs: number;
  maxMessageBytes: number;
  startTimeoutMs: number;
  diagnostics: boolean;
  /** Extra worker arguments (ICE settings). */
  args: readonly string[];
  report: Report;
  onReady(worker: WorkerProcess): void;
  /** Once, when the worker is lost (exit, crash, disconnect, failed start, fail()); never after stop(). */
  onDeath(worker: WorkerProcess, reason: string): void;
  onLog(worker: WorkerProcess, level: LogLevel, msg: string): void;
}

/** One media worker process and its channel: start, readiness, death detection, stop. Placement is WorkerPool's. */
export class WorkerProcess {
  readonly id: number;
  readonly child: ChildProcess;
  readonly channel: Channel<SupervisorSide, WorkerSide>;
  /** Resolves when the process has exited (and has been reaped). */
  readonly exited: Promise<void>;
  /** Rooms placed on this worker (including rooms being opened). */
  readonly rooms = new Set<string>();
  state: WorkerState = 'starting';
  readyAt = 0;
  rss = 0;
  pinging = false;
  private stopping = false;
  private hasExited = false;
  private readonly startTimer: ReturnType<typeof setTimeout>;

  constructor(private readonly options: WorkerProcessOptions) {
    this.id = options.id;
    const args = [`--max-message-bytes=${options.maxMessageBytes}`, ...(options.diagnostics ? ['--diagnostics'] : []), ...options.args];
    this.child = fork(WORKER_ENTRY, args, {
      execArgv: ['--import', TSX_LOADER, ...profiling()],
      serialization: 'json',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => {
      const done = () => {
        this.hasExited = true;
        resolve();
      };
      this.child.once('exit', done);
      // A process that could not be spawned has no pid and may never emit 'exit'.
      this.child.on('error', (error) => {
        if (this.child.pid === undefined) {
          done();
          this.die(`could not start: ${error.message}`);
        } else {
          options.report(error, `media worker ${this.id}`);
        }
      });
    });
    this.channel = new Channel<SupervisorSide, WorkerSide>(childPort(this.child), {
      name: `media worker ${this.id}`,
      timeoutMs: options.requestTimeoutMs,
      maxMessageBytes: options.maxMessageBytes,
      report: options.report,
    });
    this.channel.on('ready', () => {
      if (this.state !== 'starting') return;
      clearTimeout(this.startTimer);
      this.state = 'ready';
      this.readyAt = Date.now();
      options.onReady(this);
    });
    this.channel.on('log', ({ level, msg }) => options.onLog(this, level, msg));
    this.channel.onClose((closed) => this.die(closed.reason));
    this.startTimer = setTimeout(() => {
      if (this.state === 'starting') this.fail(`did not start within ${options.startTimeoutMs} ms`);
    }, options.startTimeoutMs);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Declares the worker lost (e.g. a failed ping): kills it with SIGKILL and reports its death. */
  fail(reason: string): void {
    this.die(reason);
  }

  /** Orderly stop: closes the channel (the worker exits by itself), SIGTERM, then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.startTimer);
    this.channel.close('pool closing');
    if (this.hasExited) return;
    this.child.kill('SIGTERM');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  private die(reason: string): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    clearTimeout(this.startTimer);
    this.channel.close(reason);
    if (this.stopping) return; // stop() ends the process itself, with SIGTERM first
    if (!this.hasExited && this.child.pid !== undefined) this.child.kill('SIGKILL');
    this.options.onDeath(this, reason);
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

/** After SIGINT, how long ffmpeg may take to finish its output before it is killed (the remux at finalising repairs). */
const STOP_TIMEOUT_MS = 10_000;
/** How often the free space of the output's disk is checked. */
const DISK_CHECK_MS = 2000;
/** A run shorter than this counts as a failure to start; RESTARTS_IN_A_ROW of them in a row give up. */
const QUICK_EXIT_MS = 5000;
const RESTARTS_IN_A_ROW = 3;
const RESTART_DELAY_MS = 500;

export interface FfmpegEvents {
  /** A run started writing its part. */
  writing(part: number): void;
  /** A run ended unexpectedly; another starts on the next part. */
  restarting(message: string): void;
  /** The supervisor is done: no ffmpeg runs any more. */
  ended(reason: 'stopped' | 'diskFull' | 'failed', message: string): void;
}

export interface FfmpegOptions {
  /** The ffmpeg program. */
  ffmpeg: string;
  /** The arguments of run `part`. */
  args(part: number): string[];
  /** The first part's number (parts already in the output's folder are kept). */
  firstPart: number;
  /** Where ffmpeg writes: its disk's free space is watched. */
  outputDir: string;
  /** Below this many free bytes there, the recorder stops (before the disk is full, so the file is finished). */
  minFreeBytes: number;
  /** Where each run's messages go (a file: a pipe to a dead worker would kill ffmpeg with SIGPIPE mid-write). */
  logDir: string;
}

/**
 * One recorder's ffmpeg, supervised beside the worker that feeds it: started, restarted on a new part when it dies
 * (not when it keeps dying at once), stopped with SIGINT while the recorder still sends (ffmpeg only finishes its
 * output when its input is alive: stopped once the RTP has stopped, it hangs), killed when it takes too long.
 *
 * ffmpeg runs in its own process group, so a Ctrl-C meant for the server does not cut a recording short before the
 * server has stopped it properly; and when the worker dies, ffmpeg's input times out (`-listen_timeout`) and it
 * finishes the file on its own.
 */
export class FfmpegProcess {
  private child: ChildProcess | undefined;
  private part: number;
  private startedAt = 0;
  private quickExits = 0;
  private stopping: 'stopped' | 'diskFull' | undefined;
  private done = false;
  private readonly diskTimer: ReturnType<typeof setInterval>;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private killTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly exited: Promise<void>;
  private resolveExited!: () => void;

  constructor(
    private readonly options: FfmpegOptions,
    private readonly events: FfmpegEvents,
  ) {
    this.part = options.firstPart;
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.diskTimer = setInterval(() => this.checkDisk(), DISK_CHECK_MS);
    this.diskTimer.unref();
  }

  /** Starts the first run; resolves once ffmpeg is running, rejects when it cannot be started at all. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.freeBytes() < this.options.minFreeBytes) {
        this.finish('diskFull', 'the disk of the recordings is (nearly) full');
        reject(new Error('the disk of the recordings is (nearly) full'));
        return;
      }
      const child = this.run();
      child.once('spawn', () => resolve());
      child.once('error', (error) => reject(error));
    });
  }

  /** The part the current run writes. */
  get currentPart(): number {
    return this.part;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Finishes: SIGINT, then SIGKILL after STOP_TIMEOUT_MS. Resolves when ffmpeg has exited (and `ended` was told). */
  stop(reason: 'stopped' | 'diskFull' = 'stopped'): Promise<void> {
    this.stopping ??= reason;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) {
      this.finish(this.stopping, '');
      return this.exited;
    }
    child.kill('SIGINT');
    this.killTimer ??= setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    return this.exited;
  }

  /** Kills ffmpeg at once (the worker is exiting and cannot wait); what it wrote is repaired when finalised. */
  kill(): void {
    this.stopping ??= 'stopped';
    clearTimeout(this.restartTimer);
    this.child?.kill('SIGKILL');
    if (!this.child) this.finish(this.stopping, '');
  }

  private run(): ChildProcess {
    const log = join(this.options.logDir, `ffmpeg-${this.part}.log`);
    const fd = openSync(log, 'w');
    const child = spawn(this.options.ffmpeg, this.options.args(this.part), { stdio: ['ignore', 'ignore', fd], detached: true });
    closeSync(fd);
    this.child = child;
    this.startedAt = Date.now();
    const part = this.part;
    child.once('spawn', () => this.events.writing(part));
    child.once('error', (error) => {
      // Not started at all (no such program): nothing to restart.
      if (this.child === child) this.child = undefined;
      this.finish('failed', `ffmpeg could not be started (${this.options.ffmpeg}): ${error.message}`);
    });
    child.once('exit', (code, signal) => this.exit(child, log, code, signal));
    return child;
  }

  private exit(child: ChildProcess, log: string, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    clearTimeout(this.killTimer);
    this.killTimer = undefined;
    if (this.done) return;
    if (this.stopping) return this.finish(this.stopping, '');
    const tail = lastLines(log);
    if (/No space left on device/i.test(tail) || this.freeBytes() < this.options.minFreeBytes) {
      return this.finish('diskFull', 'the disk of the recordings is full');
    }
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    this.quickExits = Date.now() - this.startedAt < QUICK_EXIT_MS ? this.quickExits + 1 : 0;
    if (this.quickExits >= RESTARTS_IN_A_ROW) return this.finish('failed', `ffmpeg ${how} ${this.quickExits} times in a row: ${tail}`);
    this.part++;
    this.events.restarting(`ffmpeg ${how}${tail ? `: ${tail}` : ''}; continuing in a new part`);
    this.restartTimer = setTimeout(() => {
      if (!this.stopping && !this.done) this.run();
      else this.finish(this.stopping ?? 'stopped', '');
    }, RESTART_DELAY_MS);
  }

  private checkDisk(): void {
    if (this.done || this.stopping) return;
    if (this.freeBytes() < this.options.minFreeBytes) void this.stop('diskFull');
  }

  private freeBytes(): number {
    try {
      const s = statfsSync(this.options.outputDir);
      return s.bavail * s.bsize;
    } catch {
      return Infinity; // cannot tell: ffmpeg's own write errors decide
    }
  }

  private finish(reason: 'stopped' | 'diskFull' | 'failed', message: string): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.diskTimer);
    clearTimeout(this.restartTimer);
    this.events.ended(reason, message || (reason === 'diskFull' ? 'the disk of the recordings is full' : ''));
    this.resolveExited();
  }
}

/** The last lines of a run's log, for messages (ffmpeg's own words on why it stopped). */
function lastLines(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' / ').slice(-500);
  } catch {
    return '';
  }
}

/**
 * What the media benchmarks share (bench/media.ts, bench/recording.ts): CPU and socket counters of processes from
 * /proc, the server under test in its own process with one media worker, the peers' processes (bench/media-peers.ts)
 * driven over IPC, the raw UDP relay, sign-in and meetings.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIGNAL_PATH } from '../contract/signal/protocol.ts';
import { clientSecret } from '../src/accounts/secret.ts';
import { HttpsClient } from '../test/support/client.ts';
import { onlyLoopback } from '../test/support/media.ts';
import { freePort } from '../test/support/postgres.ts';
import type { Meeting, PeersCommand, PeersReply } from './media-peers.ts';
import { stopDriver } from './support.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '..');
const BIN = join(ROOT, 'bin', 'convene.js');
const PEERS = join(HERE, 'media-peers.ts');
const RELAY = join(HERE, 'media-relay.ts');
export const ADMIN_PASSWORD = 'Bench-Admin-Passw0rd!';
export const HOST_CLIENT_ID = 'bench-media-host';
/** Nice value of every process of a measure (see prioritise). */
export const PRIORITY = -10;
/** Kernel clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`; 100 on Linux x86-64). */
const CLK_TCK = 100;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Exit status when no loopback-only namespace can be had (bench/run.ts reports the measure as skipped). */
export const NOT_ISOLATED_EXIT = 3;

/**
 * WebRTC stacks gather candidates on every interface: a media measure runs only in a network namespace with nothing
 * but lo. Outside one, the script (`scriptUrl`, its import.meta.url) runs itself again under
 * `unshare -n bash -c 'ip link set lo up && exec …'` (root only) and this process exits with its status; without root
 * it says so and exits with NOT_ISOLATED_EXIT. Inside one, it returns.
 */
export async function ensureIsolated(scriptUrl: string, name: string): Promise<void> {
  if (onlyLoopback()) return;
  const isRoot = process.getuid?.() === 0;
  const canUnshare = isRoot && spawnSync('unshare', ['-n', 'true']).status === 0;
  if (!canUnshare) {
    console.log(
      `# ${name} bench skipped: WebRTC may only run in a network namespace with nothing but lo, and making one needs root` +
        ` (unshare -n)${isRoot ? ', which failed here' : '; run it as root, or from inside such a namespace'}`,
    );
    process.exit(NOT_ISOLATED_EXIT);
  }
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const inner = [process.execPath, ...process.execArgv, fileURLToPath(scriptUrl), ...process.argv.slice(2)].map(quote).join(' ');
  const child = spawn('unshare', ['-n', 'bash', '-c', `ip link set lo up && exec ${inner}`], { stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  process.exit(code ?? 1);
}

// ---- processes --------------------------------------------------------------------------------------------------

/** CPU time (user + system) of a process (or, with `thread`, of that one thread) so far, seconds; NaN once it is gone. */
export function cpuSeconds(pid: number, thread?: number): number {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/**
 * Datagrams the kernel dropped so far because a UDP socket's receive buffer was full (the `drops` column of
 * /proc/net/udp), summed over the sockets each of `pids` holds: where loss happens, at the worker or at a receiver.
 */
export function udpDrops(pids: number[]): number[] {
  const dropsByInode = new Map<string, number>();
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 13) dropsByInode.set(f[9]!, Number(f.at(-1)));
  }
  return pids.map((pid) => {
    let sum = 0;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          if (inode) sum += dropsByInode.get(inode) ?? 0;
        } catch {
          // closed meanwhile
        }
      }
    } catch {
      return NaN;
    }
    return sum;
  });
}

/** Time the main thread of a process has spent runnable but waiting for a CPU so far, seconds (/proc/<pid>/schedstat). */
export function runQueueSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return NaN;
  }
}

/**
 * Raises the scheduling priority of every thread of the processes (nice −10, root only): on this shared machine the
 * processes of the measure should not wait for a CPU while unrelated jobs run. Threads started later inherit it from
 * the thread that starts them. Applied alike to the SFU, the relay and the peers.
 */
export function prioritise(pids: number[]): void {
  for (const pid of pids) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) setPriority(Number(tid), PRIORITY);
    } catch {
      // not root, or gone: the measure runs at the normal priority
    }
  }
}

/** The child of `parent` whose command line contains `needle`. */
export function childPid(parent: number, needle: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

export interface Server {
  url: string;
  http: HttpsClient;
  pid: number;
  workerPid: number;
  stop(): Promise<void>;
}

/** `convene serve` in its own process with the SFU on (one worker); resolves once /healthz answers and the worker runs. */
export async function startServer(dataDir: string, profileDir: string | undefined, extraEnv: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CONVENE_') && k !== 'DATABASE_URL' && k !== 'NODE_OPTIONS') env[k] = v;
  Object.assign(env, {
    CONVENE_DATA_DIR: dataDir,
    CONVENE_HOST: '127.0.0.1',
    CONVENE_HTTPS_PORT: String(port),
    CONVENE_LOG_LEVEL: 'warn',
    CONVENE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    CONVENE_MAX_CALLS: '1000',
    CONVENE_MEDIA: 'true',
    CONVENE_MEDIA_ADDRESS: '127.0.0.1',
    CONVENE_MEDIA_WORKERS: '1',
    // A V8 CPU profile of the media worker, written when it exits (src/media/pool/worker-process.ts).
    ...(profileDir ? { CONVENE_MEDIA_PROFILE_DIR: profileDir } : {}),
    ...extraEnv,
  });
  const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `https://127.0.0.1:${port}`;
  const http = new HttpsClient(url);
  const stop = async () => {
    http.close();
    await stopChild(child);
  };
  try {
    await until('the server answering /healthz', 60_000, async () => {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
      return (await http.call('GET', '/healthz').catch(() => undefined))?.status === 200 ? true : undefined;
    });
    const workerPid = await until('the media worker', 30_000, () => childPid(child.pid!, 'media/worker/main.ts'));
    return { url, http, pid: child.pid!, workerPid, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export type Answer<C extends PeersCommand> = Exclude<Extract<PeersReply, { cmd: C['cmd'] }>, { error: string }>;

/** One bench/media-peers.ts process. */
export class Peers {
  private readonly waiting = new Map<string, (r: PeersReply) => void>();
  private readonly exited: Promise<unknown>;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = once(child, 'exit');
    child.on('message', (m: PeersReply) => {
      const w = this.waiting.get(m.cmd);
      this.waiting.delete(m.cmd);
      w?.(m);
    });
    void this.exited.then(() => {
      for (const [cmd, w] of this.waiting) w({ cmd: cmd as PeersCommand['cmd'], error: `peer process ${label} exited` });
      this.waiting.clear();
    });
  }

  static async start(label: string): Promise<Peers> {
    const child = spawn(process.execPath, ['--import', 'tsx', PEERS], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await once(child, 'spawn');
    return new Peers(label, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  async call<C extends PeersCommand>(command: C, timeoutMs = 120_000): Promise<Answer<C>> {
    const reply = new Promise<PeersReply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label}: no answer to ${command.cmd} within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.set(command.cmd, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    this.child.send(command);
    const r = await reply;
    if ('error' in r) throw new Error(`${this.label}: ${command.cmd} failed: ${r.error}`);
    return r as Answer<C>;
  }

  stop(): Promise<void> {
    return stopDriver(this.child, this.exited, { cmd: 'stop' } satisfies PeersCommand);
  }
}

export interface Relay {
  child: ChildProcess;
  port: number;
  setTargets(ports: number[]): Promise<void>;
}

export async function startRelay(): Promise<Relay> {
  const child = spawn(process.execPath, ['--import', 'tsx', RELAY], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [first] = (await once(child, 'message')) as [{ port: number }];
  return {
    child,
    port: first.port,
    async setTargets(ports) {
      child.send({ targets: ports });
      await once(child, 'message');
    },
  };
}

export async function signIn(http: HttpsClient): Promise<string> {
  const r = await http.call('POST', '/api/v1/user/sign_in', { query: { client_id: HOST_CLIENT_ID }, body: { username: 'admin', secret: clientSecret(ADMIN_PASSWORD) } });
  if (r.status !== 200) throw new Error(`admin sign-in failed: ${r.status} ${r.text}`);
  return r.body.user_token as string;
}

/** An instant meeting of the admin that guests may join with its password. */
export async function newMeeting(server: Server, token: string, name: string): Promise<Meeting> {
  const r = await server.http.call('POST', '/api/v1/meeting_schedule', {
    query: { client_id: HOST_CLIENT_ID, token },
    body: { meeting_type: 'instant', meeting_name: name, guest_dial_in: true, mute_upon_entry: 'DISABLE' },
  });
  if (r.status !== 200 || !r.body.meeting_number) throw new Error(`instant meeting: ${r.status} ${r.text.slice(0, 300)}`);
  return { url: server.url.replace(/^https:/, 'wss:') + SIGNAL_PATH, meetingNumber: String(r.body.meeting_number), passcode: String(r.body.meeting_password ?? '') };
}


import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export interface LoadOptions {
  connections: number;
  /** Seconds of measured load. */
  duration: number;
  /** Seconds of load before measuring, thrown away (JIT, caches, connection set-up). */
  warmup: number;
}

export interface Measure {
  name: string;
  /** Mean requests per second over the measured seconds. */
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Server CPU time (user + system) per request, µs: less sensitive than req/s to other load on the machine. */
  cpuPerRequest: number;
}

export interface Child {
  url: string;
  pid: number;
  /** The child's CPU time so far, µs. */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./server-child.ts', import.meta.url));

/** Every server process started so far, to tell `--cpu-prof` files (named by pid) apart. */
export const startedChildren: { pid: number; label: string }[] = [];

/**
 * Starts `server-child.ts <kind>` in its own Node process (same flags for every kind), configured through `env`,
 * and resolves once it listens. `nodeArgs` go before the script (e.g. --cpu-prof).
 */
export async function startChild(kind: 'bare' | 'bare-signal' | 'convene', env: Record<string, string>, nodeArgs: string[] = [], label: string = kind): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', CHILD, kind], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  startedChildren.push({ pid: child.pid!, label });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('error', reject);
    void exited.then(([code]) => reject(new Error(`${kind} server exited with ${code} before listening`)));
  });
  return {
    url: `https://127.0.0.1:${port}`,
    pid: child.pid!,
    cpu() {
      return new Promise((resolve) => {
        const onMessage = (m: unknown) => {
          if (typeof m !== 'object' || m === null || !('cpu' in m)) return;
          child.off('message', onMessage);
          resolve((m as { cpu: number }).cpu);
        };
        child.on('message', onMessage);
        child.send('cpu');
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      // Requests autocannon sent just before it stopped may still be queued in the server: let them finish first.
      await new Promise((r) => setTimeout(r, 500));
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Warm-up, then a measured run at a fixed number of connections; fails when any response is not 2xx. */
export async function measure(name: string, child: Child, path: string, load: LoadOptions): Promise<Measure> {
  const base = { url: child.url + path, connections: load.connections, pipelining: 1, timeout: 10, tlsOptions: { rejectUnauthorized: false } };
  if (load.warmup > 0) check(name, await autocannon({ ...base, duration: load.warmup }));
  const cpuBefore = await child.cpu();
  const r = check(name, await autocannon({ ...base, duration: load.duration }));
  // At most one request per connection is still in flight when autocannon stops: served (CPU counted), not counted.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const cpu = (await child.cpu()) - cpuBefore;
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r['2xx'], cpuPerRequest: cpu / r['2xx'] };
}

function check(name: string, r: Awaited<ReturnType<typeof autocannon>>) {
  if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0 || r['2xx'] === 0) {
    throw new Error(`${name}: ${r['2xx']} ok, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts ${JSON.stringify(r.statusCodeStats)}`);
  }
  return r;
}

export const pad = (s: string | number, n: number) => String(s).padStart(n);
export const padEnd = (s: string | number, n: number) => String(s).padEnd(n);

/**
 * Asks a driver child process (one with an IPC channel) to stop with `stop`, and kills it if it has not exited 5 s
 * later; `exited` is its exit, awaited once it was asked.
 */
export async function stopDriver(child: ChildProcess, exited: Promise<unknown>, stop: object): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.send(stop);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Media tests: a test server with the SFU on (one worker, WebRTC bound to 127.0.0.1). WebRTC stacks gather candidates
 * on every interface and send connectivity checks to the peer's, so these tests only run in a network namespace that
 * has nothing but `lo` (scripts/test.ts runs every `*-media.test.ts` under `unshare -n`); `skipUnlessIsolated()` is the
 * guard they check first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { startTestServer, type TestServer } from './server.ts';

/** True when every network interface of this process's namespace is a loopback one. */
export function onlyLoopback(): boolean {
  return Object.values(networkInterfaces()).every((addresses) => (addresses ?? []).every((a) => a.internal));
}

export const NOT_ISOLATED = 'media tests run only in a network namespace with nothing but lo (npm test does that: unshare -n)';

/**
 * The `skip` of a WebRTC test: false inside a loopback-only namespace, else why not. Under CONVENE_REQUIRE_MEDIA=1 (CI)
 * being outside is an error instead: npm test leaves a file outside only when its name does not end in -media.test.ts,
 * and a skip there would hide that the test never ran.
 */
export function skipUnlessIsolated(): string | false {
  if (onlyLoopback()) return false;
  if (process.env.CONVENE_REQUIRE_MEDIA === '1') throw new Error(`${NOT_ISOLATED}; name a WebRTC test file *-media.test.ts`);
  return NOT_ISOLATED;
}

export function startMediaServer(overrides: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer('sqlite', { CONVENE_MEDIA: 'true', CONVENE_MEDIA_ADDRESS: '127.0.0.1', CONVENE_MEDIA_WORKERS: '1', ...overrides });
}

/** Pids of the media worker processes started by this process (a server started in-process). */
export function mediaWorkerPids(parent = process.pid): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('media/worker/main.ts')) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

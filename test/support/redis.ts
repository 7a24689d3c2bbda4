import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './postgres.ts';

export interface ThrowawayRedis {
  url: string;
  port: number;
  /** Stops the server (SIGKILL when `hard`), keeping its port, so `start()` brings it back at the same URL. */
  stop(hard?: boolean): Promise<void>;
  start(): Promise<void>;
  /** Stops the server for good and removes its directory. */
  remove(): Promise<void>;
}

/** Debian's redis-server, or undefined when it is not installed. */
export function findRedisServer(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/**
 * Why a test that needs Redis (and, with `postgres`, PostgreSQL) is skipped here, or false when it can run. With
 * CONVENE_REQUIRE_REDIS=1 (.ci/run) a missing one is an error instead of a skip.
 */
export function redisSkip(options: { postgres?: boolean } = {}): string | false {
  const missing = [...(findRedisServer() ? [] : ['redis-server (apt-get install redis-server)']), ...(options.postgres && !process.env.CONVENE_TEST_PG_URL ? ['PostgreSQL'] : [])];
  if (missing.length === 0) return false;
  if (process.env.CONVENE_REQUIRE_REDIS === '1') throw new Error(`CONVENE_REQUIRE_REDIS=1 but this is missing: ${missing.join(', ')}`);
  return `needs ${missing.join(' and ')}`;
}

/**
 * A private Redis on 127.0.0.1 in a temp directory, without persistence: made for one test run (or one test) and removed
 * after. It can be stopped and started again on the same port, which the cluster tests use to restart Redis.
 */
export async function startThrowawayRedis(binary = findRedisServer() ?? 'redis-server'): Promise<ThrowawayRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'convene-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const proc = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
      stdio: 'ignore',
    });
    child = proc;
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
      if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') return;
      await sleep(50);
    }
    throw new Error('redis-server did not answer within 5 s');
  };
  const stop = async (hard = false) => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async remove() {
      await stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

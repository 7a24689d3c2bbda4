/**
 * WorkerPool with real worker processes (no mocks): round trips, deadlines, placement, a worker killed with SIGKILL,
 * a wedged worker, bounded restarts, close() and a supervisor killed under its workers. Only processes this file
 * starts are signalled: pool workers whose PIDs the pool reports as its live children, and the fixture supervisor.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DomainError } from '../../src/kernel/domain-error.ts';
import { ChannelClosedError, IpcRemoteError, IpcTimeoutError } from '../../src/media/ipc/errors.ts';
import { PoolMediaEngine } from '../../src/media/pool/pool-engine.ts';
import { PoolClosedError, WorkerPool, type WorkerPoolEvents, type WorkerPoolOptions, WorkerStartError } from '../../src/media/pool/pool.ts';

/** The PID exists (it may be a zombie). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The PID runs: exists and is not a zombie waiting for whoever adopted it to reap it. */
function running(pid: number): boolean {
  if (!exists(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function next<K extends keyof WorkerPoolEvents>(
  pool: WorkerPool,
  event: K,
  timeoutMs = 10_000,
  match: (payload: WorkerPoolEvents[K]) => boolean = () => true,
): Promise<WorkerPoolEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    const off = pool.on(event, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

const pidOf = (pool: WorkerPool, workerId: number): number => {
  const pid = pool.workers().find((w) => w.id === workerId)?.pid;
  assert.ok(pid, `worker ${workerId} has a pid`);
  return pid;
};

function testPool(options: WorkerPoolOptions) {
  const reports: string[] = [];
  const pool = new WorkerPool({
    diagnostics: true,
    pingIntervalMs: 250,
    pingTimeoutMs: 1000,
    restartDelayMs: 20,
    stopTimeoutMs: 3000,
    report: (error, context) => reports.push(`${context}: ${(error as Error).message}`),
    ...options,
  });
  return { pool, reports };
}

describe('WorkerPool with two workers', () => {
  const { pool, reports } = testPool({ workers: 2 });
  const engine = new PoolMediaEngine(pool);
  /** Every worker PID this pool has had, for the close() check. */
  const pids = new Set<number>();
  pool.on('workerReady', ({ pid }) => pids.add(pid));

  before(async () => {
    await pool.start();
    for (const w of pool.workers()) pids.add(w.pid!);
  });
  after(() => pool.close());

  it('pool.start() spawns the workers, and ping round-trips to each with its pid and memory', async () => {
    const workers = pool.workers();
    assert.equal(workers.length, 2);
    for (const w of workers) {
      assert.equal(w.state, 'ready');
      const pong = await pool.request(w.id, 'ping', {});
      assert.equal(pong.pid, w.pid);
      assert.ok(pong.rss > 1_000_000, `rss ${pong.rss}`);
    }
  });

  it('pool.openRoom() places each room on the least-loaded worker and keeps a room on its worker', async () => {
    const placed = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((r) => pool.openRoom(r)));
    const [a, b] = pool.workers();
    assert.deepEqual([a!.roomIds.length, b!.roomIds.length], [2, 2]);
    assert.equal(new Set(placed).size, 2);
    assert.equal(await pool.openRoom('r1'), placed[0]);
    assert.equal(pool.workerOf('r3'), placed[2]);
    const [x, y] = await Promise.all([pool.openRoom('r5'), pool.openRoom('r5')]);
    assert.equal(x, y);
    for (const w of pool.workers()) {
      assert.deepEqual(await pool.request(w.id, 'roomCount', {}), { count: w.roomIds.length });
    }
    await pool.closeRoom('r5');
    assert.equal(pool.workerOf('r5'), undefined);
    assert.deepEqual(await pool.request(x, 'roomCount', {}), { count: 2 });
    await pool.closeRoom('never-opened');
  });

  it('a request past its deadline rejects with IpcTimeoutError, and the worker stays healthy', async () => {
    const w = pool.workers()[0]!;
    const started = Date.now();
    await assert.rejects(pool.request(w.id, 'sleep', { ms: 2000 }, { timeoutMs: 100 }), (e: unknown) => {
      assert.ok(e instanceof IpcTimeoutError);
      assert.equal(e.method, 'sleep');
      return true;
    });
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    assert.equal((await pool.request(w.id, 'ping', {})).pid, w.pid);
    assert.equal(pool.workers().find((v) => v.id === w.id)?.state, 'ready');
  });

  it('a worker killed with SIGKILL: its pending requests reject with ChannelClosedError, workerDied lists its rooms, a replacement takes new rooms', async () => {
    const victim = pool.workers()[0]!;
    const survivor = pool.workers()[1]!;
    const rooms = [...victim.roomIds].sort();
    assert.equal(rooms.length, 2);
    const died = next(pool, 'workerDied');
    const replaced = next(pool, 'workerReady');
    const lost: string[][] = [];
    engine.on('roomsLost', ({ roomIds }) => void lost.push([...roomIds].sort()));
    let killedAt = 0;
    let rejectedAfter = -1;
    const pending = assert.rejects(
      pool.request(victim.id, 'sleep', { ms: 5000 }, { timeoutMs: 10_000 }).finally(() => (rejectedAfter = Date.now() - killedAt)),
      (e: unknown) => e instanceof ChannelClosedError && e.method === 'sleep',
    );
    killedAt = Date.now();
    process.kill(victim.pid!, 'SIGKILL');
    await pending;
    assert.ok(rejectedAfter >= 0 && rejectedAfter < 2000, `rejected ${rejectedAfter} ms after the kill`);

    const death = await died;
    assert.equal(death.workerId, victim.id);
    assert.deepEqual([...death.roomIds].sort(), rooms);
    assert.match(death.reason, /SIGKILL|disconnected/);
    assert.deepEqual(lost, [rooms]);
    for (const r of rooms) assert.equal(pool.workerOf(r), undefined);

    const fresh = await replaced;
    assert.notEqual(fresh.pid, victim.pid);
    assert.equal(pool.workers().length, 2);
    assert.equal(exists(victim.pid!), false, 'the killed worker was reaped');
    // The replacement holds no rooms, the survivor two: the next two rooms go to the replacement.
    assert.equal(await pool.openRoom('r6'), fresh.workerId);
    assert.equal(await pool.openRoom('r7'), fresh.workerId);
    for (const r of survivor.roomIds) assert.equal(pool.workerOf(r), survivor.id);
    await engine.openRoom(rooms[0]!); // a lost room opens again, on a working worker
    assert.ok(pool.workerOf(rooms[0]!));
  });

  it('a wedged worker fails its health ping and is replaced', async () => {
    const victim = pool.workers()[0]!;
    const died = next(pool, 'workerDied', 10_000, (e) => e.workerId === victim.id);
    const replaced = next(pool, 'workerReady');
    const blocked = assert.rejects(pool.request(victim.id, 'block', { ms: 20_000 }, { timeoutMs: 30_000 }), ChannelClosedError);
    const death = await died;
    assert.equal(death.workerId, victim.id);
    assert.match(death.reason, /^ping failed: IPC request ping#\d+ got no response within 1000 ms/);
    await blocked;
    await replaced;
    await waitFor(() => !exists(victim.pid!), 2000, 'the wedged worker to be killed and reaped');
  });

  it('pool.close() stops every worker and leaves none of their processes', async () => {
    assert.ok(pids.size >= 4, `pids seen: ${[...pids].join(',')}`);
    await pool.close();
    for (const pid of pids) assert.equal(exists(pid), false, `worker pid ${pid} is gone`);
    assert.deepEqual(pool.workers(), []);
    await assert.rejects(pool.openRoom('late'), PoolClosedError);
    await assert.rejects(engine.openRoom('late'), (e: unknown) => e instanceof DomainError && e.kind === 'service.unavailable');
    await pool.close(); // idempotent
    assert.deepEqual(reports, []);
  });
});

describe('WorkerPool restarts', () => {
  it('replacements beyond maxRestartsPerMinute wait, and close() cancels the waiting one', async () => {
    const { pool, reports } = testPool({ workers: 1, maxRestartsPerMinute: 1 });
    try {
      await pool.start();
      const first = pool.workers()[0]!;
      let ready = next(pool, 'workerReady');
      process.kill(first.pid!, 'SIGKILL');
      const second = await ready;

      const died = next(pool, 'workerDied');
      let readyAgain = false;
      pool.on('workerReady', () => (readyAgain = true));
      process.kill(second.pid, 'SIGKILL');
      await died;
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(readyAgain, false, 'no second restart within the minute');
      assert.deepEqual(pool.workers(), []);
      // A restart is pending: a room waits for it (up to the request deadline) rather than failing at once.
      await assert.rejects(pool.openRoom('r'), /no media worker became ready/);
      assert.equal(reports.length, 1);
      assert.match(reports[0]!, /next restart of slot 0 in \d+ ms: 1 media worker restarts in the last minute/);
      ready = next(pool, 'workerReady', 500);
      await pool.close();
      await assert.rejects(ready);
    } finally {
      await pool.close();
    }
  });
});

describe('WorkerPool close', () => {
  it('pool.close() kills a worker that does not exit on SIGTERM once stopTimeoutMs has passed', async () => {
    const { pool, reports } = testPool({ workers: 1, pingIntervalMs: 60_000, stopTimeoutMs: 300 });
    try {
      await pool.start();
      const w = pool.workers()[0]!;
      const blocked = assert.rejects(pool.request(w.id, 'block', { ms: 20_000 }, { timeoutMs: 30_000 }), ChannelClosedError);
      await new Promise((r) => setTimeout(r, 100)); // the worker is inside the busy loop: its SIGTERM handler cannot run
      const started = Date.now();
      await pool.close();
      const took = Date.now() - started;
      assert.ok(took >= 250 && took < 3000, `close() took ${took} ms`);
      assert.equal(exists(w.pid!), false);
      await blocked;
      assert.deepEqual(reports, []);
    } finally {
      await pool.close();
    }
  });
});

describe('WorkerPool without diagnostics', () => {
  it('new WorkerPool() without a worker count has one worker per core', () => {
    assert.equal(new WorkerPool().size, availableParallelism());
    assert.equal(new WorkerPool({ workers: 0 }).size, availableParallelism());
    assert.throws(() => new WorkerPool({ workers: -1 }), RangeError);
  });

  it('pool.start() rejects with WorkerStartError and stops the workers when one does not start in time', async () => {
    const { pool, reports } = testPool({ workers: 2, startTimeoutMs: 1 });
    let died = 0;
    pool.on('workerDied', () => died++);
    await assert.rejects(pool.start(), (e: unknown) => e instanceof WorkerStartError && /did not start within 1 ms/.test(e.message));
    assert.deepEqual(pool.workers(), []);
    assert.equal(died, 0, 'a failed start is not a lost worker');
    await assert.rejects(pool.openRoom('r'), PoolClosedError);
    assert.deepEqual(reports, []);
  });

  it('the diagnostic requests fail as unknown methods', async () => {
    const { pool } = testPool({ workers: 1, diagnostics: false });
    try {
      await pool.start();
      const w = pool.workers()[0]!;
      for (const method of ['sleep', 'block'] as const) {
        await assert.rejects(pool.request(w.id, method, { ms: 1 }), (e: unknown) => e instanceof IpcRemoteError && e.remoteName === 'IpcUnknownMethod');
      }
      assert.equal((await pool.request(w.id, 'ping', {})).pid, w.pid);
    } finally {
      await pool.close();
    }
  });
});

describe('a media worker whose supervisor dies', () => {
  let supervisor: ChildProcess | undefined;
  after(() => {
    if (supervisor && supervisor.exitCode === null && supervisor.signalCode === null) supervisor.kill('SIGKILL');
  });

  it('exits by itself when the supervisor is killed with SIGKILL', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/pool-parent.ts', import.meta.url));
    supervisor = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    const child = supervisor;
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`supervisor exited with ${code} before starting its pool`)));
    });
    const workerPids = JSON.parse(line) as number[];
    assert.equal(workerPids.length, 2);
    for (const pid of workerPids) assert.ok(running(pid));

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await waitFor(() => workerPids.every((pid) => !running(pid)), 5000, `workers ${workerPids.join(', ')} to exit`);
  });
});

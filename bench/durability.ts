/**
 * Measure 10 (issue 11, item 12): what SQLite's `synchronous = FULL` costs against `NORMAL` in WAL mode, on Convene's
 * own write paths, in-process (no HTTP: what differs is the commit). Each round opens a fresh database file in the
 * system temp directory (on the machine's disk, not a tmpfs: the bench prints the file system) for each setting, in
 * alternating order, and times, one after the other:
 *  - `meeting create`: SchedulingService.create of a single reservation (one transaction: number claim, quota count,
 *    insert), `--durability-writes` (300) times;
 *  - `series create`: a DAILY series of one year (365 occurrences, one transaction), 10 times.
 * Reported per setting: writes/s and p50/p99 latency of the single creates, p50 of the series, over all rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { User } from '../src/accounts/user.ts';
import { loadConfig } from '../src/config/load.ts';
import { openCore } from '../src/main.ts';
import { pad, padEnd } from './support.ts';
import { quantile } from './scheduling.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const SETTINGS = ['NORMAL', 'FULL'] as const;
type Setting = (typeof SETTINGS)[number];

interface Timings {
  single: number[];
  singleWallMs: number;
  singles: number;
  series: number[];
}

async function measureOnce(setting: Setting, writes: number): Promise<Timings> {
  const dir = mkdtempSync(join(tmpdir(), 'convene-durability-'));
  const core = await openCore(
    loadConfig({ CONVENE_DATA_DIR: dir, CONVENE_SQLITE_SYNCHRONOUS: setting, CONVENE_ADMIN_PASSWORD: 'Bench-Admin-Passw0rd!', CONVENE_TIMEZONE: 'UTC', CONVENE_MAX_MEETINGS_PER_USER: '1000000', CONVENE_MAX_SERIES_PER_USER: '1000' }),
  );
  try {
    const user: User = await core.users.create('system', { username: 'writer', realName: 'Writer', role: 'Normal' }, 'a'.repeat(40));
    const caller = { clientId: 'bench-durability', user };
    const base = Math.floor(Date.now() / DAY) * DAY + DAY;
    const single: number[] = [];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < writes; i++) {
      const start = base + i * HOUR;
      const t = process.hrtime.bigint();
      await core.scheduling.create(caller, { type: 'reservation', name: `Meeting ${i}`, start, end: start + HOUR / 2, recurrence: {} });
      single.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const singleWallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const series: number[] = [];
    for (let i = 0; i < 10; i++) {
      const start = base + i * 2 * HOUR + HOUR / 4;
      const t = process.hrtime.bigint();
      await core.scheduling.create(
        caller,
        {
          type: 'recurrence',
          name: `Series ${i}`,
          start,
          end: start + HOUR / 4,
          recurrence: { recurrence_type: 'DAILY', recurrenceInterval: 1, recurrenceStartTime: start, recurrenceEndTime: start + HOUR / 4, recurrenceEndDay: start + 364 * DAY },
        },
        true,
      );
      series.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return { single, singleWallMs, singles: writes, series };
  } finally {
    await core.database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureDurability(rounds: number, writes: number): Promise<void> {
  let fs = '';
  try {
    fs = execFileSync('df', ['-T', tmpdir()], { encoding: 'utf8' }).trim().split('\n').pop()!.split(/\s+/).slice(0, 2).join(' ');
  } catch {
    fs = 'unknown';
  }
  console.log(`\n# SQLite synchronous (WAL): ${rounds} round(s) × ${writes} single creates + 10 one-year series per setting; files in ${tmpdir()} (${fs})`);
  const all = new Map<Setting, Timings[]>(SETTINGS.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? SETTINGS : [...SETTINGS].reverse();
    for (const setting of order) {
      const t = await measureOnce(setting, writes);
      all.get(setting)!.push(t);
      console.log(`  round ${round + 1}  ${padEnd(setting, 7)} ${pad(Math.round((t.singles * 1000) / t.singleWallMs), 6)} creates/s`);
    }
  }
  console.log(`\n${padEnd('synchronous', 12)} ${pad('creates/s', 10)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)} ${pad('series p50 ms', 14)}   creates/s of every round`);
  for (const setting of SETTINGS) {
    const runs = all.get(setting)!;
    const single = runs.flatMap((r) => r.single);
    const rate = (single.length * 1000) / runs.reduce((sum, r) => sum + r.singleWallMs, 0);
    console.log(
      `${padEnd(setting, 12)} ${pad(Math.round(rate), 10)} ${pad(quantile(single, 0.5).toFixed(2), 7)} ${pad(quantile(single, 0.99).toFixed(2), 7)}` +
        ` ${pad(quantile(runs.flatMap((r) => r.series), 0.5).toFixed(1), 14)}   ${runs.map((r) => Math.round((r.singles * 1000) / r.singleWallMs)).join(' / ')}`,
    );
  }
}

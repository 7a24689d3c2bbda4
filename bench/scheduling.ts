/**
 * The scheduling measures (issue 3, item 12), on the real server like bench/rest.ts:
 * (4) creating a 10-year DAILY series through `POST /api/v1/meeting_schedule/recurrence` (3653 occurrences), timed one
 *     creation at a time (goal ≤ 100 ms each);
 * (5) `GET /api/v1/meeting_schedule?page_num=2&page_size=50`: a page of the list of a user who has 500 meetings, and
 *     the whole list as one page of 500, under autocannon load like the other measures.
 */
import { clientSecret } from '../src/accounts/secret.ts';
import { loadConfig } from '../src/config/load.ts';
import { openCore } from '../src/main.ts';
import { HttpsClient } from '../test/support/client.ts';
import { USER_PASSWORD } from './seed.ts';
import { type LoadOptions, type Measure, measure, pad, padEnd, startChild } from './support.ts';

const CLIENT_ID = 'bench-scheduling';
const DAY_MS = 86_400_000;
/** Ten years of days, first and last included (3652 days apart: 10 × 365 plus two or three leap days). */
export const SERIES_DAYS = 3653;
/** Who creates the series (user1) and who has the 500 meetings (user2): each measure has a user of its own. */
const SERIES_USER = 'user1';
const LIST_USER = 'user2';
export const LISTED_MEETINGS = 500;
/** The page the apps would ask for (they ask 20–50). */
export const LIST_PAGE = 50;
/** Timed first-after-a-write reads of that page per round and database. */
const UNCACHED_READS = 20;
/** A zone with DST changes, so that expansion does its real work (sent as the `time_zone` extension field). */
const ZONE = 'Europe/Berlin';
export const SERIES_GOAL_MS = 100;

/** Per-creation timings of one round on one database. */
export interface SeriesTimings {
  name: string;
  /** Wall time of each timed `POST …/recurrence`, as the client saw it, ms. */
  ms: number[];
  /** The server process's CPU time for each of them, ms. */
  cpuMs: number[];
}

/** The body a client sends for "every day for an hour, for ten years", starting the day after tomorrow. */
function seriesBody(now: number) {
  // 09:00 UTC of the day after tomorrow: in the future, and 10:00 or 11:00 in Berlin; the series keeps that wall time.
  const start = Math.floor(now / DAY_MS) * DAY_MS + 2 * DAY_MS + 9 * 3_600_000;
  const end = start + 3_600_000;
  return {
    meeting_type: 'recurrence',
    meeting_name: 'Daily stand-up',
    meeting_description: 'Ten years of stand-ups',
    schedule_start_time: start,
    schedule_end_time: end,
    call_rate_type: '2048K',
    mute_upon_entry: 'DISABLE',
    guest_dial_in: true,
    time_to_join: 30,
    recurrence_type: 'DAILY',
    recurrenceInterval: 1,
    recurrenceStartTime: start,
    recurrenceEndTime: end,
    recurrenceStartDay: start,
    // An instant on the last day (what the iOS app sends): 3652 days after the first one.
    recurrenceEndDay: start + (SERIES_DAYS - 1) * DAY_MS,
    time_zone: ZONE,
  };
}

/**
 * Adds `LISTED_MEETINGS` single reservations for LIST_USER (one hour each, one a day from tomorrow, so none ends
 * during the run) through the scheduling service in this process: the same code path as the API minus HTTP, and not
 * what is measured. The database must already have the users (seedUsers).
 */
export async function seedMeetings(env: Record<string, string>): Promise<void> {
  const core = await openCore(loadConfig(env));
  try {
    const user = (await core.store.users.findByUsername(LIST_USER)) ?? assertNever(`no ${LIST_USER}: seed the users first`);
    const caller = { clientId: CLIENT_ID, user };
    const first = Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS + 8 * 3_600_000;
    for (let i = 0; i < LISTED_MEETINGS; i++) {
      const start = first + i * DAY_MS + (i % 8) * 3_600_000;
      await core.scheduling.create(caller, {
        type: 'reservation',
        name: `Bench meeting ${i + 1}`,
        description: 'Seeded by the benchmark',
        start,
        end: start + 3_600_000,
        recurrence: {},
      });
    }
  } finally {
    await core.database.close();
  }
}

const assertNever = (message: string): never => {
  throw new Error(message);
};

async function signIn(client: HttpsClient, username: string): Promise<string> {
  const r = await client.call('POST', '/api/v1/user/sign_in', {
    query: { client_id: CLIENT_ID },
    body: { username, secret: clientSecret(USER_PASSWORD) },
  });
  if (r.status !== 200) throw new Error(`sign-in of ${username} failed: ${r.status} ${r.text}`);
  return `client_id=${CLIENT_ID}&token=${encodeURIComponent(r.body.user_token as string)}`;
}

/**
 * One server process on a database prepared by seedUsers and seedMeetings: `warmup` untimed series creations, then
 * `creations` timed ones, one after the other on one keep-alive connection; every series is deleted again (untimed)
 * so each creation finds the same database. Then the 500-meeting list under load.
 */
export async function measureScheduling(
  label: string,
  env: Record<string, string>,
  load: LoadOptions,
  nodeArgs: string[],
  creations: number,
  warmup = 3,
): Promise<{ measures: Measure[]; series: SeriesTimings; uncached: SeriesTimings }> {
  const child = await startChild('convene', env, nodeArgs, `convene ${label} (scheduling)`);
  try {
    const client = new HttpsClient(child.url);
    const creator = await signIn(client, SERIES_USER);
    const timings: SeriesTimings = { name: `${label} series create`, ms: [], cpuMs: [] };
    for (let i = 0; i < warmup + creations; i++) {
      const body = seriesBody(Date.now());
      const cpuBefore = await child.cpu();
      const t0 = process.hrtime.bigint();
      const created = await client.call('POST', `/api/v1/meeting_schedule/recurrence?${creator}`, { body });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpuMs = ((await child.cpu()) - cpuBefore) / 1000;
      if (created.status !== 200 || !created.body.recurrence_gid) throw new Error(`series creation failed: ${created.status} ${created.text.slice(0, 300)}`);
      if (i === 0) {
        // What is measured is the real thing: 3653 occurrences stored.
        const gid = created.body.recurrence_gid as string;
        const occ = await client.call('GET', `/api/v1/meeting_schedule/recurrence/${gid}?${creator}&page_num=1&page_size=1`);
        if (occ.status !== 200 || occ.body.total_size !== SERIES_DAYS) {
          throw new Error(`unexpected series: ${occ.status} total_size ${occ.body?.total_size} (expected ${SERIES_DAYS}) ${occ.text.slice(0, 200)}`);
        }
      }
      if (i >= warmup) {
        timings.ms.push(ms);
        timings.cpuMs.push(cpuMs);
      }
      const deleted = await client.call('DELETE', `/api/v1/meeting_schedule/${created.body.reservation_id as string}?${creator}&deleteGroup=true`);
      if (deleted.status !== 200) throw new Error(`series deletion failed: ${deleted.status} ${deleted.text.slice(0, 200)}`);
    }

    const lister = await signIn(client, LIST_USER);
    // The apps' page (20–50; 50 here, the second page so the offset is real) and the whole list in one page of 500.
    const list = (size: number, page: number) => `/api/v1/meeting_schedule?${lister}&page_num=${page}&page_size=${size}`;
    for (const [size, page] of [[LIST_PAGE, 2], [LISTED_MEETINGS, 1]] as const) {
      const answer = await client.call('GET', list(size, page));
      if (answer.status !== 200 || answer.body.meeting_schedules?.length !== size || answer.body.total_size !== LISTED_MEETINGS) {
        throw new Error(`unexpected meeting list: ${answer.status} ${answer.text.slice(0, 200)}`);
      }
    }
    // A page of 50 as the first request after a write (every write ends the cached pages): `uncachedReads` times, each
    // after user1 creates a meeting (and before deleting it again), untimed.
    const uncached: SeriesTimings = { name: `${label} list (${LIST_PAGE}) uncached`, ms: [], cpuMs: [] };
    for (let i = 0; i < UNCACHED_READS; i++) {
      const start = Date.now() + 30 * DAY_MS + i * 3_600_000;
      const made = await client.call('POST', `/api/v1/meeting_schedule?${creator}`, {
        body: { meeting_type: 'reservation', meeting_name: 'Cache breaker', schedule_start_time: start, schedule_end_time: start + 1_800_000 },
      });
      if (made.status !== 200) throw new Error(`meeting creation failed: ${made.status} ${made.text.slice(0, 200)}`);
      const cpuBefore = await child.cpu();
      const t0 = process.hrtime.bigint();
      const answer = await client.call('GET', list(LIST_PAGE, 2));
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpuMs = ((await child.cpu()) - cpuBefore) / 1000;
      if (answer.status !== 200 || answer.body.meeting_schedules?.length !== LIST_PAGE) throw new Error(`unexpected meeting list: ${answer.status}`);
      uncached.ms.push(ms);
      uncached.cpuMs.push(cpuMs);
      await client.call('DELETE', `/api/v1/meeting_schedule/${made.body.reservation_id as string}?${creator}`);
    }
    client.close();
    return {
      uncached,
      measures: [
        await measure(`${label} meeting list (${LIST_PAGE})`, child, list(LIST_PAGE, 2), load),
        await measure(`${label} meeting list (${LISTED_MEETINGS})`, child, list(LISTED_MEETINGS, 1), load),
      ],
      series: timings,
    };
  } finally {
    await child.stop();
  }
}

/** The `q` quantile of `values` (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The uncached list reads: latency as the client saw it, the server's CPU per read (median), in bare requests. */
export function printUncachedTable(all: readonly SeriesTimings[], bareCpuUs: number): void {
  console.log(`\n${padEnd('first read after a write', 28)} ${pad('n', 3)} ${pad('p50 ms', 7)} ${pad('p95 ms', 7)} ${pad('CPU µs', 7)} ${pad('= bare req', 10)}`);
  for (const name of [...new Set(all.map((t) => t.name))]) {
    const rounds = all.filter((t) => t.name === name);
    const ms = rounds.flatMap((t) => t.ms);
    const cpu = quantile(rounds.flatMap((t) => t.cpuMs), 0.5) * 1000;
    console.log(
      `${padEnd(name, 28)} ${pad(ms.length, 3)} ${pad(quantile(ms, 0.5).toFixed(1), 7)} ${pad(quantile(ms, 0.95).toFixed(1), 7)} ${pad(Math.round(cpu), 7)} ${pad((cpu / bareCpuUs).toFixed(1), 10)}`,
    );
  }
  console.log('# a page of 50 read right after another user created a meeting (which ends the cached pages); CPU: the server per read, median');
}

/**
 * The series-creation table: latency over every timed creation of every round, the server's CPU per creation, and
 * that CPU in bare requests (how many `GET /hello` the same CPU time serves: the comparison with the bare route).
 */
export function printSeriesTable(all: readonly SeriesTimings[], bareCpuUs: number): void {
  const names = [...new Set(all.map((t) => t.name))];
  console.log(
    `\n${padEnd(`series of ${SERIES_DAYS} (daily, 10 y)`, 28)} ${pad('n', 3)} ${pad('p50 ms', 7)} ${pad('p95 ms', 7)} ${pad('max ms', 7)}` +
      ` ${pad('CPU ms', 7)} ${pad('= bare req', 10)}  ${padEnd(`≤ ${SERIES_GOAL_MS} ms`, 24)} p50 of every round`,
  );
  for (const name of names) {
    const rounds = all.filter((t) => t.name === name);
    const ms = rounds.flatMap((t) => t.ms);
    const cpu = quantile(rounds.flatMap((t) => t.cpuMs), 0.5);
    const goal = (q: number) => `${q === 0.5 ? 'p50' : 'p95'} ${quantile(ms, q) <= SERIES_GOAL_MS ? 'met' : 'NOT met'}`;
    console.log(
      `${padEnd(name, 28)} ${pad(ms.length, 3)} ${pad(quantile(ms, 0.5).toFixed(1), 7)} ${pad(quantile(ms, 0.95).toFixed(1), 7)}` +
        ` ${pad(Math.max(...ms).toFixed(1), 7)} ${pad(cpu.toFixed(1), 7)} ${pad(Math.round((cpu * 1000) / bareCpuUs), 10)}` +
        `  ${padEnd(`${goal(0.5)}, ${goal(0.95)}`, 24)} ${rounds.map((t) => quantile(t.ms, 0.5).toFixed(1)).join(' / ')}`,
    );
  }
  console.log(
    `# every timed creation of every round; CPU ms: the server process per creation (median); = bare req: that CPU in` +
      ` bare /hello requests (least CPU µs/req of the rounds); goal of issue 3: ≤ ${SERIES_GOAL_MS} ms per series creation`,
  );
}

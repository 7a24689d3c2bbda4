/**
 * `npm run bench`: requests/s and latency of a bare Fastify route versus the real Convene server, and the scheduling
 * measures of issue 3 (bench/scheduling.ts: creating a 10-year daily series, listing 500 meetings). Every server runs
 * in its own child process (bench/server-child.ts), one at a time; autocannon drives them from this process.
 * The machine is small and shared, so the whole sequence runs in rounds and each measure keeps its best round.
 * Then the live-meeting measures (bench/live.ts: 1000 participants joining over the signalling WebSocket, mute_all and
 * unmute_all reaching them), against a bare ws server in the same run; they run once, not in rounds.
 * See bench/README.md.
 *
 * Then the SFU measures (bench/media.ts, issue 5: forwarded RTP packets per second per core and loss, join latency,
 * against a raw UDP relay), in a process of their own inside a network namespace with only `lo`.
 *
 * Then the recording measures (bench/recording.ts, issue 13: speaker recordings per core, the CPU of a live stream and
 * of a gallery recording, against ffmpeg doing the same outside the server), also in such a namespace.
 * Then SQLite's synchronous setting (bench/durability.ts, issue 11: NORMAL against FULL on Convene's write paths).
 *
 * Then the breakout measure (bench/breakout.ts, issue 17: 200 participants split into 20 breakout rooms and back, against
 * a bare ws broadcast to 200 in the same run).
 * Then the SIP measure (bench/sip.ts, issue 14: concurrent SIP audio calls per core, G.711 in and mixed audio out,
 * against a plain RTP echo of the same packets).
 *
 * Then the cluster measure (bench/cluster.ts, issue 12: the live measures on three nodes over PostgreSQL and Redis,
 * against one node on the same PostgreSQL), when PostgreSQL and redis-server are installed.
 *
 * Selection: `npm run bench -- rest` (the REST and scheduling measures), `npm run bench -- live`,
 * `npm run bench -- breakout`, `npm run bench -- cluster`, `npm run bench -- media`, `npm run bench -- recording`,
 * `npm run bench -- durability` or `npm run bench -- sip`; none = all eight. SIP: --calls <n,…> (5,10,15,20), --seconds <s>
 * (shared with recording, 10).
 * Recording: --meetings <n,…> (10,25), --mixed <n> (10), --seconds <s> (10).
 * Options: --rounds <n> (default 2), --duration <s> (4), --warmup <s> (2), --connections <n> (10), --series <n> (timed
 * series creations per round and database, 10),
 * --no-postgres (skip PostgreSQL even when a server is installed), --cpu-prof (profile the server children; the
 * profiles go to .tmp/bench-profiles/ and a summary is printed).
 * Live: --participants <n> (1000), --join-concurrency <n> (joins in flight, 50), --live-repeats <n> (timed mute/unmute
 * pairs, 20), --client-processes <n> (processes holding the participants' sockets, 1).
 * Breakout: --breakout-participants <n> (200; the timed pairs follow --live-repeats).
 * Durability: --durability-writes <n> (single creates per setting and round, 300).
 * Media: --publishers <n> (2), --receivers <n> (20), --steps <video packets/s per publisher, …> (100,…,600),
 * --step-seconds <s> (5), --load-seconds <s> (10), --joins <n> (15); --cpu-prof also profiles the media worker.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadTls } from '../src/http/tls.ts';
import { findPostgresBin, startThrowawayPostgres, type ThrowawayPostgres } from '../test/support/postgres.ts';
import { findRedisServer } from '../test/support/redis.ts';
import { measureCluster, printCluster } from './cluster.ts';
import { measureBreakout, printBreakout } from './breakout.ts';
import { measureDurability } from './durability.ts';
import { summariseProfile } from './profile.ts';
import { type LiveOptions, type LiveTarget, measureLive, printLive } from './live.ts';
import { measureBare, measureConvene } from './rest.ts';
import { LIST_PAGE, LISTED_MEETINGS, measureScheduling, printSeriesTable, printUncachedTable, SERIES_DAYS, seedMeetings, type SeriesTimings } from './scheduling.ts';
import { seedUsers } from './seed.ts';
import { type LoadOptions, type Measure, pad, padEnd, startedChildren } from './support.ts';

const SEEDED_USERS = 1000;
const LOG_LEVEL = 'warn';

const MEASURES = ['rest', 'live', 'breakout', 'cluster', 'media', 'recording', 'durability', 'sip'] as const;
/** bench/media.ts's exit status when it cannot get a network namespace with only lo (not root). */
const MEDIA_NOT_ISOLATED = 3;
const MEDIA_OPTIONS = ['publishers', 'receivers', 'steps', 'step-seconds', 'load-seconds', 'joins'] as const;
const RECORDING_OPTIONS = ['meetings', 'mixed', 'seconds'] as const;
const SIP_OPTIONS = ['calls', 'seconds'] as const;

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    series: { type: 'string', default: '10' },
    'no-postgres': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    participants: { type: 'string', default: '1000' },
    'join-concurrency': { type: 'string', default: '50' },
    'live-repeats': { type: 'string', default: '20' },
    'client-processes': { type: 'string', default: '1' },
    'breakout-participants': { type: 'string', default: '200' },
    'durability-writes': { type: 'string', default: '300' },
    // The media measure's own (bench/media.ts has the defaults).
    publishers: { type: 'string' },
    receivers: { type: 'string' },
    steps: { type: 'string' },
    'step-seconds': { type: 'string' },
    'load-seconds': { type: 'string' },
    joins: { type: 'string' },
    // The recording measure's own (bench/recording.ts has the defaults).
    meetings: { type: 'string' },
    mixed: { type: 'string' },
    seconds: { type: 'string' },
    calls: { type: 'string' },
  },
});
for (const p of positionals) {
  if (!(MEASURES as readonly string[]).includes(p)) throw new Error(`unknown measure ${JSON.stringify(p)}: choose from ${MEASURES.join(', ')} (none = all)`);
}
const selected = new Set(positionals.length > 0 ? positionals : MEASURES);
const liveOptions: LiveOptions = {
  participants: Number(args.participants),
  concurrency: Number(args['join-concurrency']),
  repeats: Number(args['live-repeats']),
  warmup: 2,
  clientProcesses: Number(args['client-processes']),
  settleMs: 100,
};
for (const [name, value] of Object.entries({ participants: liveOptions.participants, 'join-concurrency': liveOptions.concurrency, 'live-repeats': liveOptions.repeats, 'client-processes': liveOptions.clientProcesses })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: a whole number ≥ 1 (got ${value})`);
}
const rounds = Number(args.rounds);
const load: LoadOptions = { duration: Number(args.duration), warmup: Number(args.warmup), connections: Number(args.connections) };

const root = mkdtempSync(join(tmpdir(), 'convene-bench-'));
const profileDir = resolve('.tmp/bench-profiles');
const nodeArgs = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
if (args['cpu-prof']) {
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
}
let pg: ThrowawayPostgres | undefined;
const started = Date.now();

try {
  // One certificate for every server: the self-signed kind the real server makes on first start.
  await loadTls(join(root, 'tls-home'), '', '');
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('CONVENE_') && k !== 'DATABASE_URL'),
  ) as Record<string, string>;
  const env = (dataDir: string, databaseUrl = ''): Record<string, string> => ({
    ...inherited,
    CONVENE_DATA_DIR: join(root, dataDir),
    CONVENE_HOST: '127.0.0.1',
    CONVENE_HTTPS_PORT: '0',
    CONVENE_TLS_CERT: join(root, 'tls-home', 'tls', 'self-signed.crt'),
    CONVENE_TLS_KEY: join(root, 'tls-home', 'tls', 'self-signed.key'),
    CONVENE_LOG_LEVEL: LOG_LEVEL,
    CONVENE_ADMIN_PASSWORD: 'Bench-Admin-Passw0rd!',
    CONVENE_MAX_USERS: String(SEEDED_USERS + 10),
    DATABASE_URL: databaseUrl,
  });

  const cpu = cpus();
  console.log(`# ${new Date().toISOString()}  node ${process.version}  ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}  measures: ${[...selected].join(', ')}`);
  if (selected.has('rest')) {
    console.log(
      `# ${rounds} round(s); per measure ${load.warmup} s warm-up + ${load.duration} s at ${load.connections} connections; ` +
        `one server process at a time; log level ${LOG_LEVEL}; ${SEEDED_USERS} seeded users;` +
        ` ${LISTED_MEETINGS} meetings of user2; series of ${SERIES_DAYS} days, ${args.series} timed creations per round`,
    );

    const targets: { name: string; run: () => Promise<Measure[]> }[] = [{ name: 'bare', run: () => measureBare(env('bare'), load, nodeArgs) }];
    // Scheduling (bench/scheduling.ts): series creation timings are kept here, the meeting list joins the table.
    const seriesTimings: SeriesTimings[] = [];
    const uncachedTimings: SeriesTimings[] = [];
    const scheduling = (label: string, e: Record<string, string>) => async () => {
      const { measures, series, uncached } = await measureScheduling(label, e, load, nodeArgs, Number(args.series));
      seriesTimings.push(series);
      uncachedTimings.push(uncached);
      return measures;
    };
    const sqlite = env('sqlite');
    await seedUsers(sqlite, SEEDED_USERS);
    await seedMeetings(sqlite);
    targets.push({ name: 'sqlite', run: () => measureConvene('sqlite', sqlite, load, nodeArgs) });
    targets.push({ name: 'sqlite scheduling', run: scheduling('sqlite', sqlite) });
    const pgBin = args['no-postgres'] ? undefined : findPostgresBin();
    if (pgBin) {
      pg ??= await startThrowawayPostgres(pgBin);
      const postgres = env('postgres', pg.url);
      await seedUsers(postgres, SEEDED_USERS);
      await seedMeetings(postgres);
      targets.push({ name: 'postgres', run: () => measureConvene('postgres', postgres, load, nodeArgs) });
      targets.push({ name: 'postgres scheduling', run: scheduling('postgres', postgres) });
    }

    const results = new Map<string, Measure[]>();
    for (let round = 1; round <= rounds; round++) {
      for (const target of targets) {
        for (const m of await target.run()) {
          results.set(m.name, [...(results.get(m.name) ?? []), m]);
          console.log(`  round ${round}  ${padEnd(m.name, 28)} ${pad(Math.round(m.rps), 6)} req/s`);
        }
      }
    }

    const best = (name: string) => (results.get(name) ?? []).reduce((a, b) => (b.rps > a.rps ? b : a));
    const leastCpu = (name: string) => Math.min(...(results.get(name) ?? []).map((m) => m.cpuPerRequest));
    const baseline = best('bare /hello');
    const baseCpu = leastCpu('bare /hello');
    console.log(
      `\n${padEnd('measure', 28)} ${pad('req/s', 7)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)} ${pad('vs bare', 8)}` +
        ` ${pad('CPU µs/req', 11)} ${pad('bare/this', 10)}   req/s of every round`,
    );
    const ratios: number[] = [];
    const listRatios: number[] = [];
    // Two significant digits below 0.1 (the 500-meeting list is far below the other measures).
    const fmtRatio = (r: number) => (r >= 0.095 ? r.toFixed(2) : r.toPrecision(2));
    for (const name of results.keys()) {
      const m = best(name);
      const ratio = m.rps / baseline.rps;
      // The ≥ 0.6 goal is the foundation's, for its REST measures; the meeting list's (issue 11: a page of 50 ≥ 0.3) is apart.
      if (m !== baseline && !name.includes('meeting list')) ratios.push(ratio);
      if (name.endsWith(`meeting list (${LIST_PAGE})`)) listRatios.push(ratio);
      const all = results.get(name)!.map((r) => Math.round(r.rps)).join(' / ');
      const cpu = leastCpu(name);
      console.log(
        `${padEnd(name, 28)} ${pad(Math.round(m.rps), 7)} ${pad(m.p50, 7)} ${pad(m.p99, 7)} ${pad(fmtRatio(ratio), 8)}` +
          ` ${pad(Math.round(cpu), 11)} ${pad(fmtRatio(baseCpu / cpu), 10)}   ${all}`,
      );
    }
    console.log('# req/s, p50, p99: the round with the most req/s; CPU µs/req: the server process, least of the rounds');
    if (!pgBin) console.log(`\n# PostgreSQL ${args['no-postgres'] ? 'skipped (--no-postgres)' : 'server not installed: SQLite only'}`);
    const worst = Math.min(...ratios);
    console.log(`# goal ≥ 0.60 of bare req/s for user/info and public/users: ${worst >= 0.6 ? 'met' : 'NOT met'} (lowest ${worst.toFixed(2)})`);
    if (listRatios.length > 0) {
      const lowest = Math.min(...listRatios);
      console.log(`# goal ≥ 0.30 of bare req/s for a page of ${LIST_PAGE} meetings (issue 11): ${lowest >= 0.3 ? 'met' : 'NOT met'} (lowest ${lowest.toFixed(2)})`);
    }
    printSeriesTable(seriesTimings, baseCpu);
    printUncachedTable(uncachedTimings, baseCpu);
  }

  if (selected.has('live')) {
    // A fresh SQLite database of its own; the call limit (default 100) is raised above the participants.
    const live: LiveTarget[] = await measureLive({ ...env('live'), CONVENE_MAX_CALLS: String(Math.max(5000, liveOptions.participants + 10)), CONVENE_CHAT_MESSAGES_PER_MINUTE: '6000' }, env('live-bare'), liveOptions, nodeArgs);
    printLive(live, liveOptions);
  }
  if (selected.has('breakout')) {
    // Issue 17: a breakout split of 200 participants into 20 rooms (and back), against a bare ws broadcast to 200.
    const breakoutOptions: LiveOptions = { ...liveOptions, participants: Number(args['breakout-participants']) };
    printBreakout(await measureBreakout({ ...env('breakout'), CONVENE_MAX_CALLS: '5000' }, env('breakout-bare'), breakoutOptions, nodeArgs), breakoutOptions);
  }
  if (selected.has('cluster')) {
    // Several nodes need PostgreSQL and Redis: skipped without them when every measure runs, a failure when asked for.
    const pgBin = findPostgresBin();
    const missing = [...(pgBin ? [] : ['PostgreSQL']), ...(findRedisServer() ? [] : ['redis-server'])];
    if (missing.length > 0) {
      console.log(`\n# cluster measure skipped: ${missing.join(' and ')} not installed`);
      if (positionals.length > 0) process.exitCode = 1;
    } else {
      pg ??= await startThrowawayPostgres(pgBin!);
      const pgUrl = pg.url;
      const maxCalls = String(Math.max(5000, liveOptions.participants + 10));
      printCluster(await measureCluster((dir) => ({ ...env(dir, pgUrl), CONVENE_MAX_CALLS: maxCalls }), liveOptions, nodeArgs), liveOptions);
    }
  }
  if (selected.has('durability')) await measureDurability(rounds, Number(args['durability-writes']));
  if (selected.has('media')) {
    // In a process of its own: it runs itself inside a network namespace with only lo (unshare -n).
    const script = fileURLToPath(new URL('./media.ts', import.meta.url));
    const forwarded = MEDIA_OPTIONS.flatMap((o) => (args[o] === undefined ? [] : [`--${o}`, args[o]]));
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...forwarded, ...(args['cpu-prof'] ? ['--cpu-prof'] : [])], { stdio: 'inherit' });
    const [code] = (await once(child, 'exit')) as [number | null];
    // Not root: the media measure is skipped when every measure runs, a failure when it was asked for.
    if (code !== 0 && !(code === MEDIA_NOT_ISOLATED && positionals.length === 0)) process.exitCode = code ?? 1;
  }
  if (selected.has('recording')) {
    // Recording and live streaming (issue 13, bench/recording.ts): also in a loopback-only namespace of its own.
    const script = fileURLToPath(new URL('./recording.ts', import.meta.url));
    const forwarded = RECORDING_OPTIONS.flatMap((o) => (args[o] === undefined ? [] : [`--${o}`, args[o]]));
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...forwarded], { stdio: 'inherit' });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0 && !(code === MEDIA_NOT_ISOLATED && positionals.length === 0)) process.exitCode = code ?? 1;
  }
  if (selected.has('sip')) {
    // SIP audio calls per core against a plain RTP echo (bench/sip.ts), loopback UDP only.
    const script = fileURLToPath(new URL('./sip.ts', import.meta.url));
    const forwarded = SIP_OPTIONS.flatMap((o) => (args[o] === undefined ? [] : [`--${o}`, args[o]]));
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...forwarded], { stdio: 'inherit' });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) process.exitCode = code ?? 1;
  }
  console.log(`# total ${((Date.now() - started) / 1000).toFixed(0)} s`);

  if (args['cpu-prof']) {
    // Main-thread profiles only (file names end in .<pid>.0.<n>.cpuprofile; thread 1 is tsx's loader).
    for (const file of readdirSync(profileDir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)).sort()) {
      const pid = Number(file.split('.')[3]);
      const label = startedChildren.find((c) => c.pid === pid)?.label ?? 'unknown';
      console.log(`\n# profile of ${label} (whole process life, start-up included): ${join(profileDir, file)}`);
      for (const l of summariseProfile(join(profileDir, file), 12)) console.log(l);
    }
  }
} finally {
  pg?.stop();
  rmSync(root, { recursive: true, force: true });
}

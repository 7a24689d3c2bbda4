/**
 * `npm test`: runs the whole suite once, with every database test against SQLite and, when the PostgreSQL server
 * binaries are installed, against a throwaway PostgreSQL cluster started here and removed afterwards.
 * CONVENE_REQUIRE_POSTGRES=1 (set by .ci/run) turns a missing PostgreSQL into a failure instead of a skip.
 * CONVENE_REQUIRE_CHROMIUM=1 (also set by .ci/run) does the same for the browser tests (test/web/), which need the
 * Debian `chromium` package at /usr/lib/chromium/chromium.
 *
 * The files are every `*.test.ts` under test/ (scripts/test-files.ts), or those of the files and folders named:
 * `npm test -- test/unit/sdp.test.ts test/api`.
 *
 * The media tests (`*-media.test.ts`: real WebRTC) run afterwards in a network namespace of their own that has only `lo`
 * (`unshare -n`, which needs root), because WebRTC stacks gather candidates on every interface and send checks to
 * them: nothing may leave the machine. They use SQLite only (the throwaway PostgreSQL cluster listens on the outer
 * namespace's loopback). Without root they are skipped with a notice, unless CONVENE_REQUIRE_MEDIA=1 (.ci/run).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { findPostgresBin, startThrowawayPostgres, type ThrowawayPostgres } from '../test/support/postgres.ts';
import { selectTestFiles, type TestSelection } from './test-files.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
let selection: TestSelection;
try {
  selection = selectTestFiles(root, process.argv.slice(2));
} catch (error) {
  console.error(`npm test: ${(error as Error).message}`);
  process.exit(1);
}
const { plain: files, media: mediaFiles } = selection;

// better-sqlite3 is compiled for one Node ABI (scripts/node24.sh rebuilds it for Node 24): one clear line instead of
// every database test failing on the same load error.
try {
  const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => { close(): void };
  new Database(':memory:').close();
} catch (error) {
  console.error(`npm test: better-sqlite3 does not load on Node ${process.version}: rebuild it for this Node (\`npm rebuild better-sqlite3\`; for Node 24, scripts/node24.sh does it)`);
  console.error(String((error as Error).message).split('\n')[0]);
  process.exit(1);
}

let pg: ThrowawayPostgres | undefined;
const bin = files.length > 0 ? findPostgresBin() : undefined;
if (bin) {
  pg = await startThrowawayPostgres(bin);
  console.log(`# PostgreSQL: throwaway cluster from ${bin}`);
} else if (files.length > 0 && process.env.CONVENE_REQUIRE_POSTGRES === '1') {
  console.error('PostgreSQL server binaries not found under /usr/lib/postgresql, and CONVENE_REQUIRE_POSTGRES=1');
  process.exit(1);
} else if (files.length > 0) {
  console.log('# PostgreSQL server not installed: database tests run on SQLite only (apt-get install postgresql)');
}

let running: ChildProcess | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => running?.kill(signal));
/** Async, not spawnSync: a runner stopped by a signal (Ctrl-C, `timeout`) must still stop its PostgreSQL cluster. */
const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> => {
  const child = (running = spawn(command, args, { stdio: 'inherit', env, cwd: root }));
  return new Promise<number>((resolve) => {
    child.on('error', () => resolve(1));
    child.on('exit', (code) => resolve(code ?? 1));
  });
};
/**
 * Test files run at once, each in its own process (CONVENE_TEST_CONCURRENCY overrides). Node's default, one fewer than
 * the cores, runs them one by one on CI's 2 cores although most of them wait on servers, PostgreSQL and child processes
 * much of the time. At most 8: each file's servers may hold 10 PostgreSQL connections and the cluster allows 200.
 * The media files always run one by one: real-time audio and video should not compete for the CPU.
 */
const concurrency = Number(process.env.CONVENE_TEST_CONCURRENCY) || Math.min(8, Math.max(2, availableParallelism()));
const testArgs = (list: string[], parallel: number) => ['--import', 'tsx', '--test', `--test-concurrency=${parallel}`, '--test-reporter=spec', ...list];

let status = files.length > 0 ? await run(process.execPath, testArgs(files, concurrency), { ...process.env, ...(pg ? { CONVENE_TEST_PG_URL: pg.url } : {}) }) : 0;
pg?.stop();

if (mediaFiles.length > 0) {
  const isolated = process.getuid?.() === 0 && (await run('unshare', ['-n', 'true'])) === 0;
  if (isolated) {
    console.log('# media tests: in a network namespace with only lo (unshare -n)');
    const inner = [process.execPath, ...testArgs(mediaFiles, 1)].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const mediaStatus = await run('unshare', ['-n', 'bash', '-c', `ip link set lo up && exec ${inner}`]);
    status ||= mediaStatus;
  } else if (process.env.CONVENE_REQUIRE_MEDIA === '1') {
    console.error('media tests need root (unshare -n, ip) and CONVENE_REQUIRE_MEDIA=1 is set');
    status ||= 1;
  } else {
    console.log(`# media tests skipped: they need root for unshare -n (${mediaFiles.join(', ')})`);
  }
}
process.exit(status);

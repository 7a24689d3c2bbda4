/**
 * `npm test`: runs the whole suite once, with every database test against SQLite and, when the PostgreSQL server
 * binaries are installed, against a throwaway PostgreSQL cluster started here and removed afterwards.
 * CONVENE_REQUIRE_POSTGRES=1 (set by .ci/run) turns a missing PostgreSQL into a failure instead of a skip.
 * CONVENE_REQUIRE_CHROMIUM=1 (also set by .ci/run) does the same for the browser tests (test/web/), which need the
 * Debian `chromium` package at /usr/lib/chromium/chromium.
 *
 * The media tests (MEDIA_FILES: real WebRTC) run afterwards in a network namespace of their own that has only `lo`
 * (`unshare -n`, which needs root), because WebRTC stacks gather candidates on every interface and send checks to
 * them: nothing may leave the machine. They use SQLite only (the throwaway PostgreSQL cluster listens on the outer
 * namespace's loopback). Without root they are skipped with a notice, unless CONVENE_REQUIRE_MEDIA=1 (.ci/run).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { findPostgresBin, startThrowawayPostgres, type ThrowawayPostgres } from '../test/support/postgres.ts';

// Node 20's test runner does not expand globs: every file is listed here.
const TEST_FILES = [
  'test/unit/coerce.test.ts',
  'test/unit/validate.test.ts',
  'test/unit/lockout.test.ts',
  'test/unit/sign-in-throttle.test.ts',
  'test/unit/config.test.ts',
  'test/unit/recurrence.test.ts',
  'test/unit/boundaries.test.ts',
  'test/unit/docs.test.ts',
  'test/unit/icalendar.test.ts',
  'test/unit/accounts-caches.test.ts',
  'test/unit/sdk-roster.test.ts',
  'test/unit/live-meeting.test.ts',
  'test/unit/media-policy.test.ts',
  'test/unit/sdp.test.ts',
  'test/unit/srtp-seal.test.ts',
  'test/unit/ipc-channel.test.ts',
  'test/storage/accounts-repo.test.ts',
  'test/storage/rooms-repo.test.ts',
  'test/storage/live-repo.test.ts',
  'test/storage/schedule-migration.test.ts',
  'test/storage/postgres-pool.test.ts',
  'test/api/transport.test.ts',
  'test/api/listeners.test.ts',
  'test/api/meetings-in-rooms.test.ts',
  'test/api/sign-in.test.ts',
  'test/api/user-self.test.ts',
  'test/api/user-admin.test.ts',
  'test/api/user-directory.test.ts',
  'test/api/cached-sessions.test.ts',
  'test/api/shutdown.test.ts',
  'test/api/system.test.ts',
  'test/api/meeting-room.test.ts',
  'test/api/meeting-links.test.ts',
  'test/api/meeting-schedule.test.ts',
  'test/api/schedule-bounds.test.ts',
  'test/api/atomic-writes.test.ts',
  'test/api/crash-durability.test.ts',
  'test/api/operations.test.ts',
  'test/api/security-matrix.test.ts',
  'test/compat/frtc-user-calls.test.ts',
  'test/compat/frtc-meeting-room-calls.test.ts',
  'test/compat/frtc-scheduling-calls.test.ts',
  'test/compat/frtc-meeting-control-calls.test.ts',
  'test/live/control.test.ts',
  'test/live/lifecycle.test.ts',
  'test/media/pool.test.ts',
  'test/cli/cli.test.ts',
  'test/web/app.test.ts',
];

/** Real WebRTC: run in a loopback-only network namespace (see above). */
const MEDIA_FILES = ['test/media/rtp-transmitter-media.test.ts', 'test/media/sfu-media.test.ts', 'test/media/browser-media.test.ts'];

const only = process.argv.slice(2);
const files = only.length > 0 ? only.filter((f) => !MEDIA_FILES.includes(f)) : TEST_FILES;
const mediaFiles = only.length > 0 ? only.filter((f) => MEDIA_FILES.includes(f)) : MEDIA_FILES;

let pg: ThrowawayPostgres | undefined;
const bin = findPostgresBin();
if (bin) {
  pg = await startThrowawayPostgres(bin);
  console.log(`# PostgreSQL: throwaway cluster from ${bin}`);
} else if (process.env.CONVENE_REQUIRE_POSTGRES === '1') {
  console.error('PostgreSQL server binaries not found under /usr/lib/postgresql, and CONVENE_REQUIRE_POSTGRES=1');
  process.exit(1);
} else {
  console.log('# PostgreSQL server not installed: database tests run on SQLite only (apt-get install postgresql)');
}

let running: ChildProcess | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => running?.kill(signal));
/** Async, not spawnSync: a runner stopped by a signal (Ctrl-C, `timeout`) must still stop its PostgreSQL cluster. */
const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> => {
  const child = (running = spawn(command, args, { stdio: 'inherit', env }));
  return new Promise<number>((resolve) => {
    child.on('error', () => resolve(1));
    child.on('exit', (code) => resolve(code ?? 1));
  });
};
const testArgs = (list: string[]) => ['--import', 'tsx', '--test', '--test-reporter=spec', ...list];

let status = files.length > 0 ? await run(process.execPath, testArgs(files), { ...process.env, ...(pg ? { CONVENE_TEST_PG_URL: pg.url } : {}) }) : 0;
pg?.stop();

if (mediaFiles.length > 0) {
  const isolated = process.getuid?.() === 0 && (await run('unshare', ['-n', 'true'])) === 0;
  if (isolated) {
    console.log('# media tests: in a network namespace with only lo (unshare -n)');
    const inner = [process.execPath, ...testArgs(mediaFiles)].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
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

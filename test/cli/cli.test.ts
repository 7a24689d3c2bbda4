import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { clientSecret } from '../../src/accounts/secret.ts';
import { HttpsClient, type Reply } from '../support/client.ts';
import { createPostgresDatabase, type TestDialect, testDialects } from '../support/dialects.ts';
import { freePort } from '../support/postgres.ts';

/** `node bin/convene.js …` as an operator runs it: a real process, real database, real HTTPS listener. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'convene.js');
const COMMAND_TIMEOUT_MS = 60_000;
const STARTUP_TIMEOUT_MS = 60_000;

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The caller's environment without any Convene setting (or test-runner state) that could leak into the child. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('CONVENE_') || k === 'DATABASE_URL' || k.startsWith('NODE_TEST')) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Every child this file started, so after() can end the ones still running (by pid, nothing else). */
const children = new Set<ChildProcess>();

function killLeftovers(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`convene ${args.join(' ')} did not finish in ${COMMAND_TIMEOUT_MS} ms\n${stdout}\n${stderr}`));
    }, COMMAND_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

interface Served {
  child: ChildProcess;
  port: number;
  client: HttpsClient;
  output(): { stdout: string; stderr: string };
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `convene serve` on a free port of 127.0.0.1, resolved once it logs that it is serving. */
async function serve(env: NodeJS.ProcessEnv): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    env: { ...env, CONVENE_HOST: '127.0.0.1', CONVENE_HTTPS_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${STARTUP_TIMEOUT_MS} ms\n${stdout}\n${stderr}`)), STARTUP_TIMEOUT_MS);
    const check = () => {
      if (stdout.includes('Convene is serving')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited during startup (${code ?? signal})\n${stdout}\n${stderr}`));
    });
  });
  const client = new HttpsClient(`https://127.0.0.1:${port}`);
  return {
    child,
    port,
    client,
    output: () => ({ stdout, stderr }),
    async stop() {
      client.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      // A server that ignores SIGTERM fails the test through its exit status, but must not outlive the run.
      const guard = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 20_000);
      const exit = await exited;
      clearTimeout(guard);
      return exit;
    },
  };
}

const signIn = (client: HttpsClient, username: string, password: string, clientId = 'cli-test'): Promise<Reply> =>
  client.call('POST', '/api/v1/user/sign_in', { query: { client_id: clientId }, body: { username, secret: clientSecret(password) } });

const GENERATED_PASSWORD = /created alice with password: (\S+)\n/;
const FIRST_START_PASSWORD = /created SystemAdmin "admin" with password: (\S+)\n/;

/**
 * The flow an operator goes through on one database: migrate, create, start, change, lock, stop, start again. Each CLI
 * run loads the whole server through tsx (seconds on a busy machine), so PostgreSQL runs only the steps whose storage
 * differs; SQLite runs them all.
 */
function operatorFlow(dialect: TestDialect): void {
  const full = dialect === 'sqlite';
  describe(`convene CLI on ${dialect} [${dialect}]`, () => {
    let dataDir: string;
    let env: NodeJS.ProcessEnv;
    let drop: (() => Promise<void>) | undefined;
    let server: Served | undefined;
    let alicePassword = '';
    let adminPassword = '';

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'convene-cli-'));
      const extra: Record<string, string> = { CONVENE_DATA_DIR: dataDir, CONVENE_LOG_LEVEL: 'info' };
      if (dialect === 'postgres') {
        const db = await createPostgresDatabase();
        extra.DATABASE_URL = db.url;
        drop = db.drop;
      }
      env = cleanEnv(extra);
    });
    after(async () => {
      if (server) await server.stop();
      killLeftovers();
      await drop?.();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('migrate applies the migrations on an empty database, then reports it up to date (idempotent)', async () => {
      const first = await run(['migrate'], env);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^applied: 001-accounts/m);
      const second = await run(['migrate'], env);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /database is up to date/);
      assert.doesNotMatch(second.stdout, /applied/);
    });

    it('user create alice --role MeetingOperator prints a generated password once', async () => {
      const r = await run(['user', 'create', 'alice', '--role', 'MeetingOperator', '--real-name', 'Alice Operator'], env);
      assert.equal(r.code, 0, r.stderr);
      const m = GENERATED_PASSWORD.exec(r.stdout);
      assert.ok(m, `no password in: ${r.stdout}`);
      alicePassword = m[1]!;
      assert.ok(alicePassword.length >= 12, 'a generated password is long');
      assert.equal(r.stdout.split(alicePassword).length - 1, 1, 'printed exactly once');
    });

    if (full) {
      describe(`user commands that must fail → exit 2 with a one-line reason [${dialect}]`, { concurrency: true }, () => {
        it('user create ALICE (username taken, in any case) → exit 2 naming the username', async () => {
          const r = await run(['user', 'create', 'ALICE'], env);
          assert.equal(r.code, 2, r.stderr);
          assert.match(r.stderr, /^convene: .*ALICE/m);
          assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
        });
        it('user create bob --role Boss → exit 2 naming --role', async () => {
          const r = await run(['user', 'create', 'bob', '--role', 'Boss'], env);
          assert.equal(r.code, 2, r.stderr);
          assert.match(r.stderr, /^convene: .*--role/m);
        });
        it('user passwd nobody → exit 2 naming the user', async () => {
          const r = await run(['user', 'passwd', 'nobody', '--password', 'x'], env);
          assert.equal(r.code, 2, r.stderr);
          assert.match(r.stderr, /^convene: .*nobody/m);
        });
      });
    }

    it('serve on first start prints the generated admin password once on stderr and keeps it in admin-password.txt (0600)', async () => {
      server = await serve(env);
      const { stderr, stdout } = server.output();
      const m = FIRST_START_PASSWORD.exec(stderr);
      assert.ok(m, `no bootstrap password on stderr: ${stderr}`);
      adminPassword = m[1]!;
      assert.equal(stderr.split(adminPassword).length - 1, 1, 'printed exactly once');
      assert.ok(!stdout.includes(adminPassword), 'the password never goes through the logger');
      const file = join(dataDir, 'admin-password.txt');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const saved = readFileSync(file, 'utf8');
      assert.match(saved, /^username: admin$/m);
      assert.equal(/^password: (\S+)$/m.exec(saved)?.[1], adminPassword);
    });

    it('the admin password from the file signs in over HTTPS as SystemAdmin', async () => {
      const saved = /^password: (\S+)$/m.exec(readFileSync(join(dataDir, 'admin-password.txt'), 'utf8'))![1]!;
      const r = await signIn(server!.client, 'admin', saved);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.role, ['SystemAdmin']);
    });

    it('the password printed by user create signs in as MeetingOperator', async () => {
      const r = await signIn(server!.client, 'alice', alicePassword);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.role, ['MeetingOperator']);
      assert.equal(r.body.real_name, 'Alice Operator');
    });

    if (full) {
      it('user passwd alice --password X (while serving): X signs in, the old password does not', async () => {
        const r = await run(['user', 'passwd', 'alice', '--password', 'Changed-by-cli-1'], env);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /password of alice changed/);
        assert.equal((await signIn(server!.client, 'alice', 'Changed-by-cli-1')).status, 200);
        const old = await signIn(server!.client, 'alice', alicePassword);
        assert.equal(old.status, 401);
        assert.equal(old.body.errorCode, '0x00003003');
        alicePassword = 'Changed-by-cli-1';
      });
    }

    it('user lock alice (while serving) → sign-in answers 401 0x00003002 and her sessions end', async () => {
      const signedIn = await signIn(server!.client, 'alice', alicePassword, 'before-lock');
      assert.equal(signedIn.status, 200);
      const lock = await run(['user', 'lock', 'alice'], env);
      assert.equal(lock.code, 0, lock.stderr);
      assert.match(lock.stdout, /alice locked/);
      const r = await signIn(server!.client, 'alice', alicePassword);
      assert.equal(r.status, 401);
      assert.equal(r.body.errorCode, '0x00003002');
      const info = await server!.client.call('GET', '/api/v1/user/info', { query: { client_id: 'before-lock', token: signedIn.body.user_token } });
      assert.equal(info.status, 401, 'the sessions of a locked account end');
    });

    if (full) {
      it('user list shows every user with its role and state', async () => {
        const r = await run(['user', 'list'], env);
        assert.equal(r.code, 0, r.stderr);
        const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
        assert.deepEqual(rows.find((row) => row[0] === 'alice')?.slice(0, 3), ['alice', 'MeetingOperator', 'locked']);
        assert.deepEqual(rows.find((row) => row[0] === 'admin')?.slice(0, 3), ['admin', 'SystemAdmin', 'active']);
        assert.equal(rows.length, 2, r.stdout);
      });
    }

    it('user lock alice --unlock → she signs in again', async () => {
      const unlock = await run(['user', 'lock', 'alice', '--unlock'], env);
      assert.equal(unlock.code, 0, unlock.stderr);
      assert.match(unlock.stdout, /alice unlocked/);
      assert.equal((await signIn(server!.client, 'alice', alicePassword)).status, 200);
    });

    it('user lock alice --unlock also lifts a sign-in freeze the running server holds (another process)', async () => {
      for (let i = 0; i < 5; i++) await signIn(server!.client, 'alice', `wrong-${i}`);
      assert.equal((await signIn(server!.client, 'alice', alicePassword)).body.errorCode, '0x00003001');
      const unlock = await run(['user', 'lock', 'alice', '--unlock'], env);
      assert.equal(unlock.code, 0, unlock.stderr);
      assert.equal((await signIn(server!.client, 'alice', alicePassword)).status, 200);
    });

    /** Alice's rooms as her app sees them (R1) on the running server. */
    const aliceRooms = async () => {
      const token = (await signIn(server!.client, 'alice', alicePassword, 'alice-rooms')).body.user_token as string;
      const r = await server!.client.call('GET', '/api/v1/meeting_room', { query: { client_id: 'alice-rooms', token } });
      assert.equal(r.status, 200, r.text);
      return r.body.meeting_rooms as Record<string, unknown>[];
    };
    let roomNumber = '';

    it('room create "Alice weekly" --owner alice (while serving) prints the new number and password; her app lists the room', async () => {
      const r = await run(['room', 'create', 'Alice weekly', '--owner', 'alice'], env);
      assert.equal(r.code, 0, r.stderr);
      const m = /^created room ([1-9][0-9]{8}) "Alice weekly" owned by alice, password: ([0-9]{6})$/m.exec(r.stdout);
      assert.ok(m, `unexpected output: ${r.stdout}`);
      roomNumber = m[1]!;
      const rooms = await aliceRooms();
      assert.equal(rooms.length, 1);
      assert.equal(rooms[0]!.meeting_number, roomNumber);
      assert.equal(rooms[0]!.meetingroom_name, 'Alice weekly');
      assert.equal(rooms[0]!.meeting_password, m[2]);
      assert.equal(rooms[0]!.owner_name, 'Alice Operator');
      assert.equal(rooms[0]!.creator_id, '', 'created by the CLI, not by an account');
      assert.equal(rooms[0]!.creator_name, '');
    });

    it('room list shows number, name, owner and password', async () => {
      const r = await run(['room', 'list'], env);
      assert.equal(r.code, 0, r.stderr);
      const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
      assert.equal(rows.length, 1, r.stdout);
      assert.deepEqual(rows[0]!.slice(0, 3), [roomNumber, 'Alice weekly', 'alice']);
      assert.match(rows[0]![3]!, /^[0-9]{6}$/);
    });

    if (full) {
      describe(`room commands that must fail → exit 2 with a one-line reason [${dialect}]`, { concurrency: true }, () => {
        it('room create X --owner nobody → exit 2 naming --owner', async () => {
          const r = await run(['room', 'create', 'X', '--owner', 'nobody'], env);
          assert.equal(r.code, 2, r.stderr);
          assert.match(r.stderr, /^convene: --owner: .*nobody/m);
          assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
        });
        it('room create X --owner alice --password 12ab → exit 2 naming --password', async () => {
          const r = await run(['room', 'create', 'X', '--owner', 'alice', '--password', '12ab'], env);
          assert.equal(r.code, 2, r.stderr);
          assert.match(r.stderr, /^convene: --password/m);
        });
        it('room create X --owner alice --password 12345 → exit 2: --password must have at least 6 digits', async () => {
          const r = await run(['room', 'create', 'X', '--owner', 'alice', '--password', '12345'], env);
          assert.equal(r.code, 2, r.stderr);
          assert.match(r.stderr, /^convene: --password: must be at least 6 digits/m);
        });
        it('room update 123 --name Y (no such number) → exit 2 naming the number', async () => {
          const r = await run(['room', 'update', '123', '--name', 'Y'], env);
          assert.equal(r.code, 2, r.stderr);
          assert.match(r.stderr, /^convene: .*123/m);
        });
      });

      it('room update <number> --name … --owner admin --password "" renames, reassigns and clears the password; the number stays', async () => {
        const r = await run(['room', 'update', roomNumber, '--name', 'Team daily', '--owner', 'admin', '--password', ''], env);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`updated room ${roomNumber}`));
        assert.deepEqual(await aliceRooms(), [], 'no longer alice\'s');
        const list = await run(['room', 'list'], env);
        assert.deepEqual(list.stdout.replace(/\n$/, '').split('\t'), [roomNumber, 'Team daily', 'admin', ''], 'no password: an empty last column');
      });

      it('room delete <number> removes it', async () => {
        const r = await run(['room', 'delete', roomNumber], env);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`deleted room ${roomNumber}`));
        const list = await run(['room', 'list'], env);
        assert.equal(list.code, 0, list.stderr);
        assert.equal(list.stdout.trim(), '');
      });
    }

    it('SIGTERM shuts the server down gracefully → exit code 0', async () => {
      const exit = await server!.stop();
      server = undefined;
      assert.deepEqual(exit, { code: 0, signal: null });
    });

    if (full) {
      it('a second start prints no password and the first admin password still signs in', async () => {
        server = await serve(env);
        const { stderr, stdout } = server.output();
        assert.doesNotMatch(stderr, /password/i);
        assert.ok(!stdout.includes(adminPassword));
        const r = await signIn(server.client, 'admin', adminPassword);
        assert.equal(r.status, 200, r.text);
        const exit = await server.stop();
        server = undefined;
        assert.deepEqual(exit, { code: 0, signal: null });
      });
    }
  });
}

for (const dialect of testDialects()) operatorFlow(dialect);

describe('convene CLI: invalid configuration', { concurrency: true }, () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'convene-cli-config-'));
  });
  after(() => {
    killLeftovers();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ['serve with CONVENE_HTTPS_PORT=abc', [], { CONVENE_HTTPS_PORT: 'abc' }, /CONVENE_HTTPS_PORT/],
    ['serve with CONVENE_TIMEZONE=Mars/Base', [], { CONVENE_TIMEZONE: 'Mars/Base' }, /CONVENE_TIMEZONE/],
    ['serve --https-port 70000', ['serve', '--https-port', '70000'], {}, /--https-port/],
  ];
  for (const [name, args, extra, names] of cases) {
    it(`${name} → exit code 2 and stderr names the setting`, async () => {
      const r = await run(args, cleanEnv({ CONVENE_DATA_DIR: dataDir, CONVENE_HOST: '127.0.0.1', ...extra }));
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, /^convene: invalid configuration: /m);
      assert.match(r.stderr, names);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { clientSecret } from '../../src/accounts/secret.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/options.ts';
import type { Clock } from '../../src/kernel/clock.ts';
import { type ConveneServer, createServer } from '../../src/main.ts';
import { HttpsClient, type Reply } from './client.ts';
import { createPostgresDatabase, type TestDialect } from './dialects.ts';
import { freePort } from './postgres.ts';

export const ADMIN_PASSWORD = 'Admin-Passw0rd!';
/** Test servers open /metrics on their HTTPS port to this bearer token (CONVENE_METRICS_TOKEN). */
export const METRICS_TOKEN = 'test-metrics-token-0123456789';
export const METRICS_AUTH = { authorization: `Bearer ${METRICS_TOKEN}` };

/**
 * Where a test server keeps its state: the data directory and, for PostgreSQL, the database. Pass it to another
 * startTestServer() (or startServerProcess()) to run a new server on the same state, e.g. to test a restart.
 */
export interface TestStorage {
  dialect: TestDialect;
  dataDir: string;
  /** The PostgreSQL database (undefined for SQLite). */
  pg?: { url: string; drop(): Promise<void> };
}

/** Creates fresh storage of the dialect; removeStorage() deletes it. */
export async function createTestStorage(dialect: TestDialect): Promise<TestStorage> {
  const dataDir = mkdtempSync(join(tmpdir(), 'convene-test-'));
  const pg = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
  return { dialect, dataDir, ...(pg ? { pg } : {}) };
}

export async function removeStorage(storage: TestStorage): Promise<void> {
  await storage.pg?.drop();
  rmSync(storage.dataDir, { recursive: true, force: true });
}

export interface TestServer {
  server: ConveneServer;
  client: HttpsClient;
  url: string;
  dataDir: string;
  /** The data directory and database, for a later server on the same state. */
  storage: TestStorage;
  config: Config;
  /** Every log line the server wrote. */
  logs: string[];
  /** Signs in and returns the token (throws when sign-in fails). */
  signIn(username: string, password: string, clientId?: string): Promise<string>;
  adminToken(): Promise<string>;
  /** Creates a user through the API as admin; returns its id. */
  createUser(username: string, password: string, role?: string, extra?: Record<string, unknown>): Promise<string>;
  call: HttpsClient['call'];
  /**
   * Stops the server (gracefully) and removes its storage — unless `keepStorage`, for another server to reuse it (that
   * server's close() then removes it).
   */
  close(options?: { keepStorage?: boolean }): Promise<void>;
}

/** The environment a test server runs with, before the test's overrides. */
const baseEnv = (storage: TestStorage): Record<string, string> => ({
  CONVENE_DATA_DIR: storage.dataDir,
  CONVENE_HOST: '127.0.0.1',
  CONVENE_HTTPS_PORT: '0',
  CONVENE_ADMIN_PASSWORD: ADMIN_PASSWORD,
  CONVENE_METRICS_TOKEN: METRICS_TOKEN,
  CONVENE_LOG_LEVEL: 'info',
  // Media workers are processes of their own; only the media tests start them (test/support/media.ts).
  CONVENE_MEDIA: 'false',
  ...(storage.pg ? { DATABASE_URL: storage.pg.url } : {}),
});

/**
 * A real server on 127.0.0.1 (random port, HTTPS with its self-signed certificate) over a fresh database of the
 * given dialect and a temp data directory — or over `options.storage` of an earlier server — logging into memory.
 */
export async function startTestServer(
  dialect: TestDialect,
  overrides: Record<string, string> = {},
  options: { clock?: Clock; storage?: TestStorage } = {},
): Promise<TestServer> {
  if (options.storage && options.storage.dialect !== dialect) throw new Error(`storage is ${options.storage.dialect}, not ${dialect}`);
  const storage = options.storage ?? (await createTestStorage(dialect));
  const { dataDir } = storage;
  const config = loadConfig({ ...baseEnv(storage), ...overrides });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const server = await createServer({ config, logStream: logStream as never, ...(options.clock ? { clock: options.clock } : {}) });
  const { httpsPort } = await server.listen();
  const url = `https://127.0.0.1:${httpsPort}`;
  const client = new HttpsClient(url);
  // The promise, not the token, is kept: parallel callers must share one sign-in (a second would replace the first).
  let adminToken: Promise<string> | undefined;

  const signIn = async (username: string, password: string, clientId = `client-${username}`) => {
    const r: Reply = await client.call('POST', '/api/v1/user/sign_in', {
      query: { client_id: clientId },
      body: { username, secret: clientSecret(password) },
    });
    if (r.status !== 200) throw new Error(`sign-in of ${username} failed: ${r.status} ${r.text}`);
    return r.body.user_token as string;
  };
  const t: TestServer = {
    server,
    client,
    url,
    dataDir,
    storage,
    config,
    logs,
    signIn,
    adminToken() {
      adminToken ??= signIn('admin', ADMIN_PASSWORD, 'admin-console');
      return adminToken;
    },
    async createUser(username, password, role = 'Normal', extra = {}) {
      const r = await client.call('POST', '/api/v1/user/users', {
        query: { client_id: 'admin-console', token: await t.adminToken() },
        body: { username, secret: clientSecret(password), role, ...extra },
      });
      if (r.status !== 200) throw new Error(`creating ${username} failed: ${r.status} ${r.text}`);
      return r.body.user_id as string;
    },
    call: (method, path, opts) => client.call(method, path, opts),
    async close(closeOptions = {}) {
      client.close();
      await server.close();
      if (!closeOptions.keepStorage) await removeStorage(storage);
    },
  };
  return t;
}

const BIN = fileURLToPath(new URL('../../bin/convene.js', import.meta.url));
const PROCESS_STARTUP_MS = 60_000;

export interface ServerProcess {
  url: string;
  client: HttpsClient;
  child: ChildProcess;
  output(): string;
  /** SIGKILL: the server gets no chance to end its sessions or write anything. */
  kill(): Promise<void>;
  /** SIGTERM: a graceful shutdown (participants told, history written), as in a rolling restart. */
  stop(): Promise<void>;
}

/**
 * `convene serve` in its own process over `storage` (e.g. to kill it with SIGKILL, which an in-process server cannot
 * undergo). Its storage is not removed: the caller's later server or removeStorage() does that.
 */
export async function startServerProcess(
  storage: TestStorage,
  overrides: Record<string, string> = {},
  options: {
    /**
     * A command the server runs under, given the node program and its arguments after its own (e.g. `unshare -m …` to
     * give it a mount of its own); its last process must exec node, so that kill() reaches the server.
     */
    wrap?: string[];
    /** A fixed port (a cluster node other nodes must reach at a known address); default a free one. */
    port?: number;
  } = {},
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CONVENE_') && k !== 'DATABASE_URL' && !k.startsWith('NODE_TEST')) env[k] = v;
  const [program, ...args] = [...(options.wrap ?? []), process.execPath, BIN, 'serve'];
  const child = spawn(program!, args, {
    env: { ...env, ...baseEnv(storage), CONVENE_HTTPS_PORT: String(port), ...overrides },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const signal = async (name: 'SIGKILL' | 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, name);
    await exited;
  };
  const kill = () => signal('SIGKILL');
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server process did not start in ${PROCESS_STARTUP_MS} ms\n${out}`)), PROCESS_STARTUP_MS);
      child.stdout!.on('data', () => {
        if (out.includes('Convene is serving')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`server process exited during startup\n${out}`));
      });
    });
  } catch (e) {
    await kill();
    throw e;
  }
  const url = `https://127.0.0.1:${port}`;
  const client = new HttpsClient(url);
  return {
    url,
    client,
    child,
    output: () => out,
    async kill() {
      client.close();
      await kill();
    },
    async stop() {
      client.close();
      await signal('SIGTERM');
    },
  };
}

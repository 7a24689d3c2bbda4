import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { clientSecret } from '../../src/accounts/secret.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/options.ts';
import type { Clock } from '../../src/kernel/clock.ts';
import { type ConveneServer, createServer } from '../../src/main.ts';
import { HttpsClient, type Reply } from './client.ts';
import { createPostgresDatabase, type TestDialect } from './dialects.ts';

export const ADMIN_PASSWORD = 'Admin-Passw0rd!';

export interface TestServer {
  server: ConveneServer;
  client: HttpsClient;
  url: string;
  dataDir: string;
  config: Config;
  /** Every log line the server wrote. */
  logs: string[];
  /** Signs in and returns the token (throws when sign-in fails). */
  signIn(username: string, password: string, clientId?: string): Promise<string>;
  adminToken(): Promise<string>;
  /** Creates a user through the API as admin; returns its id. */
  createUser(username: string, password: string, role?: string, extra?: Record<string, unknown>): Promise<string>;
  call: HttpsClient['call'];
  close(): Promise<void>;
}

/**
 * A real server on 127.0.0.1 (random port, HTTPS with its self-signed certificate) over a fresh database of the
 * given dialect and a temp data directory, logging into memory.
 */
export async function startTestServer(
  dialect: TestDialect,
  overrides: Record<string, string> = {},
  options: { clock?: Clock } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'convene-test-'));
  const pgdb = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
  const config = loadConfig({
    CONVENE_DATA_DIR: dataDir,
    CONVENE_HOST: '127.0.0.1',
    CONVENE_HTTPS_PORT: '0',
    CONVENE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    CONVENE_LOG_LEVEL: 'info',
    ...(pgdb ? { DATABASE_URL: pgdb.url } : {}),
    ...overrides,
  });
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
    async close() {
      client.close();
      await server.close();
      await pgdb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

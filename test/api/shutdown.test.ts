/**
 * close() must not close the database under a request handler that is still running — not even one whose client has
 * already disconnected (the HTTP server no longer waits for those): it would fail with a 500 "driver has already been
 * destroyed". Deterministic: the handler waits on a gate the test opens only after close() has begun.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import Type from 'typebox';
import { operation } from '../../contract/rest/operation.ts';
import { loadConfig } from '../../src/config/load.ts';
import { registerOperation } from '../../src/http/route.ts';
import { fail } from '../../src/kernel/domain-error.ts';
import { type ConveneServer, createServer } from '../../src/main.ts';
import { createPostgresDatabase, testDialects } from '../support/dialects.ts';

const slow = operation({
  id: 'testSlow',
  methods: ['GET'],
  paths: ['/test/slow'],
  tag: 'test',
  summary: 'waits for the test, then queries the database',
  access: 'client',
  response: Type.Object({ n: Type.Number() }),
  errors: [],
});

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

for (const dialect of testDialects()) {
  describe(`ConveneServer.close() with a handler still running [${dialect}]`, () => {
    let dataDir: string;
    let dropDatabase: (() => Promise<void>) | undefined;
    let server: ConveneServer;
    const logs: string[] = [];
    const entered = deferred();
    const gate = deferred();
    let outcome = 'not run';

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'convene-shutdown-'));
      const pg = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
      dropDatabase = pg?.drop;
      const config = loadConfig({
        CONVENE_DATA_DIR: dataDir,
        CONVENE_HOST: '127.0.0.1',
        CONVENE_HTTPS_PORT: '0',
        CONVENE_ADMIN_PASSWORD: 'Admin-Passw0rd!',
        CONVENE_LOG_LEVEL: 'info',
        ...(pg ? { DATABASE_URL: pg.url } : {}),
      });
      const logStream = new Writable({
        write(chunk, _enc, done) {
          logs.push(...String(chunk).split('\n').filter(Boolean));
          done();
        },
      });
      server = await createServer({ config, logStream: logStream as never });
      registerOperation(server.app, slow, async () => fail('auth.required', 'not used'), async () => {
        entered.resolve();
        await gate.promise;
        try {
          await sql`select 1`.execute(server.database.db);
          outcome = 'ok';
        } catch (e) {
          outcome = String(e);
          throw e;
        }
        return { n: 1 };
      });
    });

    after(async () => {
      gate.resolve();
      await dropDatabase?.();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('waits for the handler of a request whose client has gone, then closes the database', async () => {
      const { httpsPort } = await server.listen();
      const req = request({ host: '127.0.0.1', port: httpsPort, path: '/test/slow?client_id=c', rejectUnauthorized: false });
      req.on('error', () => {});
      req.end();
      await entered.promise;
      req.destroy();

      let closed = false;
      const closing = server.close().then(() => {
        closed = true;
      });
      // Long enough for the HTTP server to finish closing: without the wait in close(), the database is gone by now.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(closed, false, 'close() is still waiting for the handler');
      gate.resolve();
      await closing;
      assert.equal(outcome, 'ok', 'the handler could still use the database');
      assert.ok(!logs.some((l) => /destroyed/.test(l)), logs.filter((l) => /destroyed/.test(l)).join('\n'));
    });
  });
}

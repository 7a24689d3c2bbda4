import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Reply } from '../support/client.ts';
import { testDialects } from '../support/dialects.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

function assertError(r: Reply, status: number, code: string, field?: string): void {
  assert.equal(r.status, status, `status (body: ${r.text})`);
  assert.equal(r.body?.errorCode, code, r.text);
  assert.equal(typeof r.body.error, 'string');
  if (field !== undefined) assert.match(r.body.error, new RegExp(`^${field}\\b`), r.body.error);
}

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

for (const dialect of testDialects()) {
  describe(`GET and POST /api/v1/system/version [${dialect}]`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(() => t.close());

    it('returns the package.json version, without sign-in → 200', async () => {
      assert.match(PACKAGE_VERSION, /^\d+\.\d+\.\d+/);
      for (const method of ['GET', 'POST']) {
        const r = await t.call(method, '/api/v1/system/version', { query: { client_id: 'v' } });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body, { version: PACKAGE_VERSION });
      }
    });

    it('POST with an empty JSON body, and a call with a token, answer the same', async () => {
      const empty = await t.call('POST', '/api/v1/system/version', { query: { client_id: 'v' }, body: '' });
      assert.deepEqual(empty.body, { version: PACKAGE_VERSION });
      const token = await t.adminToken();
      const signedIn = await t.call('GET', '/api/v1/system/version', { query: { client_id: 'admin-console', token } });
      assert.deepEqual(signedIn.body, { version: PACKAGE_VERSION });
    });

    it('without client_id → 400 0x10000001 naming client_id', async () => {
      for (const method of ['GET', 'POST']) assertError(await t.call(method, '/api/v1/system/version'), 400, '0x10000001', 'client_id');
    });
  });

  describe(`GET and POST /api/v1/system/capacity [${dialect}]`, () => {
    let t: TestServer;
    let token: string;
    before(async () => {
      t = await startTestServer(dialect, { CONVENE_MAX_CALLS: '7', CONVENE_MAX_USERS: '42', CONVENE_GATEWAY_MAX_CALLS: '3' });
      token = await t.adminToken();
    });
    after(() => t.close());

    const capacity = (method: string, tok = token, clientId = 'admin-console') =>
      t.call(method, '/api/v1/system/capacity', { query: { client_id: clientId, token: tok } });

    it('without a token or with a garbage one → 401 0x10000002', async () => {
      for (const method of ['GET', 'POST']) {
        const none = await t.call(method, '/api/v1/system/capacity', { query: { client_id: 'anon' } });
        assertError(none, 401, '0x10000002');
        assertError(await capacity(method, 'garbage', 'anon'), 401, '0x10000002');
      }
    });

    it('has the documented shape with the configured limits and the real usage → 200', async () => {
      for (const method of ['GET', 'POST']) {
        const r = await capacity(method);
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body, {
          gateway: { max_calls: 3, current_calls: 0 },
          system: { max_calls: 7, max_users: 42, current_calls: 0, current_users: 1, status: 'authorized' },
        });
      }
    });

    it('current_users follows the real number of accounts', async () => {
      const users = async () => (await capacity('GET')).body.system.current_users as number;
      assert.equal(await users(), 1, 'only the bootstrap admin');
      const first = await t.createUser('cap1', 'cap1-pw-1');
      assert.equal(await users(), 2);
      await t.createUser('cap2', 'cap2-pw-1');
      assert.equal(await users(), 3);
      const del = await t.call('DELETE', `/api/v1/user/users/${first}`, { query: { client_id: 'admin-console', token } });
      assert.equal(del.status, 200, del.text);
      assert.equal(await users(), 2);
      const list = await t.call('GET', '/api/v1/user/users', { query: { client_id: 'admin-console', token } });
      assert.equal(list.body.total_size, 2);
    });

    it('any signed-in user may read it, not only administrators', async () => {
      const normal = await t.signIn('cap2', 'cap2-pw-1', 'cap2');
      const r = await capacity('POST', normal, 'cap2');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.system.max_users, 42);
      assert.equal(r.body.system.current_users, 2);
    });
  });

  describe(`GET /api/v1/system/capacity with default limits [${dialect}]`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(() => t.close());

    it('reports the configured defaults: 100 calls, 1000 users, no gateway calls', async () => {
      const r = await t.call('GET', '/api/v1/system/capacity', { query: { client_id: 'admin-console', token: await t.adminToken() } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.gateway, { max_calls: t.config.gatewayMaxCalls, current_calls: 0 });
      assert.equal(r.body.system.max_calls, t.config.maxCalls);
      assert.equal(r.body.system.max_users, t.config.maxUsers);
      assert.deepEqual([t.config.maxCalls, t.config.maxUsers, t.config.gatewayMaxCalls], [100, 1000, 0]);
      assert.equal(r.body.system.current_users, 1);
      assert.equal(r.body.system.status, 'authorized');
    });

    it('GET /api/v1/system/status: version, database kind, start time and media for a SystemAdmin; 403 for others', async () => {
      const before = Date.now();
      const r = await t.call('GET', '/api/v1/system/status', { query: { client_id: 'admin-console', token: await t.adminToken() } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.version, PACKAGE_VERSION);
      assert.equal(r.body.database, dialect);
      assert.ok(r.body.started_time > before - 600_000 && r.body.started_time <= before, String(r.body.started_time));
      // Test servers run without media (CONVENE_MEDIA=false).
      assert.deepEqual(r.body.media, { enabled: false, running: false, workers: [] });

      await t.createUser('status-op', 'status-op-pw', 'MeetingOperator');
      const operator = await t.signIn('status-op', 'status-op-pw', 'status-op');
      assertError(await t.call('GET', '/api/v1/system/status', { query: { client_id: 'status-op', token: operator } }), 403, '0x10000003');
      assertError(await t.call('GET', '/api/v1/system/status', { query: { client_id: 'anon' } }), 401, '0x10000002');
    });
  });
}

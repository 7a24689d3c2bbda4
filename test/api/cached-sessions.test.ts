/**
 * Signed-in requests are answered from an in-process cache of sessions (src/accounts/session-cache.ts). These tests
 * use every token once before the change under test, so it is cached, and check that the change still applies to the
 * very next request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clientSecret } from '../../src/accounts/secret.ts';
import type { Reply } from '../support/client.ts';
import { testDialects } from '../support/dialects.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

function assertError(r: Reply, status: number, code: string): void {
  assert.equal(r.status, status, `status (body: ${r.text})`);
  assert.equal(r.body?.errorCode, code, r.text);
}

for (const dialect of testDialects()) {
  describe(`changes to a session or its account apply to a token just used (cached) [${dialect}]`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(() => t.close());

    const admin = async (method: string, path: string, body?: unknown) =>
      t.call(method, path, { query: { client_id: 'admin-console', token: await t.adminToken() }, ...(body !== undefined ? { body } : {}) });
    const info = (token: string, clientId: string) => t.call('GET', '/api/v1/user/info', { query: { client_id: clientId, token } });
    /** A new user, signed in on `clientId`, whose token has just been used. */
    const usedToken = async (username: string, clientId = `${username}-phone`, role = 'Normal') => {
      const id = await t.createUser(username, `${username}-pw-1`, role);
      const token = await t.signIn(username, `${username}-pw-1`, clientId);
      assert.equal((await info(token, clientId)).status, 200);
      assert.equal((await info(token, clientId)).status, 200);
      return { id, token };
    };

    it('sign-out → the next request with the token → 401', async () => {
      const { token } = await usedToken('signout', 'so');
      assert.equal((await t.call('POST', '/api/v1/user/sign_out', { query: { client_id: 'so', token }, body: '' })).status, 200);
      assertError(await info(token, 'so'), 401, '0x10000002');
    });

    it('lock by an administrator → 401 at once', async () => {
      const { id, token } = await usedToken('locked', 'lk');
      assert.equal((await admin('POST', `/api/v1/user/users/${id}/lock`)).status, 200);
      assertError(await info(token, 'lk'), 401, '0x10000002');
    });

    it('own password change → the other devices\' tokens → 401 at once; the changing device stays signed in', async () => {
      const { token: phone } = await usedToken('changer', 'ch-phone');
      const laptop = await t.signIn('changer', 'changer-pw-1', 'ch-laptop');
      assert.equal((await info(laptop, 'ch-laptop')).status, 200);
      const r = await t.call('PUT', '/api/v1/user/password', {
        query: { client_id: 'ch-laptop', token: laptop },
        body: { secret_old: clientSecret('changer-pw-1'), secret_new: clientSecret('changer-pw-2') },
      });
      assert.equal(r.status, 200, r.text);
      assertError(await info(phone, 'ch-phone'), 401, '0x10000002');
      assert.equal((await info(laptop, 'ch-laptop')).status, 200);
    });

    it('password reset, or an update with a secret, by an administrator → 401 at once', async () => {
      const reset = await usedToken('resetme', 'rs');
      assert.equal((await admin('POST', `/api/v1/user/users/${reset.id}/password_reset`, {})).status, 200);
      assertError(await info(reset.token, 'rs'), 401, '0x10000002');
      const updated = await usedToken('updateme', 'up');
      assert.equal((await admin('POST', `/api/v1/user/users/${updated.id}`, { secret: clientSecret('new-pw-123') })).status, 200);
      assertError(await info(updated.token, 'up'), 401, '0x10000002');
    });

    it('a SystemAdmin demoted to Normal → its next admin call with the same token → 403 0x10000003', async () => {
      const { id, token } = await usedToken('boss', 'boss', 'SystemAdmin');
      const list = () => t.call('GET', '/api/v1/user/users', { query: { client_id: 'boss', token } });
      assert.equal((await list()).status, 200);
      assert.equal((await admin('PUT', `/api/v1/user/users/${id}`, { role: 'Normal' })).status, 200);
      assertError(await list(), 403, '0x10000003');
      assert.deepEqual((await info(token, 'boss')).body.role, ['Normal'], 'still signed in, as Normal');
    });

    it('a profile change shows in the next profile read with the same token', async () => {
      const { id, token } = await usedToken('renamed', 'rn');
      assert.equal((await admin('POST', `/api/v1/user/users/${id}`, { real_name: 'New Name' })).status, 200);
      assert.equal((await info(token, 'rn')).body.real_name, 'New Name');
    });

    it('deleting the account → 401 at once', async () => {
      const { id, token } = await usedToken('deleted', 'del');
      assert.equal((await admin('DELETE', `/api/v1/user/users/${id}`)).status, 200);
      assertError(await info(token, 'del'), 401, '0x10000002');
    });

    it('signing in again from the same app → the replaced token → 401 at once', async () => {
      const { token } = await usedToken('again', 'ag');
      const second = await t.signIn('again', 'again-pw-1', 'ag');
      assertError(await info(token, 'ag'), 401, '0x10000002');
      assert.equal((await info(second, 'ag')).status, 200);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clientSecret } from '../../src/accounts/secret.ts';
import type { Reply } from '../support/client.ts';
import { testDialects } from '../support/dialects.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

function assertError(r: Reply, status: number, code: string, field?: string): void {
  assert.equal(r.status, status, `status (body: ${r.text})`);
  assert.equal(r.body?.errorCode, code, r.text);
  assert.equal(typeof r.body.error, 'string');
  if (field !== undefined) assert.match(r.body.error, new RegExp(`^${field}\\b`), r.body.error);
}

for (const dialect of testDialects()) {
  describe(`user self-service [${dialect}]`, () => {
    let t: TestServer;
    let umaId: string;
    before(async () => {
      t = await startTestServer(dialect);
      umaId = await t.createUser('uma', 'uma-pw-1', 'MeetingOperator', {
        real_name: 'Uma Udo',
        email: 'uma@example.org',
        department: 'Ops',
        mobile: '+49 170 1234',
        security_level: 'HIGH',
      });
      await t.createUser('sam', 'sam-pw-1');
      await t.createUser('pat', 'pat-pw-1');
      await t.createUser('pia', 'pia-pw-1');
    });
    after(() => t.close());

    const info = (method: string, token: string | undefined, clientId = 'c-info') =>
      t.call(method, '/api/v1/user/info', { query: { client_id: clientId, token } });

    describe(`GET and POST /api/v1/user/info [${dialect}]`, () => {
      it('GET echoes user_token and the full profile → 200', async () => {
        const token = await t.signIn('uma', 'uma-pw-1', 'c-info');
        const r = await info('GET', token);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.user_token, token);
        assert.equal(r.body.user_id, umaId);
        assert.equal(r.body.username, 'uma');
        assert.equal(r.body.real_name, 'Uma Udo');
        assert.equal(r.body.email, 'uma@example.org');
        assert.equal(r.body.department, 'Ops');
        assert.equal(r.body.mobile, '+49 170 1234');
        assert.deepEqual(r.body.role, ['MeetingOperator']);
        assert.equal(r.body.security_level, 'HIGH');
        assert.equal(typeof r.body.password_expired_time, 'number');
      });

      it('POST answers exactly as GET (the document says POST) → 200', async () => {
        const token = await t.signIn('uma', 'uma-pw-1', 'c-info');
        const get = await info('GET', token);
        const post = await t.call('POST', '/api/v1/user/info', { query: { client_id: 'c-info', token }, body: '' });
        assert.equal(post.status, 200, post.text);
        assert.deepEqual(post.body, get.body);
      });

      it('each user sees their own profile, not someone else\'s', async () => {
        const sam = await t.signIn('sam', 'sam-pw-1', 'c-sam');
        const r = await info('GET', sam, 'c-sam');
        assert.equal(r.body.username, 'sam');
        assert.equal(r.body.user_token, sam);
        assert.deepEqual(r.body.role, ['Normal']);
      });

      it('missing token → 401 0x10000002', async () => {
        assertError(await info('GET', undefined), 401, '0x10000002');
        assertError(await info('POST', undefined), 401, '0x10000002');
      });

      it('garbage token → 401 0x10000002', async () => {
        for (const token of ['garbage', 'A'.repeat(43), 'x']) {
          assertError(await info('GET', token), 401, '0x10000002');
          assertError(await info('POST', token), 401, '0x10000002');
        }
      });
    });

    describe(`POST /api/v1/user/sign_out [${dialect}]`, () => {
      it('revokes the token used: info with it afterwards → 401 0x10000002', async () => {
        const token = await t.signIn('sam', 'sam-pw-1', 'c-out');
        assert.equal((await info('GET', token, 'c-out')).status, 200);
        const out = await t.call('POST', '/api/v1/user/sign_out', { query: { client_id: 'c-out', token } });
        assert.equal(out.status, 200, out.text);
        assert.deepEqual(out.body, {});
        assertError(await info('GET', token, 'c-out'), 401, '0x10000002');
        assertError(await info('POST', token, 'c-out'), 401, '0x10000002');
      });

      it('works with an empty "" JSON body (Android, Windows) → 200 {}', async () => {
        const token = await t.signIn('sam', 'sam-pw-1', 'c-out2');
        const out = await t.call('POST', '/api/v1/user/sign_out', { query: { client_id: 'c-out2', token }, body: '' });
        assert.equal(out.status, 200, out.text);
        assert.equal(out.text, '{}');
        assertError(await info('GET', token, 'c-out2'), 401, '0x10000002');
      });

      it('ends only that session: the same user on another device stays signed in', async () => {
        const phone = await t.signIn('sam', 'sam-pw-1', 'sam-phone');
        const laptop = await t.signIn('sam', 'sam-pw-1', 'sam-laptop');
        await t.call('POST', '/api/v1/user/sign_out', { query: { client_id: 'sam-phone', token: phone }, body: {} });
        assert.equal((await info('GET', phone, 'sam-phone')).status, 401);
        assert.equal((await info('GET', laptop, 'sam-laptop')).status, 200);
      });

      it('a revoked token cannot sign out again → 401 0x10000002; no token → 401 0x10000002', async () => {
        const token = await t.signIn('sam', 'sam-pw-1', 'c-out3');
        assert.equal((await t.call('POST', '/api/v1/user/sign_out', { query: { client_id: 'c-out3', token } })).status, 200);
        assertError(await t.call('POST', '/api/v1/user/sign_out', { query: { client_id: 'c-out3', token } }), 401, '0x10000002');
        assertError(await t.call('POST', '/api/v1/user/sign_out', { query: { client_id: 'c-out3' }, body: '' }), 401, '0x10000002');
      });
    });

    describe(`PUT and POST /api/v1/user/password [${dialect}]`, () => {
      const change = (method: string, token: string | undefined, oldPw: string | undefined, newPw: string | undefined, clientId = 'c-pw') =>
        t.call(method, '/api/v1/user/password', {
          query: { client_id: clientId, token },
          body: {
            ...(oldPw !== undefined ? { secret_old: clientSecret(oldPw) } : {}),
            ...(newPw !== undefined ? { secret_new: clientSecret(newPw) } : {}),
          },
        });
      const trySignIn = (username: string, password: string) =>
        t.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'c-try' }, body: { username, secret: clientSecret(password) } });

      it('wrong secret_old → 400 0x10000001 naming secret_old, not 401 (a 401 signs the Android user out)', async () => {
        const token = await t.signIn('pat', 'pat-pw-1', 'c-pw');
        for (const method of ['PUT', 'POST']) {
          const r = await change(method, token, 'not-my-password', 'pat-pw-new');
          assertError(r, 400, '0x10000001', 'secret_old');
        }
        // Nothing changed and the caller is still signed in.
        assert.equal((await info('GET', token, 'c-pw')).status, 200);
        assert.equal((await trySignIn('pat', 'pat-pw-1')).status, 200);
        assert.equal((await trySignIn('pat', 'pat-pw-new')).body.errorCode, '0x00003003');
      });

      it('the same new secret as the old one → 400 0x10000001 naming secret_new', async () => {
        const token = await t.signIn('pat', 'pat-pw-1', 'c-pw');
        for (const method of ['PUT', 'POST']) assertError(await change(method, token, 'pat-pw-1', 'pat-pw-1'), 400, '0x10000001', 'secret_new');
      });

      it('missing or malformed secrets → 400 naming the field', async () => {
        const token = await t.signIn('pat', 'pat-pw-1', 'c-pw');
        assertError(await change('PUT', token, undefined, 'x'), 400, '0x10000001', 'secret_old');
        assertError(await change('PUT', token, 'pat-pw-1', undefined), 400, '0x10000001', 'secret_new');
        const bad = await t.call('PUT', '/api/v1/user/password', {
          query: { client_id: 'c-pw', token },
          body: { secret_old: clientSecret('pat-pw-1'), secret_new: 'plain-text-password' },
        });
        assertError(bad, 400, '0x10000009', 'secret_new');
      });

      it('missing or garbage token → 401 0x10000002', async () => {
        assertError(await change('PUT', undefined, 'pat-pw-1', 'pat-pw-2'), 401, '0x10000002');
        assertError(await change('POST', 'garbage', 'pat-pw-1', 'pat-pw-2'), 401, '0x10000002');
        assert.equal((await trySignIn('pat', 'pat-pw-1')).status, 200, 'password unchanged');
      });

      it('PUT success: the new password signs in, the old one → 401 0x00003003', async () => {
        const token = await t.signIn('pat', 'pat-pw-1', 'c-pw');
        const r = await change('PUT', token, 'pat-pw-1', 'pat-pw-2');
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body, {});
        assert.equal((await trySignIn('pat', 'pat-pw-2')).status, 200);
        const old = await trySignIn('pat', 'pat-pw-1');
        assert.equal(old.status, 401);
        assert.equal(old.body.errorCode, '0x00003003');
      });

      it('POST success too, with an upper-case hex secret_old; the calling token keeps working, other sessions end', async () => {
        const caller = await t.signIn('pia', 'pia-pw-1', 'pia-phone');
        const other = await t.signIn('pia', 'pia-pw-1', 'pia-laptop');
        const third = await t.signIn('pia', 'pia-pw-1', 'pia-tablet');
        const bystander = await t.signIn('sam', 'sam-pw-1', 'sam-desk');
        const r = await t.call('POST', '/api/v1/user/password', {
          query: { client_id: 'pia-phone', token: caller },
          body: { secret_old: clientSecret('pia-pw-1').toUpperCase(), secret_new: clientSecret('pia-pw-2') },
        });
        assert.equal(r.status, 200, r.text);
        assert.equal((await info('GET', caller, 'pia-phone')).status, 200, 'the calling token keeps working');
        assertError(await info('GET', other, 'pia-laptop'), 401, '0x10000002');
        assertError(await info('GET', third, 'pia-tablet'), 401, '0x10000002');
        assert.equal((await info('GET', bystander, 'sam-desk')).status, 200, 'other users keep their sessions');
        assert.equal((await trySignIn('pia', 'pia-pw-2')).status, 200);
        assert.equal((await trySignIn('pia', 'pia-pw-1')).body.errorCode, '0x00003003');
        // And it can change the password again with the token it kept.
        assert.equal((await change('PUT', caller, 'pia-pw-2', 'pia-pw-3', 'pia-phone')).status, 200);
        assert.equal((await trySignIn('pia', 'pia-pw-3')).status, 200);
      });
    });
  });
}

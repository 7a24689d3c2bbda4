import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clientSecret } from '../../src/accounts/secret.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import type { Reply } from '../support/client.ts';
import { testDialects } from '../support/dialects.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

function assertError(r: Reply, status: number, code: string, field?: string): void {
  assert.equal(r.status, status, `status (body: ${r.text})`);
  assert.equal(r.body?.errorCode, code, r.text);
  assert.equal(typeof r.body.error, 'string');
  if (field !== undefined) assert.match(r.body.error, new RegExp(`^${field}\\b`), r.body.error);
}

const ADMIN_VIEW_KEYS = [
  'created_time',
  'department',
  'email',
  'frozen_until',
  'locked',
  'mobile',
  'real_name',
  'role',
  'security_level',
  'user_id',
  'username',
];

/** Helpers bound to one server: admin calls, sign-in attempts that do not throw, and user look-ups. */
function helpers(get: () => TestServer) {
  const adminQuery = async () => ({ client_id: 'admin-console', token: await get().adminToken() });
  return {
    /** A call as the bootstrap administrator. */
    admin: async (method: string, path: string, body?: unknown) =>
      get().call(method, path, { query: await adminQuery(), ...(body !== undefined ? { body } : {}) }),
    /** A sign-in attempt; the reply, whatever it is. */
    attempt: (username: string, password: string, clientId = 'attempt') =>
      get().call('POST', '/api/v1/user/sign_in', { query: { client_id: clientId }, body: { username, secret: clientSecret(password) } }),
    info: (token: string, clientId: string) => get().call('GET', '/api/v1/user/info', { query: { client_id: clientId, token } }),
    /** Every account in the admin list (one page of 500). */
    allUsers: async () => {
      const r = await get().call('GET', '/api/v1/user/users', { query: { ...(await adminQuery()), page_size: 500 } });
      assert.equal(r.status, 200, r.text);
      return r.body as { users: Record<string, any>[]; total_size: number; total_page_num: number };
    },
    freeze: async (username: string) => {
      for (let i = 0; i < 5; i++) {
        await get().call('POST', '/api/v1/user/sign_in', { query: { client_id: 'freezer' }, body: { username, secret: clientSecret(`wrong-${i}`) } });
      }
    },
  };
}

for (const dialect of testDialects()) {
  describe(`user administration [${dialect}]`, () => {
    let t: TestServer;
    const { admin, attempt, info, allUsers, freeze } = helpers(() => t);
    let adminId: string;
    before(async () => {
      // The per-address throttle is not under test here; several tests freeze accounts on purpose.
      t = await startTestServer(dialect, { CONVENE_SIGN_IN_FAILURES_PER_MINUTE: '1000' });
      adminId = (await t.call('GET', '/api/v1/user/info', { query: { client_id: 'admin-console', token: await t.adminToken() } })).body.user_id;
    });
    after(() => t.close());

    describe(`POST /api/v1/user/users [${dialect}]`, () => {
      it('creates a user with role as the string "Normal" → 200 {user_id}; the profile holds the given fields', async () => {
        const r = await admin('POST', '/api/v1/user/users', {
          username: 'alice',
          secret: clientSecret('alice-pw-1'),
          real_name: 'Alice Anders',
          email: 'alice@example.org',
          department: 'Research',
          mobile: '+1 (555) 0100',
          role: 'Normal',
          security_level: 'HIGH',
        });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(Object.keys(r.body), ['user_id']);
        assert.equal(typeof r.body.user_id, 'string');
        const got = await admin('GET', `/api/v1/user/users/${r.body.user_id}`);
        assert.equal(got.body.username, 'alice');
        assert.equal(got.body.real_name, 'Alice Anders');
        assert.equal(got.body.email, 'alice@example.org');
        assert.equal(got.body.department, 'Research');
        assert.equal(got.body.mobile, '+1 (555) 0100');
        assert.deepEqual(got.body.role, ['Normal']);
        assert.equal(got.body.security_level, 'HIGH');
        const signIn = await attempt('alice', 'alice-pw-1');
        assert.equal(signIn.status, 200, signIn.text);
        assert.equal(signIn.body.user_id, r.body.user_id);
      });

      it('accepts role as the array ["MeetingOperator"] that the profile returns → 200', async () => {
        const r = await admin('POST', '/api/v1/user/users', { username: 'oscar', secret: clientSecret('oscar-pw-1'), role: ['MeetingOperator'] });
        assert.equal(r.status, 200, r.text);
        const signIn = await attempt('oscar', 'oscar-pw-1');
        assert.deepEqual(signIn.body.role, ['MeetingOperator']);
      });

      it('a created SystemAdmin may administer users too', async () => {
        await t.createUser('sysop', 'sysop-pw-1', 'SystemAdmin');
        const token = await t.signIn('sysop', 'sysop-pw-1', 'sysop');
        const r = await t.call('POST', '/api/v1/user/users', {
          query: { client_id: 'sysop', token },
          body: { username: 'made-by-sysop', secret: clientSecret('x-pw-1') },
        });
        assert.equal(r.status, 200, r.text);
      });

      it('defaults: role Normal, security level NORMAL, empty profile strings, not locked, not frozen', async () => {
        const r = await admin('POST', '/api/v1/user/users', { username: 'plain', secret: clientSecret('plain-pw-1') });
        assert.equal(r.status, 200, r.text);
        const got = await admin('GET', `/api/v1/user/users/${r.body.user_id}`);
        assert.deepEqual(got.body.role, ['Normal']);
        assert.equal(got.body.security_level, 'NORMAL');
        for (const k of ['real_name', 'email', 'department', 'mobile']) assert.equal(got.body[k], '', k);
        assert.equal(got.body.locked, false);
        assert.equal(got.body.frozen_until, 0);
        assert.ok(Math.abs(got.body.created_time - Date.now()) < 60_000, 'created_time is now, in ms');
      });

      it('a username already taken, in any letter case → 409 0x10000005', async () => {
        await t.createUser('bob', 'bob-pw-1');
        const before = (await allUsers()).total_size;
        for (const username of ['bob', 'Bob', 'BOB']) {
          const r = await admin('POST', '/api/v1/user/users', { username, secret: clientSecret('other-pw') });
          assertError(r, 409, '0x10000005');
          assert.match(r.body.error, /username/);
        }
        assert.equal((await allUsers()).total_size, before);
        assert.equal((await attempt('bob', 'bob-pw-1')).status, 200, 'the first bob keeps his password');
      });

      it('"Alice" when "alice" exists → 409 0x10000005', async () => {
        assertError(await admin('POST', '/api/v1/user/users', { username: 'Alice', secret: clientSecret('x') }), 409, '0x10000005');
      });

      it('unknown role "Boss" → 400 0x10000001 naming role', async () => {
        assertError(await admin('POST', '/api/v1/user/users', { username: 'boss', secret: clientSecret('x'), role: 'Boss' }), 400, '0x10000001', 'role');
        assertError(await admin('POST', '/api/v1/user/users', { username: 'boss', secret: clientSecret('x'), role: ['Boss'] }), 400, '0x10000001', 'role');
        assertError(await admin('POST', '/api/v1/user/users', { username: 'boss', secret: clientSecret('x'), role: 'systemadmin' }), 400, '0x10000001', 'role');
      });

      it('real_name of 129 characters → 400 0x10000008 naming real_name; 128 is accepted', async () => {
        const long = await admin('POST', '/api/v1/user/users', { username: 'longname', secret: clientSecret('x'), real_name: 'r'.repeat(129) });
        assertError(long, 400, '0x10000008', 'real_name');
        const fits = await admin('POST', '/api/v1/user/users', { username: 'longname', secret: clientSecret('x'), real_name: 'r'.repeat(128) });
        assert.equal(fits.status, 200, fits.text);
      });

      it('malformed email → 400 0x10000009 naming email', async () => {
        for (const email of ['not-an-email', 'a@b@c', 'a b@example.org', '@']) {
          assertError(await admin('POST', '/api/v1/user/users', { username: 'mailer', secret: clientSecret('x'), email }), 400, '0x10000009', 'email');
        }
      });

      it('missing username or secret, or a malformed one → 400 naming the field', async () => {
        assertError(await admin('POST', '/api/v1/user/users', { secret: clientSecret('x') }), 400, '0x10000001', 'username');
        assertError(await admin('POST', '/api/v1/user/users', { username: 'nosecret' }), 400, '0x10000001', 'secret');
        assertError(await admin('POST', '/api/v1/user/users', { username: 'two words', secret: clientSecret('x') }), 400, '0x10000009', 'username');
        assertError(await admin('POST', '/api/v1/user/users', { username: 'rawpw', secret: 'password' }), 400, '0x10000009', 'secret');
        assertError(await admin('POST', '/api/v1/user/users', { username: 'u'.repeat(65), secret: clientSecret('x') }), 400, '0x10000008', 'username');
        const names = (await allUsers()).users.map((u) => u.username);
        for (const n of ['nosecret', 'rawpw', 'boss', 'mailer']) assert.ok(!names.includes(n), `${n} was not created`);
      });
    });

    describe(`POST and PUT /api/v1/user/users/{user_id} [${dialect}]`, () => {
      it('POST changes the given fields and leaves the others → 200 {user_id}', async () => {
        const id = await t.createUser('carl', 'carl-pw-1', 'Normal', { real_name: 'Carl C', email: 'carl@example.org', department: 'Sales' });
        const r = await admin('POST', `/api/v1/user/users/${id}`, { real_name: 'Carl Carlsson', mobile: '555 0101' });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body, { user_id: id });
        const got = (await admin('GET', `/api/v1/user/users/${id}`)).body;
        assert.equal(got.real_name, 'Carl Carlsson');
        assert.equal(got.mobile, '555 0101');
        assert.equal(got.email, 'carl@example.org');
        assert.equal(got.department, 'Sales');
        assert.equal(got.username, 'carl');
        assert.equal((await attempt('carl', 'carl-pw-1')).status, 200, 'password unchanged');
      });

      it('PUT does the same; the role may be given as a string or an array', async () => {
        const id = await t.createUser('dora', 'dora-pw-1');
        const put = await admin('PUT', `/api/v1/user/users/${id}`, { email: 'dora@example.org', role: ['MeetingOperator'], security_level: 'HIGH' });
        assert.equal(put.status, 200, put.text);
        let got = (await admin('GET', `/api/v1/user/users/${id}`)).body;
        assert.equal(got.email, 'dora@example.org');
        assert.deepEqual(got.role, ['MeetingOperator']);
        assert.equal(got.security_level, 'HIGH');
        assert.equal((await admin('PUT', `/api/v1/user/users/${id}`, { role: 'Normal' })).status, 200);
        got = (await admin('GET', `/api/v1/user/users/${id}`)).body;
        assert.deepEqual(got.role, ['Normal']);
      });

      it('without secret the user stays signed in; with secret every session of the user ends', async () => {
        const id = await t.createUser('eve', 'eve-pw-1');
        const phone = await t.signIn('eve', 'eve-pw-1', 'eve-phone');
        const laptop = await t.signIn('eve', 'eve-pw-1', 'eve-laptop');
        assert.equal((await admin('POST', `/api/v1/user/users/${id}`, { department: 'HR' })).status, 200);
        assert.equal((await info(phone, 'eve-phone')).status, 200, 'a profile edit keeps the sessions');
        const r = await admin('PUT', `/api/v1/user/users/${id}`, { secret: clientSecret('eve-pw-2') });
        assert.equal(r.status, 200, r.text);
        assertError(await info(phone, 'eve-phone'), 401, '0x10000002');
        assertError(await info(laptop, 'eve-laptop'), 401, '0x10000002');
        assert.equal((await attempt('eve', 'eve-pw-2')).status, 200);
        assert.equal((await attempt('eve', 'eve-pw-1')).body.errorCode, '0x00003003');
      });

      it('renaming works; a name taken in any case → 409 0x10000005', async () => {
        const id = await t.createUser('fritz', 'fritz-pw-1');
        assert.equal((await admin('POST', `/api/v1/user/users/${id}`, { username: 'fritz2' })).status, 200);
        assert.equal((await attempt('fritz2', 'fritz-pw-1')).status, 200);
        assertError(await admin('POST', `/api/v1/user/users/${id}`, { username: 'ALICE' }), 409, '0x10000005');
        assert.equal((await admin('GET', `/api/v1/user/users/${id}`)).body.username, 'fritz2');
      });

      it('unknown user id → 404 0x10000004', async () => {
        assertError(await admin('POST', '/api/v1/user/users/no-such-user', { real_name: 'x' }), 404, '0x10000004');
        assertError(await admin('PUT', '/api/v1/user/users/00000000-0000-0000-0000-000000000000', { real_name: 'x' }), 404, '0x10000004');
      });

      it('invalid fields → 400 naming the field, and nothing changes', async () => {
        const id = await t.createUser('gina', 'gina-pw-1', 'Normal', { real_name: 'Gina' });
        assertError(await admin('POST', `/api/v1/user/users/${id}`, { role: 'Boss' }), 400, '0x10000001', 'role');
        assertError(await admin('PUT', `/api/v1/user/users/${id}`, { real_name: 'g'.repeat(129) }), 400, '0x10000008', 'real_name');
        assertError(await admin('POST', `/api/v1/user/users/${id}`, { email: 'gina-at-example.org' }), 400, '0x10000009', 'email');
        assertError(await admin('POST', `/api/v1/user/users/${id}`, { secret: 'not-hex' }), 400, '0x10000009', 'secret');
        const got = (await admin('GET', `/api/v1/user/users/${id}`)).body;
        assert.equal(got.real_name, 'Gina');
        assert.deepEqual(got.role, ['Normal']);
        assert.equal(got.email, '');
      });
    });

    describe(`GET /api/v1/user/users and /api/v1/user/users/{user_id} [${dialect}]`, () => {
      it('lists every account with the full admin view, including locked and frozen_until', async () => {
        const lilyId = await t.createUser('lily', 'lily-pw-1', 'Normal', { real_name: 'Lily L' });
        const fredId = await t.createUser('fred', 'fred-pw-1');
        assert.equal((await admin('POST', `/api/v1/user/users/${lilyId}/lock`)).status, 200);
        await freeze('fred');
        const list = await allUsers();
        for (const u of list.users) assert.deepEqual(Object.keys(u).sort(), ADMIN_VIEW_KEYS, u.username);
        const lily = list.users.find((u) => u.user_id === lilyId)!;
        const fred = list.users.find((u) => u.user_id === fredId)!;
        const adm = list.users.find((u) => u.user_id === adminId)!;
        assert.equal(lily.locked, true);
        assert.equal(lily.frozen_until, 0);
        assert.equal(lily.real_name, 'Lily L');
        assert.equal(fred.locked, false);
        assert.ok(fred.frozen_until > Date.now() && fred.frozen_until <= Date.now() + 5 * 60_000, `frozen_until ${fred.frozen_until}`);
        assert.deepEqual(adm.role, ['SystemAdmin']);
        assert.equal(adm.locked, false);
      });

      it('total_size is the number of accounts; page_size and page_num page through them', async () => {
        const all = await allUsers();
        assert.equal(all.total_size, all.users.length);
        assert.equal(all.total_page_num, 1);
        const pageSize = 3;
        const seen: string[] = [];
        const pages = Math.ceil(all.total_size / pageSize);
        for (let n = 1; n <= pages; n++) {
          const r = await t.call('GET', '/api/v1/user/users', {
            query: { client_id: 'admin-console', token: await t.adminToken(), page_num: n, page_size: pageSize },
          });
          assert.equal(r.body.total_page_num, pages);
          assert.equal(r.body.total_size, all.total_size);
          seen.push(...r.body.users.map((u: { user_id: string }) => u.user_id));
        }
        assert.deepEqual([...seen].sort(), all.users.map((u) => u.user_id).sort());
      });

      it('GET one user → the same admin view', async () => {
        const id = await t.createUser('hank', 'hank-pw-1', 'MeetingOperator', { real_name: 'Hank H', department: 'Ops' });
        const r = await admin('GET', `/api/v1/user/users/${id}`);
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(Object.keys(r.body).sort(), ADMIN_VIEW_KEYS);
        assert.equal(r.body.user_id, id);
        assert.equal(r.body.username, 'hank');
        assert.deepEqual(r.body.role, ['MeetingOperator']);
        assert.equal(r.body.department, 'Ops');
        assert.equal(r.body.locked, false);
      });

      it('unknown user id → 404 0x10000004', async () => {
        assertError(await admin('GET', '/api/v1/user/users/no-such-user'), 404, '0x10000004');
      });
    });

    describe(`POST and DELETE /api/v1/user/users/{user_id}/lock [${dialect}]`, () => {
      it('lock → 200 {user_id}; the user\'s sessions end and sign-in → 401 0x00003002', async () => {
        const id = await t.createUser('ivan', 'ivan-pw-1');
        const token = await t.signIn('ivan', 'ivan-pw-1', 'ivan-phone');
        const r = await admin('POST', `/api/v1/user/users/${id}/lock`);
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body, { user_id: id });
        assertError(await info(token, 'ivan-phone'), 401, '0x10000002');
        assertError(await attempt('ivan', 'ivan-pw-1'), 401, '0x00003002');
        assert.equal((await admin('GET', `/api/v1/user/users/${id}`)).body.locked, true);
        // Locking twice is harmless.
        assert.equal((await admin('POST', `/api/v1/user/users/${id}/lock`)).status, 200);
      });

      it('unlock → 200 {user_id}; the user signs in again', async () => {
        const id = await t.createUser('jack', 'jack-pw-1');
        await admin('POST', `/api/v1/user/users/${id}/lock`);
        const r = await admin('DELETE', `/api/v1/user/users/${id}/lock`);
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body, { user_id: id });
        assert.equal((await admin('GET', `/api/v1/user/users/${id}`)).body.locked, false);
        assert.equal((await attempt('jack', 'jack-pw-1')).status, 200);
      });

      it('unlock also lifts a sign-in freeze', async () => {
        const id = await t.createUser('kate', 'kate-pw-1');
        await freeze('kate');
        assertError(await attempt('kate', 'kate-pw-1'), 401, '0x00003001');
        assert.ok((await admin('GET', `/api/v1/user/users/${id}`)).body.frozen_until > 0);
        assert.equal((await admin('DELETE', `/api/v1/user/users/${id}/lock`)).status, 200);
        assert.equal((await admin('GET', `/api/v1/user/users/${id}`)).body.frozen_until, 0);
        assert.equal((await attempt('kate', 'kate-pw-1')).status, 200);
      });

      it('an administrator cannot lock itself → 403 0x10000006 and stays signed in', async () => {
        assertError(await admin('POST', `/api/v1/user/users/${adminId}/lock`), 403, '0x10000006');
        assert.equal((await admin('GET', '/api/v1/user/info')).status, 200);
        assert.equal((await admin('GET', `/api/v1/user/users/${adminId}`)).body.locked, false);
      });

      it('unknown user id → 404 0x10000004', async () => {
        assertError(await admin('POST', '/api/v1/user/users/no-such-user/lock'), 404, '0x10000004');
        assertError(await admin('DELETE', '/api/v1/user/users/no-such-user/lock'), 404, '0x10000004');
      });
    });

    describe(`POST /api/v1/user/users/{user_id}/password_reset [${dialect}]`, () => {
      it('with secret: that secret signs in, the old one → 0x00003003, and the user\'s sessions end', async () => {
        const id = await t.createUser('lena', 'lena-pw-1');
        const token = await t.signIn('lena', 'lena-pw-1', 'lena-phone');
        const r = await admin('POST', `/api/v1/user/users/${id}/password_reset`, { secret: clientSecret('lena-pw-2') });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body, { user_id: id }, 'no generated password when a secret was given');
        assertError(await info(token, 'lena-phone'), 401, '0x10000002');
        assert.equal((await attempt('lena', 'lena-pw-2')).status, 200);
        assertError(await attempt('lena', 'lena-pw-1'), 401, '0x00003003');
      });

      it('without secret: returns a generated password that then signs in', async () => {
        const id = await t.createUser('mona', 'mona-pw-1');
        for (const body of [{}, undefined]) {
          const r = await admin('POST', `/api/v1/user/users/${id}/password_reset`, body);
          assert.equal(r.status, 200, r.text);
          assert.equal(r.body.user_id, id);
          assert.equal(typeof r.body.password, 'string');
          assert.ok(r.body.password.length >= 8, 'a usable password');
          assert.equal((await attempt('mona', r.body.password)).status, 200);
          assertError(await attempt('mona', 'mona-pw-1'), 401, '0x00003003');
        }
      });

      it('clears a sign-in freeze', async () => {
        const id = await t.createUser('nina', 'nina-pw-1');
        await freeze('nina');
        assertError(await attempt('nina', 'nina-pw-1'), 401, '0x00003001');
        const r = await admin('POST', `/api/v1/user/users/${id}/password_reset`, '');
        assert.equal(r.status, 200, r.text);
        assert.equal((await admin('GET', `/api/v1/user/users/${id}`)).body.frozen_until, 0);
        assert.equal((await attempt('nina', r.body.password)).status, 200);
      });

      it('malformed secret → 400 0x10000009 naming secret; unknown user id → 404 0x10000004', async () => {
        const id = await t.createUser('olga', 'olga-pw-1');
        assertError(await admin('POST', `/api/v1/user/users/${id}/password_reset`, { secret: 'olga-pw-2' }), 400, '0x10000009', 'secret');
        assert.equal((await attempt('olga', 'olga-pw-1')).status, 200, 'password unchanged');
        assertError(await admin('POST', '/api/v1/user/users/no-such-user/password_reset', {}), 404, '0x10000004');
      });
    });

    describe(`DELETE /api/v1/user/users/{user_id} [${dialect}]`, () => {
      it('→ 200 {}; the user can no longer sign in, its token stops working, it is gone from the list', async () => {
        const id = await t.createUser('paul', 'paul-pw-1');
        const token = await t.signIn('paul', 'paul-pw-1', 'paul-phone');
        const r = await admin('DELETE', `/api/v1/user/users/${id}`);
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body, {});
        assertError(await attempt('paul', 'paul-pw-1'), 401, '0x00003000');
        assertError(await info(token, 'paul-phone'), 401, '0x10000002');
        assertError(await admin('GET', `/api/v1/user/users/${id}`), 404, '0x10000004');
        assert.ok(!(await allUsers()).users.some((u) => u.user_id === id));
      });

      it('deleting again or an unknown id → 404 0x10000004', async () => {
        const id = await t.createUser('quinn', 'quinn-pw-1');
        assert.equal((await admin('DELETE', `/api/v1/user/users/${id}`)).status, 200);
        assertError(await admin('DELETE', `/api/v1/user/users/${id}`), 404, '0x10000004');
        assertError(await admin('DELETE', '/api/v1/user/users/no-such-user'), 404, '0x10000004');
      });

      it('the freed username can be registered again, as a new account', async () => {
        const first = await t.createUser('rita', 'rita-pw-1');
        await admin('DELETE', `/api/v1/user/users/${first}`);
        const second = await t.createUser('Rita', 'rita-pw-2');
        assert.notEqual(second, first);
        assert.equal((await attempt('rita', 'rita-pw-2')).status, 200);
      });

      it('an administrator cannot delete itself → 403 0x10000006', async () => {
        assertError(await admin('DELETE', `/api/v1/user/users/${adminId}`), 403, '0x10000006');
        assert.equal((await admin('GET', `/api/v1/user/users/${adminId}`)).status, 200);
      });
    });

    describe(`who may administer users [${dialect}]`, () => {
      let victimId: string;
      let normal: string;
      let normalId: string;
      let operator: string;
      before(async () => {
        victimId = await t.createUser('victim', 'victim-pw-1', 'Normal', { real_name: 'Victim V' });
        normalId = await t.createUser('norma', 'norma-pw-1', 'Normal');
        await t.createUser('opal', 'opal-pw-1', 'MeetingOperator');
        normal = await t.signIn('norma', 'norma-pw-1', 'norma');
        operator = await t.signIn('opal', 'opal-pw-1', 'opal');
      });

      const adminCalls = (target: () => string): [string, () => string, unknown?][] => [
        ['POST', () => '/api/v1/user/users', { username: 'intruder', secret: clientSecret('intruder-pw'), role: 'SystemAdmin' }],
        ['GET', () => '/api/v1/user/users'],
        ['GET', () => `/api/v1/user/users/${target()}`],
        ['POST', () => `/api/v1/user/users/${target()}`, { real_name: 'pwned', role: 'SystemAdmin' }],
        ['PUT', () => `/api/v1/user/users/${target()}`, { real_name: 'pwned', secret: clientSecret('pwned') }],
        ['POST', () => `/api/v1/user/users/${target()}/lock`],
        ['DELETE', () => `/api/v1/user/users/${target()}/lock`],
        ['POST', () => `/api/v1/user/users/${target()}/password_reset`, {}],
        ['DELETE', () => `/api/v1/user/users/${target()}`],
      ];

      const assertVictimUntouched = async () => {
        const v = await admin('GET', `/api/v1/user/users/${victimId}`);
        assert.equal(v.status, 200, 'victim still exists');
        assert.equal(v.body.real_name, 'Victim V');
        assert.equal(v.body.locked, false);
        assert.equal((await attempt('victim', 'victim-pw-1')).status, 200, 'victim password unchanged');
        assert.ok(!(await allUsers()).users.some((u) => u.username === 'intruder'), 'no intruder account');
      };

      it('every user-administration call → 403 0x10000003 for a Normal user', async () => {
        for (const [method, path, body] of adminCalls(() => victimId)) {
          const r = await t.call(method, path(), { query: { client_id: 'norma', token: normal }, ...(body !== undefined ? { body } : {}) });
          assertError(r, 403, '0x10000003');
        }
        await assertVictimUntouched();
        assert.equal((await info(normal, 'norma')).status, 200, 'a 403 does not end the session');
      });

      it('every user-administration call → 403 0x10000003 for a MeetingOperator', async () => {
        for (const [method, path, body] of adminCalls(() => victimId)) {
          const r = await t.call(method, path(), { query: { client_id: 'opal', token: operator }, ...(body !== undefined ? { body } : {}) });
          assertError(r, 403, '0x10000003');
        }
        await assertVictimUntouched();
      });

      it('a Normal user cannot promote itself → 403 0x10000003', async () => {
        for (const method of ['POST', 'PUT']) {
          const r = await t.call(method, `/api/v1/user/users/${normalId}`, { query: { client_id: 'norma', token: normal }, body: { role: 'SystemAdmin' } });
          assertError(r, 403, '0x10000003');
        }
        assert.deepEqual((await info(normal, 'norma')).body.role, ['Normal']);
      });

      it('every user-administration call → 401 0x10000002 without a token or with a garbage one', async () => {
        for (const token of [undefined, 'garbage-token']) {
          for (const [method, path, body] of adminCalls(() => victimId)) {
            const r = await t.call(method, path(), { query: { client_id: 'anon', token }, ...(body !== undefined ? { body } : {}) });
            assertError(r, 401, '0x10000002');
          }
        }
        await assertVictimUntouched();
      });
    });
  });

  describe(`frozen_until follows the server's clock [${dialect}]`, () => {
    // Years away from the machine's time: a view computed against the wall clock instead would show the wrong thing.
    const clock = new ManualClock(Date.UTC(2021, 2, 1, 9));
    let t: TestServer;
    const { admin, freeze } = helpers(() => t);
    before(async () => {
      t = await startTestServer(dialect, {}, { clock });
    });
    after(() => t.close());

    it('the admin view shows a freeze until its end on the server clock, then 0', async () => {
      const id = await t.createUser('nora', 'nora-pw-1');
      const start = clock.now();
      await freeze('nora');
      const frozenUntil = (await admin('GET', `/api/v1/user/users/${id}`)).body.frozen_until;
      assert.ok(frozenUntil > start && frozenUntil <= start + 5 * 60_000, `frozen_until ${frozenUntil} vs clock ${start}`);
      clock.advance(frozenUntil - start - 1000);
      assert.equal((await admin('GET', `/api/v1/user/users/${id}`)).body.frozen_until, frozenUntil);
      clock.advance(1000);
      assert.equal((await admin('GET', `/api/v1/user/users/${id}`)).body.frozen_until, 0);
      const listed = (await admin('GET', '/api/v1/user/users')).body.users.find((u: { user_id: string }) => u.user_id === id);
      assert.equal(listed.frozen_until, 0);
    });
  });

  describe(`the last SystemAdmin [${dialect}]`, () => {
    let t: TestServer;
    const { admin, attempt } = helpers(() => t);
    let adminId: string;
    before(async () => {
      t = await startTestServer(dialect);
      adminId = (await admin('GET', '/api/v1/user/info')).body.user_id;
    });
    after(() => t.close());

    it('the only SystemAdmin cannot demote itself (POST or PUT) → 403 0x10000006 and stays SystemAdmin', async () => {
      assertError(await admin('POST', `/api/v1/user/users/${adminId}`, { role: 'Normal' }), 403, '0x10000006');
      assertError(await admin('PUT', `/api/v1/user/users/${adminId}`, { role: ['MeetingOperator'] }), 403, '0x10000006');
      assert.deepEqual((await admin('GET', '/api/v1/user/info')).body.role, ['SystemAdmin']);
    });

    it('the only SystemAdmin cannot lock or delete itself → 403 0x10000006', async () => {
      assertError(await admin('POST', `/api/v1/user/users/${adminId}/lock`), 403, '0x10000006');
      assertError(await admin('DELETE', `/api/v1/user/users/${adminId}`), 403, '0x10000006');
      assert.equal((await admin('GET', '/api/v1/user/info')).status, 200);
    });

    it('demoting itself while the only other SystemAdmin is locked → 403 0x10000006', async () => {
      const otherId = await t.createUser('admin2', 'admin2-pw-1', 'SystemAdmin');
      assert.equal((await admin('POST', `/api/v1/user/users/${otherId}/lock`)).status, 200);
      assertError(await admin('PUT', `/api/v1/user/users/${adminId}`, { role: 'Normal' }), 403, '0x10000006');
      assert.deepEqual((await admin('GET', '/api/v1/user/info')).body.role, ['SystemAdmin']);
      assert.equal((await admin('DELETE', `/api/v1/user/users/${otherId}/lock`)).status, 200);
    });

    it('with a second active SystemAdmin one may be demoted; it then loses its admin rights', async () => {
      const id = await t.createUser('admin3', 'admin3-pw-1', 'SystemAdmin');
      const token = await t.signIn('admin3', 'admin3-pw-1', 'admin3');
      assert.equal((await admin('POST', `/api/v1/user/users/${id}`, { role: 'Normal' })).status, 200);
      const r = await t.call('GET', '/api/v1/user/users', { query: { client_id: 'admin3', token } });
      assertError(r, 403, '0x10000003');
    });

    it('a SystemAdmin may delete another SystemAdmin, but not itself → 403 0x10000006', async () => {
      const id = await t.createUser('admin4', 'admin4-pw-1', 'SystemAdmin');
      const token = await t.signIn('admin4', 'admin4-pw-1', 'admin4');
      const as4 = (method: string, path: string, body?: unknown) =>
        t.call(method, path, { query: { client_id: 'admin4', token }, ...(body !== undefined ? { body } : {}) });
      // admin4 may administer the bootstrap admin, but not itself.
      assertError(await as4('DELETE', `/api/v1/user/users/${id}`), 403, '0x10000006');
      assert.equal((await admin('DELETE', `/api/v1/user/users/${id}`)).status, 200);
      assertError(await attempt('admin4', 'admin4-pw-1'), 401, '0x00003000');
    });
  });

  describe(`POST /api/v1/user/users, licence limit [${dialect}]`, () => {
    let t: TestServer;
    const { admin, attempt, allUsers } = helpers(() => t);
    before(async () => {
      t = await startTestServer(dialect, { CONVENE_MAX_USERS: '3' });
    });
    after(() => t.close());

    it('the account beyond CONVENE_MAX_USERS → 403 0x10000010 and nothing half-written', async () => {
      await t.createUser('second', 'second-pw-1');
      const thirdId = await t.createUser('third', 'third-pw-1');
      const before = await allUsers();
      assert.equal(before.total_size, 3);
      const r = await admin('POST', '/api/v1/user/users', { username: 'fourth', secret: clientSecret('fourth-pw-1'), real_name: 'Fourth' });
      assertError(r, 403, '0x10000010');
      const afterwards = await allUsers();
      assert.equal(afterwards.total_size, 3);
      assert.deepEqual(afterwards.users.map((u) => u.user_id).sort(), before.users.map((u) => u.user_id).sort());
      assertError(await attempt('fourth', 'fourth-pw-1'), 401, '0x00003000');
      const capacity = await admin('GET', '/api/v1/system/capacity');
      assert.equal(capacity.body.system.current_users, 3);

      // Deleting one makes room again.
      assert.equal((await admin('DELETE', `/api/v1/user/users/${thirdId}`)).status, 200);
      const again = await admin('POST', '/api/v1/user/users', { username: 'fourth', secret: clientSecret('fourth-pw-1') });
      assert.equal(again.status, 200, again.text);
      assert.equal((await attempt('fourth', 'fourth-pw-1')).status, 200);
    });
  });
}

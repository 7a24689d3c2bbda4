import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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

type Page = { users: { user_id: string; username: string; real_name: string }[]; total_page_num: number; total_size: number };

const PATH = '/api/v1/user/public/users';

/** The directory's people: username → real name. */
const PEOPLE: Record<string, string> = {
  alice: 'Alice Anders',
  bob: 'Bobby Brown',
  carol: 'Carol Alison',
  dave: 'Dave Davis',
  'per%cent': 'Percy Cent',
  under_score: 'Uma Score',
  underxscore: 'Ulf Xscore',
  zed: '',
};

for (const dialect of testDialects()) {
  describe(`GET and POST ${PATH} [${dialect}]`, () => {
    let t: TestServer;
    let token: string;
    const ids: Record<string, string> = {};
    before(async () => {
      t = await startTestServer(dialect);
      for (const [username, realName] of Object.entries(PEOPLE)) {
        ids[username] = await t.createUser(username, `${username}-pw-1`, 'Normal', { real_name: realName, email: `${username.replace(/\W/g, '')}@example.org`, department: 'Secret Dept' });
      }
      token = await t.signIn('bob', 'bob-pw-1', 'dir');
    });
    after(() => t.close());

    const find = (method: string, query: Record<string, string | number | undefined> = {}): Promise<Reply<Page>> =>
      t.call(method, PATH, { query: { client_id: 'dir', token, ...query } });
    const names = (page: Page) => page.users.map((u) => u.username).sort();
    const everyone = () => [...Object.keys(PEOPLE), 'admin'].sort();

    it('lists every user with exactly user_id, username and real_name, all strings → 200', async () => {
      for (const method of ['GET', 'POST']) {
        const r = await find(method);
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(Object.keys(r.body).sort(), ['total_page_num', 'total_size', 'users']);
        assert.deepEqual(names(r.body), everyone());
        for (const u of r.body.users) {
          assert.deepEqual(Object.keys(u).sort(), ['real_name', 'user_id', 'username'], `${method}: no email, role or department leaks`);
          for (const k of ['user_id', 'username', 'real_name'] as const) assert.equal(typeof u[k], 'string', `${u.username}.${k}`);
        }
        const alice = r.body.users.find((u) => u.username === 'alice')!;
        assert.equal(alice.user_id, ids.alice);
        assert.equal(alice.real_name, 'Alice Anders');
        assert.equal(r.body.users.find((u) => u.username === 'zed')!.real_name, '', 'an empty real name is still a string');
        assert.equal(r.body.total_size, 9);
        assert.equal(r.body.total_page_num, 1);
      }
    });

    it('page_num and page_size page through everyone once; total_page_num and total_size are right', async () => {
      for (const method of ['GET', 'POST']) {
        const seen: string[] = [];
        for (let n = 1; n <= 3; n++) {
          const r = await find(method, { page_num: n, page_size: 4 });
          assert.equal(r.status, 200, r.text);
          assert.equal(r.body.total_size, 9);
          assert.equal(r.body.total_page_num, 3);
          assert.equal(r.body.users.length, n < 3 ? 4 : 1, `page ${n}`);
          seen.push(...r.body.users.map((u) => u.username));
        }
        assert.deepEqual([...seen].sort(), everyone(), 'no one twice, no one missing');
        const beyond = await find(method, { page_num: 4, page_size: 4 });
        assert.equal(beyond.status, 200);
        assert.deepEqual(beyond.body.users, []);
        assert.equal(beyond.body.total_size, 9);
        assert.equal(beyond.body.total_page_num, 3);
      }
      const exact = await find('GET', { page_size: 3 });
      assert.equal(exact.body.total_page_num, 3);
      const one = await find('GET', { page_size: 1, page_num: 9 });
      assert.equal(one.body.users.length, 1);
      assert.equal(one.body.total_page_num, 9);
    });

    it('page_num defaults to 1 and page_size to 50', async () => {
      const r = await find('GET', { page_size: undefined, page_num: undefined });
      assert.equal(r.body.users.length, 9);
      const second = await find('GET', { page_num: 2 });
      assert.deepEqual(second.body.users, [], 'page 2 of 50 is empty with 9 users');
      assert.equal(second.body.total_page_num, 1);
    });

    it('filter matches username or real name, ignoring case', async () => {
      const byUsername = await find('GET', { filter: 'ALIC' });
      assert.deepEqual(names(byUsername.body), ['alice']);
      assert.equal(byUsername.body.total_size, 1);
      assert.equal(byUsername.body.total_page_num, 1);
      // "ali" is in alice's username and in carol's real name (Alison).
      assert.deepEqual(names((await find('GET', { filter: 'ali' })).body), ['alice', 'carol']);
      // Real name only.
      assert.deepEqual(names((await find('POST', { filter: 'bRoWn' })).body), ['bob']);
      assert.deepEqual(names((await find('GET', { filter: 'anders' })).body), ['alice']);
      // Fields outside the directory do not match.
      assert.deepEqual((await find('GET', { filter: 'example.org' })).body.users, []);
      assert.deepEqual((await find('GET', { filter: 'Secret Dept' })).body.users, []);
      // No match at all.
      const none = await find('GET', { filter: 'nobody-like-this' });
      assert.deepEqual(none.body, { users: [], total_page_num: 0, total_size: 0 });
    });

    it('filter with paging counts only the matches', async () => {
      const r = await find('GET', { filter: 'a', page_size: 2, page_num: 1 });
      // An "a" in the username or real name: admin, alice, carol, dave, and under_score (Uma Score).
      const all = await find('GET', { filter: 'a', page_size: 50 });
      assert.deepEqual(names(all.body), ['admin', 'alice', 'carol', 'dave', 'under_score']);
      assert.equal(r.body.total_size, 5);
      assert.equal(r.body.total_page_num, 3);
      assert.equal(r.body.users.length, 2);
    });

    it('"%" and "_" in the filter match literally, not as wildcards', async () => {
      assert.deepEqual(names((await find('GET', { filter: '%' })).body), ['per%cent']);
      assert.deepEqual(names((await find('GET', { filter: 'r%c' })).body), ['per%cent']);
      assert.deepEqual(names((await find('GET', { filter: '_' })).body), ['under_score']);
      assert.deepEqual(names((await find('GET', { filter: 'under_' })).body), ['under_score']);
      assert.deepEqual((await find('GET', { filter: '%%' })).body.users, []);
      assert.deepEqual((await find('GET', { filter: '\\' })).body.users, []);
    });

    it('a blank filter is no filter', async () => {
      for (const filter of ['', '   ']) assert.deepEqual(names((await find('GET', { filter })).body), everyone());
    });

    it('invalid paging → 400 naming the parameter', async () => {
      assertError(await find('GET', { page_num: 'abc' }), 400, '0x10000001', 'page_num');
      assertError(await find('GET', { page_num: 0 }), 400, '0x10000001', 'page_num');
      assertError(await find('POST', { page_size: -1 }), 400, '0x10000001', 'page_size');
      assertError(await find('GET', { filter: 'f'.repeat(129) }), 400, '0x10000008', 'filter');
    });

    it('without a token → 401 0x10000002 by default; a garbage token → 401 0x10000002', async () => {
      for (const method of ['GET', 'POST']) {
        assertError(await t.call(method, PATH, { query: { client_id: 'anon' } }), 401, '0x10000002');
        assertError(await t.call(method, PATH, { query: { client_id: 'anon', filter: 'a' } }), 401, '0x10000002');
        assertError(await t.call(method, PATH, { query: { client_id: 'anon', token: 'garbage' } }), 401, '0x10000002');
      }
    });
  });

  describe(`GET and POST ${PATH} with CONVENE_PUBLIC_USER_DIRECTORY=true [${dialect}]`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect, { CONVENE_PUBLIC_USER_DIRECTORY: 'true' });
      await t.createUser('alice', 'alice-pw-1', 'Normal', { real_name: 'Alice Anders' });
      await t.createUser('bob', 'bob-pw-1', 'Normal', { real_name: 'Bobby Brown' });
    });
    after(() => t.close());

    it('anonymous callers (client_id only) may search → 200', async () => {
      for (const method of ['GET', 'POST']) {
        const r = await t.call(method, PATH, { query: { client_id: 'anon' } });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body.users.map((u: { username: string }) => u.username).sort(), ['admin', 'alice', 'bob']);
        assert.equal(r.body.total_size, 3);
        const filtered = await t.call(method, PATH, { query: { client_id: 'anon', filter: 'brown' } });
        assert.deepEqual(filtered.body.users.map((u: { username: string }) => u.username), ['bob']);
        for (const u of r.body.users) assert.deepEqual(Object.keys(u).sort(), ['real_name', 'user_id', 'username']);
      }
    });

    it('signed-in callers still work; a presented garbage token is still refused → 401 0x10000002', async () => {
      const token = await t.signIn('alice', 'alice-pw-1', 'dir');
      assert.equal((await t.call('GET', PATH, { query: { client_id: 'dir', token } })).status, 200);
      assertError(await t.call('GET', PATH, { query: { client_id: 'dir', token: 'garbage' } }), 401, '0x10000002');
    });

    it('client_id is still required → 400 naming client_id', async () => {
      assertError(await t.call('GET', PATH), 400, '0x10000001', 'client_id');
    });
  });

  describe(`${PATH} after accounts change [${dialect}]`, () => {
    // The directory is searched in memory (src/accounts/directory-index.ts); writes through the API must show at once.
    let t: TestServer;
    let token: string;
    before(async () => {
      t = await startTestServer(dialect);
      await t.createUser('alice', 'alice-pw-1', 'Normal', { real_name: 'Alice Anders' });
      token = await t.signIn('alice', 'alice-pw-1', 'dir');
    });
    after(() => t.close());

    const find = async (filter: string) => {
      const r = await t.call('GET', PATH, { query: { client_id: 'dir', token, filter } });
      assert.equal(r.status, 200, r.text);
      return r.body as Page;
    };

    it('a user created through the API is found at once; renamed and deleted ones too', async () => {
      assert.equal((await find('')).total_size, 2, 'admin and alice; the directory is loaded now');
      assert.deepEqual((await find('newcomer')).users, []);
      const id = await t.createUser('newcomer', 'newcomer-pw-1', 'Normal', { real_name: 'Nora Newcomer' });
      assert.deepEqual((await find('newcomer')).users, [{ user_id: id, username: 'newcomer', real_name: 'Nora Newcomer' }]);
      assert.equal((await find('')).total_size, 3);

      const admin = { client_id: 'admin-console', token: await t.adminToken() };
      assert.equal((await t.call('PUT', `/api/v1/user/users/${id}`, { query: admin, body: { real_name: 'Ophelia Other' } })).status, 200);
      assert.deepEqual((await find('nora')).users, []);
      assert.deepEqual((await find('ophelia')).users.map((u) => u.username), ['newcomer']);

      assert.equal((await t.call('DELETE', `/api/v1/user/users/${id}`, { query: admin })).status, 200);
      assert.deepEqual((await find('newcomer')).users, []);
      assert.equal((await find('')).total_size, 2);
    });
  });

  describe(`${PATH} page_size cap [${dialect}]`, () => {
    // 501 accounts (the admin and 500 more): one beyond the cap of 500, so a capped page is observable. 500 argon2
    // hashes through the API would take most of a minute, so one account is created through the API and the rest are
    // copies of its database row with their own id and username (every other column, hash included, is the same).
    const TOTAL = 501;
    let t: TestServer;
    let token: string;
    before(async () => {
      t = await startTestServer(dialect);
      await t.createUser('bulk0001', 'bulk-pw-1', 'Normal', { real_name: 'Bulk User' });
      const db = t.server.database.db;
      const template = await db.selectFrom('users').selectAll().where('username_key', '=', 'bulk0001').executeTakeFirstOrThrow();
      const copies = Array.from({ length: TOTAL - 2 }, (_, i) => {
        const username = `bulk${String(i + 2).padStart(4, '0')}`;
        return { ...template, id: randomUUID(), username, username_key: username };
      });
      for (let i = 0; i < copies.length; i += 100) await db.insertInto('users').values(copies.slice(i, i + 100)).execute();
      token = await t.signIn('bulk0002', 'bulk-pw-1', 'cap');
    });
    after(() => t.close());

    const find = (query: Record<string, string | number>) => t.call('GET', PATH, { query: { client_id: 'cap', token, ...query } });

    it('page_size above 500 is capped at 500', async () => {
      const big = await find({ page_size: 1000 });
      assert.equal(big.status, 200, big.text.slice(0, 200));
      assert.equal(big.body.users.length, 500);
      assert.equal(big.body.total_size, TOTAL);
      assert.equal(big.body.total_page_num, 2, 'ceil(501 / 500), not ceil(501 / 1000)');
      const second = await find({ page_size: 1000, page_num: 2 });
      assert.equal(second.body.users.length, TOTAL - 500, 'page 2 starts after 500, not after 1000');
      const all = new Set([...big.body.users, ...second.body.users].map((u: { user_id: string }) => u.user_id));
      assert.equal(all.size, TOTAL);
    });

    it('page_size of exactly 500 is honoured, and smaller ones too', async () => {
      const r = await find({ page_size: 500 });
      assert.equal(r.body.users.length, 500);
      assert.equal(r.body.total_page_num, 2);
      const small = await find({ page_size: 7, page_num: 72 });
      assert.equal(small.body.total_page_num, Math.ceil(TOTAL / 7));
      assert.equal(small.body.users.length, TOTAL - 71 * 7);
    });

    it('the directory agrees with the licence count', async () => {
      const capacity = await t.call('GET', '/api/v1/system/capacity', { query: { client_id: 'cap', token } });
      assert.equal(capacity.body.system.current_users, TOTAL);
    });
  });
}

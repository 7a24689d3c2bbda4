import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { clientSecret } from '../../src/accounts/secret.ts';
import type { Reply } from '../support/client.ts';
import { testDialects } from '../support/dialects.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * The user calls (client contract §2.1, U1–U5) exactly as each of the five FRTC apps puts them on the wire (§1): query
 * order and encoding, body shape, content type, user agent. Success must be HTTP 200 with a JSON object (L and W treat
 * anything else as failure); failures carry `errorCode` as a `0x…` string.
 */

type AppKey = 'L' | 'A' | 'M' | 'I' | 'W';

interface Account {
  username: string;
  password: string;
  real_name: string;
  email: string;
  department: string;
  mobile: string;
  role: 'Normal' | 'MeetingOperator' | 'SystemAdmin';
  security_level: 'NORMAL' | 'HIGH';
}

interface App {
  key: AppKey;
  name: string;
  userAgent: string;
  clientId: string;
  account: Account;
  token?: string;
}

/** One request as it leaves the app: path with the raw query string, raw body text, headers. */
interface Wire {
  method: string;
  path: string;
  body?: string;
  headers: Record<string, string>;
}

const JSON_TYPE = 'application/json';
const JSON_UTF8 = 'application/json; charset=utf-8';

const APPS: App[] = [
  {
    key: 'L',
    name: 'Linux',
    userAgent: 'FrtcMeeting/3.4.1 linux',
    clientId: randomUUID(),
    account: { username: 'alice-l', password: 'Linux-pw-1', real_name: 'Alice Linux', email: 'l@example.org', department: 'Ops', mobile: '+86 138 0000 0001', role: 'Normal', security_level: 'NORMAL' },
  },
  {
    key: 'A',
    name: 'Android',
    userAgent: 'FrtcMeeting/3.4.1 HUAWEI Android 12',
    clientId: randomUUID(),
    account: { username: 'alice-a', password: 'Andr0id-Pw!', real_name: 'Alice Android', email: 'a@example.org', department: 'Sales', mobile: '13800000002', role: 'MeetingOperator', security_level: 'HIGH' },
  },
  {
    key: 'M',
    name: 'macOS',
    userAgent: 'FrtcMeeting/3.4.0 mac',
    clientId: randomUUID(),
    account: { username: 'alice-m', password: 'Mac-pw-1', real_name: 'Alice Mac', email: '', department: '', mobile: '', role: 'SystemAdmin', security_level: 'NORMAL' },
  },
  {
    key: 'I',
    name: 'iOS',
    userAgent: 'FrtcMeeting/3.4.1 ios',
    clientId: randomUUID(),
    account: { username: 'alice-i', password: 'iOS-pw-1', real_name: 'Alice iOS', email: 'i@example.org', department: 'R&D', mobile: '', role: 'Normal', security_level: 'NORMAL' },
  },
  {
    key: 'W',
    name: 'Windows',
    userAgent: 'FrtcMeeting/3.4.1 windows 10.0.19045',
    clientId: randomUUID(),
    account: { username: 'alice-w', password: 'Windows-pw-1', real_name: 'Alice Windows', email: 'w@example.org', department: 'Support', mobile: '(010) 1234', role: 'MeetingOperator', security_level: 'NORMAL' },
  },
];

/** Other people in the directory, for the filter cases. */
const DIRECTORY_EXTRAS: { username: string; real_name?: string }[] = [
  { username: 'zhang.wei', real_name: 'Zhang Wei' },
  { username: 'li.na', real_name: 'Li Na' },
  { username: 'wei.cn', real_name: '张伟' },
  { username: 'quota', real_name: 'Quota 100%' },
  { username: 'blank' },
];
const ALL_USERNAMES = ['admin', ...APPS.map((a) => a.account.username), ...DIRECTORY_EXTRAS.map((u) => u.username)].sort();

const qs = (pairs: [string, string][]) => pairs.map(([k, v]) => `${k}=${v}`).join('&');

/** What each app sends, per call (§1 and §2.1). `server` is host:port as the user typed it. */
const WIRE = {
  signIn(app: App, username: string, password: string, server: string): Wire {
    const secret = clientSecret(password);
    const ua = { 'user-agent': app.userAgent };
    const path = `/api/v1/user/sign_in?client_id=${app.clientId}`;
    switch (app.key) {
      case 'L': // QJsonObject serialises keys in alphabetical order
        return { method: 'POST', path, body: JSON.stringify({ secret, username }), headers: { ...ua, 'content-type': JSON_TYPE } };
      case 'A': // Gson of the whole param object: camelCase duplicates ride along
        return {
          method: 'POST',
          path,
          body: JSON.stringify({ clientId: app.clientId, secret, serverAddress: server, username }),
          headers: { ...ua, 'content-type': JSON_UTF8 },
        };
      case 'M':
      case 'I': // AFJSONRequestSerializer
        return { method: 'POST', path, body: JSON.stringify({ username, secret }), headers: { ...ua, 'content-type': JSON_TYPE } };
      case 'W': // string concatenation in FRTCUserManager.SignIn, StringContent(…, UTF8, "application/json")
        return {
          method: 'POST',
          path,
          body: `{ "username":"${username}", "secret":"${secret}"}`,
          headers: { ...ua, 'content-type': JSON_UTF8, accept: JSON_TYPE },
        };
    }
  },

  userInfo(app: App, token: string): Wire {
    const ua = { 'user-agent': app.userAgent };
    switch (app.key) {
      case 'A': // OkHttp request built with a JSON content type even for GET
        return { method: 'GET', path: `/api/v1/user/info?client_id=${app.clientId}&token=${token}`, headers: { ...ua, 'content-type': JSON_UTF8 } };
      case 'W': // RESTRequestObj appends client_id after its own parameters
        return { method: 'GET', path: `/api/v1/user/info?token=${token}&client_id=${app.clientId}`, headers: { ...ua, accept: JSON_TYPE } };
      default:
        return { method: 'GET', path: `/api/v1/user/info?client_id=${app.clientId}&token=${token}`, headers: ua };
    }
  },

  changePassword(app: App, token: string, oldPassword: string, newPassword: string): Wire {
    const ua = { 'user-agent': app.userAgent };
    const secret_old = clientSecret(oldPassword);
    const secret_new = clientSecret(newPassword);
    const path = `/api/v1/user/password?client_id=${app.clientId}&token=${token}`;
    switch (app.key) {
      case 'L':
        return { method: 'PUT', path, body: JSON.stringify({ secret_new, secret_old }), headers: { ...ua, 'content-type': JSON_TYPE } };
      case 'A':
        return {
          method: 'PUT',
          path,
          body: JSON.stringify({ clientId: app.clientId, secret_new, secret_old, token }),
          headers: { ...ua, 'content-type': JSON_UTF8 },
        };
      case 'M':
      case 'I':
        return { method: 'PUT', path, body: JSON.stringify({ secret_old, secret_new }), headers: { ...ua, 'content-type': JSON_TYPE } };
      case 'W':
        return {
          method: 'PUT',
          path: `/api/v1/user/password?token=${token}&client_id=${app.clientId}`,
          body: `{ "secret_old":"${secret_old}", "secret_new":"${secret_new}"}`,
          headers: { ...ua, 'content-type': JSON_UTF8, accept: JSON_TYPE },
        };
    }
  },

  /** `filter` is the text the user typed; each app encodes (or not) in its own way. */
  publicUsers(app: App, token: string, filter: string): Wire {
    const ua = { 'user-agent': app.userAgent };
    const base: [string, string][] = [
      ['client_id', app.clientId],
      ['token', token],
      ['page_num', '1'],
      ['page_size', '50'],
    ];
    const path = (pairs: [string, string][]) => `/api/v1/user/public/users?${qs(pairs)}`;
    switch (app.key) {
      case 'L': // filter only when non-empty, percent-encoded
        return { method: 'GET', path: path(filter === '' ? base : [...base, ['filter', encodeURIComponent(filter)]]), headers: ua };
      case 'A': // always sends filter, HttpUrl-encoded; JSON content type on GET
        return { method: 'GET', path: path([...base, ['filter', encodeURIComponent(filter)]]), headers: { ...ua, 'content-type': JSON_UTF8 } };
      case 'M': // the raw text pasted into the URL string; filter only when non-empty
        return { method: 'GET', path: path(filter === '' ? base : [...base, ['filter', filter]]), headers: ua };
      case 'I': // percent-encoded
        return { method: 'GET', path: path([...base, ['filter', encodeURIComponent(filter)]]), headers: ua };
      case 'W': // MakeURLWithParams: no encoding (System.Uri escapes only spaces and non-ASCII); client_id last
        return {
          method: 'GET',
          path: path([
            ['token', token],
            ['page_num', '1'],
            ['page_size', '50'],
            ['filter', filter.replace(/ /g, '%20')],
            ['client_id', app.clientId],
          ]),
          headers: { ...ua, accept: JSON_TYPE },
        };
    }
  },

  signOut(app: App, token: string): Wire {
    const ua = { 'user-agent': app.userAgent };
    const path = `/api/v1/user/sign_out?client_id=${app.clientId}&token=${token}`;
    switch (app.key) {
      case 'L':
        return { method: 'POST', path, body: '{}', headers: { ...ua, 'content-type': JSON_TYPE } };
      case 'A':
        return { method: 'POST', path, body: '', headers: { ...ua, 'content-type': JSON_UTF8 } };
      case 'M':
      case 'I': // parameters:nil → no body, no content type
        return { method: 'POST', path, headers: ua };
      case 'W':
        return {
          method: 'POST',
          path: `/api/v1/user/sign_out?token=${token}&client_id=${app.clientId}`,
          body: '',
          headers: { ...ua, 'content-type': JSON_UTF8, accept: JSON_TYPE },
        };
    }
  },
};

/** Per app: (typed filter, usernames expected). */
const DIRECTORY_CASES: Record<AppKey, [string, string[]][]> = {
  L: [
    ['', ALL_USERNAMES],
    ['Zhang Wei', ['zhang.wei']],
  ],
  A: [
    ['', ALL_USERNAMES],
    ['LI.NA', ['li.na']],
  ],
  M: [
    ['zhang', ['zhang.wei']],
    ['100%', ['quota']],
  ],
  I: [
    ['张', ['wei.cn']],
    ['Li Na', ['li.na']],
  ],
  W: [
    ['', ALL_USERNAMES],
    ['Li Na', ['li.na']],
  ],
};

function assertSuccess(r: Reply): void {
  assert.equal(r.status, 200, r.text);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  assert.ok(r.body !== null && typeof r.body === 'object' && !Array.isArray(r.body), `JSON object body: ${r.text}`);
}

/** The fields the apps read from sign-in and user/info (§2.1 U1/U3). */
function assertProfile(body: Record<string, unknown>, account: Account): void {
  assert.equal(typeof body.user_token, 'string');
  assert.ok((body.user_token as string).length > 0);
  assert.equal(typeof body.user_id, 'string');
  assert.ok((body.user_id as string).length > 0);
  assert.equal(body.username, account.username);
  assert.equal(body.real_name, account.real_name);
  assert.deepEqual(body.role, [account.role]);
  assert.equal(body.security_level, account.security_level);
  assert.equal(body.email, account.email);
  assert.equal(body.department, account.department);
  assert.equal(body.mobile, account.mobile);
  assert.equal(typeof body.password_expired_time, 'number');
  assert.ok(Number.isInteger(body.password_expired_time));
}

function assertSignInFailure(r: Reply, code: string): void {
  assert.equal(r.status, 401, r.text);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  assert.equal(typeof r.body.errorCode, 'string');
  assert.equal(r.body.errorCode, code);
  assert.equal(typeof r.body.error, 'string');
  assert.equal(r.body.user_token, undefined);
}

for (const dialect of testDialects()) {
  describe(`FRTC app user calls [${dialect}]`, () => {
    let t: TestServer;
    let server: string;
    const send = (w: Wire) => t.call(w.method, w.path, { headers: w.headers, ...(w.body !== undefined ? { body: w.body } : {}) });

    before(async () => {
      t = await startTestServer(dialect);
      server = new URL(t.url).host;
      for (const { account: a } of APPS) {
        await t.createUser(a.username, a.password, a.role, {
          real_name: a.real_name,
          email: a.email,
          department: a.department,
          mobile: a.mobile,
          security_level: a.security_level,
        });
      }
      for (const u of DIRECTORY_EXTRAS) await t.createUser(u.username, 'extra-pw-1', 'Normal', u.real_name ? { real_name: u.real_name } : {});
    });
    after(() => t.close());

    describe(`U1 POST /api/v1/user/sign_in [${dialect}]`, () => {
      for (const app of APPS) {
        it(`${app.key} (${app.name}) body → 200 with every profile field the app reads`, async () => {
          const r = await send(WIRE.signIn(app, app.account.username, app.account.password, server));
          assertSuccess(r);
          assertProfile(r.body, app.account);
          app.token = r.body.user_token;
        });
      }

      for (const app of APPS) {
        it(`${app.key} (${app.name}) with a wrong password → 401 errorCode "0x00003003"`, async () => {
          assertSignInFailure(await send(WIRE.signIn(app, app.account.username, 'not-the-password', server)), '0x00003003');
        });
        it(`${app.key} (${app.name}) with an unknown username → 401 errorCode "0x00003000"`, async () => {
          assertSignInFailure(await send(WIRE.signIn(app, `ghost-${app.key.toLowerCase()}`, 'whatever-1', server)), '0x00003000');
        });
      }

      it('W (Windows) for an account locked by an administrator → 401 errorCode "0x00003002"', async () => {
        const id = await t.createUser('locked-w', 'locked-pw-1');
        const lock = await t.call('POST', `/api/v1/user/users/${id}/lock`, { query: { client_id: 'admin-console', token: await t.adminToken() } });
        assert.equal(lock.status, 200);
        const w = APPS.find((a) => a.key === 'W')!;
        assertSignInFailure(await send(WIRE.signIn(w, 'locked-w', 'locked-pw-1', server)), '0x00003002');
        const del = await t.call('DELETE', `/api/v1/user/users/${id}`, { query: { client_id: 'admin-console', token: await t.adminToken() } });
        assert.equal(del.status, 200);
      });
    });

    describe(`U3 GET /api/v1/user/info (automatic sign-in) [${dialect}]`, () => {
      for (const app of APPS) {
        it(`${app.key} (${app.name}) with its stored token → 200 with the profile, echoing user_token`, async () => {
          assert.ok(app.token, 'signed in by U1');
          const r = await send(WIRE.userInfo(app, app.token));
          assertSuccess(r);
          assertProfile(r.body, app.account);
          assert.equal(r.body.user_token, app.token);
        });
      }

      it('POST as in the API document → 200 with the same profile', async () => {
        const app = APPS.find((a) => a.key === 'L')!;
        const r = await t.call('POST', `/api/v1/user/info?client_id=${app.clientId}&token=${app.token}`, {
          body: '{}',
          headers: { 'user-agent': app.userAgent, 'content-type': JSON_TYPE },
        });
        assertSuccess(r);
        assertProfile(r.body, app.account);
        assert.equal(r.body.user_token, app.token);
      });

      it('W (Windows) with a token the server does not know → 401 errorCode "0x10000002" (SIGNIN_FAILED_INVALID_TOKEN)', async () => {
        const w = APPS.find((a) => a.key === 'W')!;
        const r = await send(WIRE.userInfo(w, 'c3RhbGUtdG9rZW4tZnJvbS1hLXdpcGVkLXNlcnZlcg'));
        assert.equal(r.status, 401);
        assert.equal(r.body.errorCode, '0x10000002');
      });
    });

    describe(`U5 GET /api/v1/user/public/users [${dialect}]`, () => {
      for (const app of APPS) {
        for (const [filter, usernames] of DIRECTORY_CASES[app.key]) {
          it(`${app.key} (${app.name}) page_num=1&page_size=50 with filter ${JSON.stringify(filter)} → 200 with ${usernames.length} user(s)`, async () => {
            const r = await send(WIRE.publicUsers(app, app.token!, filter));
            assertSuccess(r);
            assert.ok(Array.isArray(r.body.users));
            for (const u of r.body.users) {
              for (const k of ['user_id', 'username', 'real_name']) {
                assert.equal(typeof u[k], 'string', `${k} of ${JSON.stringify(u)} must be a non-null string`);
              }
            }
            assert.deepEqual(r.body.users.map((u: { username: string }) => u.username).sort(), [...usernames].sort());
            assert.equal(typeof r.body.total_size, 'number');
            assert.equal(typeof r.body.total_page_num, 'number');
            assert.equal(r.body.total_size, usernames.length);
            assert.equal(r.body.total_page_num, 1);
          });
        }
      }

      it('POST as in the API document → 200 with the same page', async () => {
        const l = APPS.find((a) => a.key === 'L')!;
        const r = await t.call('POST', `/api/v1/user/public/users?client_id=${l.clientId}&token=${l.token}&page_num=1&page_size=50&filter=zhang`, {
          body: '{}',
          headers: { 'content-type': JSON_TYPE },
        });
        assertSuccess(r);
        assert.deepEqual(r.body.users.map((u: { username: string }) => u.username), ['zhang.wei']);
      });

      it('a user without a real name is listed with real_name "" (never null)', async () => {
        const m = APPS.find((a) => a.key === 'M')!;
        const r = await send(WIRE.publicUsers(m, m.token!, 'blank'));
        assertSuccess(r);
        assert.deepEqual(r.body.users.map((u: { real_name: unknown }) => u.real_name), ['']);
      });
    });

    describe(`U4 PUT /api/v1/user/password [${dialect}]`, () => {
      for (const app of APPS) {
        it(`${app.key} (${app.name}) body → 200 {}; the new password signs in, the old one does not, the app stays signed in`, async () => {
          const next = `${app.account.password}-new`;
          const r = await send(WIRE.changePassword(app, app.token!, app.account.password, next));
          assertSuccess(r);
          assert.deepEqual(r.body, {});
          const old = app.account.password;
          app.account.password = next;
          assert.equal((await send(WIRE.userInfo(app, app.token!))).status, 200);
          const fresh = await t.call('POST', '/api/v1/user/sign_in', {
            query: { client_id: `verify-${app.key}` },
            body: { username: app.account.username, secret: clientSecret(next) },
          });
          assert.equal(fresh.status, 200);
          assertSignInFailure(await send(WIRE.signIn(app, app.account.username, old, server)), '0x00003003');
        });
      }

      it('W (Windows) with a wrong old password → 400 or 401 (both read as "reset failed") with an errorCode string', async () => {
        const w = APPS.find((a) => a.key === 'W')!;
        const r = await send(WIRE.changePassword(w, w.token!, 'not-my-password', 'whatever-new-1'));
        assert.ok(r.status === 400 || r.status === 401, `status ${r.status}`);
        assert.match(r.body.errorCode, /^0x[0-9a-f]{8}$/);
        const still = await t.call('POST', '/api/v1/user/sign_in', {
          query: { client_id: 'verify-W2' },
          body: { username: w.account.username, secret: clientSecret(w.account.password) },
        });
        assert.equal(still.status, 200, 'the password did not change');
      });

      it('POST as in the API document → 200 {}', async () => {
        const i = APPS.find((a) => a.key === 'I')!;
        const next = `${i.account.password}-post`;
        const r = await t.call('POST', `/api/v1/user/password?client_id=${i.clientId}&token=${i.token}`, {
          body: { secret_old: clientSecret(i.account.password), secret_new: clientSecret(next) },
          headers: { 'user-agent': i.userAgent },
        });
        assertSuccess(r);
        assert.deepEqual(r.body, {});
        i.account.password = next;
        const fresh = await t.call('POST', '/api/v1/user/sign_in', {
          query: { client_id: 'verify-I2' },
          body: { username: i.account.username, secret: clientSecret(next) },
        });
        assert.equal(fresh.status, 200);
      });
    });

    describe(`U2 POST /api/v1/user/sign_out [${dialect}]`, () => {
      const bodies: Record<AppKey, string> = {
        L: 'body {}',
        A: 'body "" with application/json; charset=utf-8',
        M: 'no body and no content type',
        I: 'no body and no content type',
        W: 'body "" with application/json; charset=utf-8',
      };
      for (const app of APPS) {
        it(`${app.key} (${app.name}) ${bodies[app.key]} → 200 {} and the token stops working`, async () => {
          const r = await send(WIRE.signOut(app, app.token!));
          assertSuccess(r);
          assert.deepEqual(r.body, {});
          const info = await send(WIRE.userInfo(app, app.token!));
          assert.equal(info.status, 401);
          assert.equal(info.body.errorCode, '0x10000002');
        });
      }
    });
  });
}

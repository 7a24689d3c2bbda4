import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clientSecret } from '../../src/accounts/secret.ts';
import type { Reply } from '../support/client.ts';
import { testDialects } from '../support/dialects.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** An FRTC error reply: the given status, a JSON body `{error, errorCode}`, and (optionally) a message naming `field`. */
function assertError(r: Reply, status: number, code: string, field?: string): void {
  assert.equal(r.status, status, `status (body: ${r.text})`);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  assert.equal(r.body?.errorCode, code, r.text);
  assert.equal(typeof r.body.error, 'string');
  if (field !== undefined) assert.match(r.body.error, new RegExp(`^${field}\\b`), r.body.error);
}

/** A success reply as every client accepts it: HTTP 200, JSON content type, a JSON object body. */
function assertJsonObject200(r: Reply, label: string): void {
  assert.equal(r.status, 200, `${label}: status (body: ${r.text})`);
  assert.match(String(r.headers['content-type']), /^application\/json/, `${label}: content-type`);
  assert.ok(r.text.startsWith('{'), `${label}: body is a JSON object, got ${JSON.stringify(r.text.slice(0, 40))}`);
  assert.ok(r.body !== null && typeof r.body === 'object' && !Array.isArray(r.body), `${label}: body is an object`);
}

for (const dialect of testDialects()) {
  describe(`HTTP transport and error model [${dialect}]`, () => {
    let t: TestServer;
    let admin: string;
    let targetId: string;
    const secret = clientSecret;

    before(async () => {
      t = await startTestServer(dialect);
      admin = await t.adminToken();
      targetId = await t.createUser('tina', 'tina-pw-1', 'Normal', { real_name: 'Tina T' });
      await t.createUser('tom', 'tom-pw-1');
      await t.createUser('uli', 'uli-pw-1');
    });
    after(() => t.close());

    const asAdmin = (extra: Record<string, string> = {}) => ({ client_id: 'transport-admin', token: admin, ...extra });

    describe(`request bodies [${dialect}]`, () => {
      it('an empty body ("") with Content-Type application/json is accepted on POST, PUT and DELETE', async () => {
        const info = await t.call('POST', '/api/v1/user/info', { query: asAdmin(), body: '' });
        assertJsonObject200(info, 'POST info');
        assert.equal(info.body.username, 'admin');

        const lock = await t.call('POST', `/api/v1/user/users/${targetId}/lock`, { query: asAdmin(), body: '' });
        assertJsonObject200(lock, 'POST lock');
        assert.equal(lock.body.user_id, targetId);
        const unlock = await t.call('DELETE', `/api/v1/user/users/${targetId}/lock`, {
          query: asAdmin(),
          body: '',
          headers: { 'content-type': 'application/json; charset=utf-8' },
        });
        assertJsonObject200(unlock, 'DELETE lock');
        assert.equal((await t.call('GET', `/api/v1/user/users/${targetId}`, { query: asAdmin() })).body.locked, false);

        // PUT with "" reads as an empty object: the complaint is the missing field, not the body.
        const put = await t.call('PUT', '/api/v1/user/password', { query: asAdmin(), body: '' });
        assertError(put, 400, '0x10000001', 'secret_old');

        const token = await t.signIn('tom', 'tom-pw-1', 'android-empty');
        const out = await t.call('POST', '/api/v1/user/sign_out', {
          query: { client_id: 'android-empty', token },
          body: '',
          headers: { 'content-type': 'application/json; charset=utf-8' },
        });
        assertJsonObject200(out, 'POST sign_out');
        assert.deepEqual(out.body, {});
      });

      it('no body and no Content-Type (Apple clients) is accepted on POST and DELETE', async () => {
        const info = await t.call('POST', '/api/v1/user/info', { query: asAdmin() });
        assertJsonObject200(info, 'POST info');
        const version = await t.call('POST', '/api/v1/system/version', { query: { client_id: 'mac' } });
        assertJsonObject200(version, 'POST version');
        assert.equal(typeof version.body.version, 'string');
        assertJsonObject200(await t.call('POST', `/api/v1/user/users/${targetId}/lock`, { query: asAdmin() }), 'POST lock');
        assertJsonObject200(await t.call('DELETE', `/api/v1/user/users/${targetId}/lock`, { query: asAdmin() }), 'DELETE lock');
        const token = await t.signIn('tom', 'tom-pw-1', 'mac-nobody');
        const out = await t.call('POST', '/api/v1/user/sign_out', { query: { client_id: 'mac-nobody', token } });
        assertJsonObject200(out, 'POST sign_out');
        assert.equal((await t.call('GET', '/api/v1/user/info', { query: { client_id: 'mac-nobody', token } })).status, 401);
      });

      it('invalid JSON → 400 0x10000001 naming body', async () => {
        for (const raw of ['{bad', '{"username":"tom",}', "{'username':'tom'}", 'undefined']) {
          const r = await t.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'c' }, body: raw });
          assertError(r, 400, '0x10000001', 'body');
        }
      });

      it('a body carrying "__proto__" or "constructor.prototype" keys (prototype poisoning) → 400 0x10000001 naming body', async () => {
        const creds = `"username":"tom","secret":"${secret('tom-pw-1')}"`;
        for (const raw of [
          `{${creds},"__proto__":{"role":"SystemAdmin"}}`,
          `{${creds},"constructor":{"prototype":{"role":"SystemAdmin"}}}`,
          `{${creds},"nested":{"__proto__":{"x":1}}}`,
        ]) {
          const r = await t.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'poison' }, body: raw });
          assertError(r, 400, '0x10000001', 'body');
          assert.match(r.body.error, /__proto__|constructor/);
        }
        // The same credentials without the poisoned key sign in: the refusal is about the key alone.
        const clean = await t.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'poison' }, body: `{${creds}}` });
        assert.equal(clean.status, 200);
        // A "constructor" key that is plain data is not poisoning.
        const plain = await t.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'poison' }, body: `{${creds},"constructor":"x"}` });
        assert.equal(plain.status, 200);
      });

      it('unknown keys, such as the Android camelCase duplicates clientId, serverAddress and token, are ignored', async () => {
        const r = await t.call('POST', '/api/v1/user/sign_in', {
          query: { client_id: 'android-extra' },
          body: {
            username: 'tom',
            secret: secret('tom-pw-1'),
            clientId: 'android-extra',
            serverAddress: 'meet.example.org:7443',
            token: 'stale-token',
            meetingNumber: 0,
            is_admin: true,
          },
        });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.username, 'tom');
        assert.deepEqual(r.body.role, ['Normal'], 'an unknown key does not grant anything');

        const change = await t.call('PUT', '/api/v1/user/password', {
          query: { client_id: 'android-extra', token: r.body.user_token },
          body: { secret_old: secret('tom-pw-1'), secret_new: secret('tom-pw-2'), clientId: 'android-extra', token: r.body.user_token },
        });
        assertJsonObject200(change, 'PUT password');
        const signInAgain = await t.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'check' }, body: { username: 'tom', secret: secret('tom-pw-2') } });
        assert.equal(signInAgain.status, 200, 'the password change took effect');
      });

      it('null members are treated as absent', async () => {
        const r = await t.call('POST', '/api/v1/user/users', {
          query: asAdmin(),
          body: {
            username: 'nully',
            secret: secret('nully-pw-1'),
            real_name: null,
            email: null,
            department: null,
            mobile: null,
            role: null,
            security_level: null,
            recurrenceId: null,
          },
        });
        assert.equal(r.status, 200, r.text);
        const got = await t.call('GET', `/api/v1/user/users/${r.body.user_id}`, { query: asAdmin() });
        assert.equal(got.body.real_name, '');
        assert.equal(got.body.email, '');
        assert.deepEqual(got.body.role, ['Normal']);
        assert.equal(got.body.security_level, 'NORMAL');

        const signIn = await t.call('POST', '/api/v1/user/sign_in', {
          query: { client_id: 'windows' },
          body: { username: 'nully', secret: secret('nully-pw-1'), serverAddress: null, meeting_url: null },
        });
        assert.equal(signIn.status, 200, signIn.text);
      });
    });

    describe(`query parameters [${dialect}]`, () => {
      it('numeric strings are read as numbers (page_num="2")', async () => {
        const page = (n: string) =>
          t.call('GET', '/api/v1/user/public/users', { query: asAdmin({ page_num: n, page_size: '2' }) });
        const first = await page('1');
        const second = await page('2');
        assert.equal(second.status, 200, second.text);
        assert.equal(second.body.users.length, 2);
        const firstNames = first.body.users.map((u: { username: string }) => u.username);
        for (const u of second.body.users) assert.ok(!firstNames.includes(u.username), 'page 2 is not page 1');
        const padded = await page(' 2 ');
        assert.deepEqual(padded.body, second.body);
      });

      it('non-numeric page_num → 400 0x10000001 naming page_num', async () => {
        for (const bad of ['two', '2abc', '1.5', '']) {
          const r = await t.call('GET', '/api/v1/user/public/users', { query: asAdmin({ page_num: bad }) });
          assertError(r, 400, '0x10000001', 'page_num');
        }
        const zero = await t.call('POST', '/api/v1/user/public/users', { query: asAdmin({ page_size: '0' }) });
        assertError(zero, 400, '0x10000001', 'page_size');
      });

      it('missing client_id → 400 0x10000001 naming client_id', async () => {
        assertError(await t.call('GET', '/api/v1/user/info', { query: { token: admin } }), 400, '0x10000001', 'client_id');
        assertError(await t.call('GET', '/api/v1/system/version'), 400, '0x10000001', 'client_id');
        assertError(await t.call('POST', '/api/v1/user/users', { query: { token: admin }, body: {} }), 400, '0x10000001');
        assertError(await t.call('GET', '/api/v1/system/version', { query: { client_id: '' } }), 400, '0x10000001', 'client_id');
      });

      it('client_id over 128 characters → 400 0x10000008 naming client_id; 128 is accepted', async () => {
        const long = await t.call('GET', '/api/v1/system/version', { query: { client_id: 'c'.repeat(129) } });
        assertError(long, 400, '0x10000008', 'client_id');
        const max = await t.call('GET', '/api/v1/system/version', { query: { client_id: 'c'.repeat(128) } });
        assert.equal(max.status, 200, max.text);
      });
    });

    describe(`responses [${dialect}]`, () => {
      it('unknown route → 404 JSON 0x10000004; an unsupported method on a known path likewise', async () => {
        assertError(await t.call('GET', '/api/v1/no_such_thing', { query: { client_id: 'c' } }), 404, '0x10000004');
        assertError(await t.call('POST', '/api/v2/user/sign_in', { query: { client_id: 'c' }, body: {} }), 404, '0x10000004');
        assertError(await t.call('PATCH', '/api/v1/user/info', { query: asAdmin() }), 404, '0x10000004');
        assertError(await t.call('DELETE', '/api/v1/system/version', { query: { client_id: 'c' } }), 404, '0x10000004');
      });

      it('a body with a non-JSON Content-Type (text/xml) → 4xx JSON error', async () => {
        const xml = await t.call('POST', '/api/v1/user/sign_in', {
          query: { client_id: 'c' },
          body: '<sign_in><username>tom</username></sign_in>',
          headers: { 'content-type': 'text/xml' },
        });
        assert.ok(xml.status >= 400 && xml.status < 500, `status ${xml.status}`);
        assertError(xml, xml.status, '0x10000001');
        const form = await t.call('POST', '/api/v1/user/users', {
          query: asAdmin(),
          body: 'username=mallory&role=SystemAdmin',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        assert.ok(form.status >= 400 && form.status < 500, `status ${form.status}`);
        assert.match(form.body.errorCode, /^0x[0-9a-f]{8}$/);
      });

      it('a JSON body labelled text/plain is read as JSON; a non-JSON text/plain body → 400 naming body', async () => {
        const ok = await t.call('GET', '/api/v1/system/version', { query: { client_id: 'c' } });
        const plain = await t.call('POST', '/api/v1/system/version', {
          query: { client_id: 'c' },
          body: JSON.stringify({ anything: 1 }),
          headers: { 'content-type': 'text/plain' },
        });
        assert.equal(plain.status, 200);
        assert.deepEqual(plain.body, ok.body);
        const bad = await t.call('POST', '/api/v1/system/version', { query: { client_id: 'c' }, body: 'hello', headers: { 'content-type': 'text/plain' } });
        assertError(bad, 400, '0x10000001');
        assert.match(bad.body.error, /^body:/);
      });

      it('every success is HTTP 200 with a JSON object body and Content-Type application/json, never 204', async () => {
        const id = await t.createUser('sweep', 'sweep-pw-1');
        const user = await t.signIn('sweep', 'sweep-pw-1', 'sweep');
        const calls: [string, string, Record<string, unknown>?][] = [
          ['GET', '/api/v1/system/version'],
          ['POST', '/api/v1/system/version'],
          ['GET', '/api/v1/system/capacity', { token: admin }],
          ['POST', '/api/v1/system/capacity', { token: admin }],
          ['GET', '/api/v1/user/info', { token: admin }],
          ['POST', '/api/v1/user/info', { token: admin }],
          ['GET', '/api/v1/user/public/users', { token: admin }],
          ['POST', '/api/v1/user/public/users', { token: admin }],
          ['GET', '/api/v1/user/users', { token: admin }],
          ['GET', `/api/v1/user/users/${id}`, { token: admin }],
          ['POST', `/api/v1/user/users/${id}`, { token: admin, body: { real_name: 'Sweep' } }],
          ['PUT', `/api/v1/user/users/${id}`, { token: admin, body: { department: 'QA' } }],
          ['PUT', '/api/v1/user/password', { token: user, body: { secret_old: secret('sweep-pw-1'), secret_new: secret('sweep-pw-2') } }],
          ['POST', '/api/v1/user/password', { token: user, body: { secret_old: secret('sweep-pw-2'), secret_new: secret('sweep-pw-3') } }],
          ['POST', `/api/v1/user/users/${id}/lock`, { token: admin }],
          ['DELETE', `/api/v1/user/users/${id}/lock`, { token: admin }],
          ['POST', `/api/v1/user/users/${id}/password_reset`, { token: admin, body: { secret: secret('sweep-pw-4') } }],
        ];
        for (const [method, path, opts = {}] of calls) {
          const { token, body } = opts as { token?: string; body?: unknown };
          const r = await t.call(method, path, { query: { client_id: 'sweep', token }, body });
          assertJsonObject200(r, `${method} ${path}`);
        }
        // "Nothing to say" is `{}`, not 204 and not an empty body.
        const again = await t.signIn('sweep', 'sweep-pw-4', 'sweep');
        const out = await t.call('POST', '/api/v1/user/sign_out', { query: { client_id: 'sweep', token: again }, body: {} });
        assertJsonObject200(out, 'sign_out');
        assert.equal(out.text, '{}');
        const del = await t.call('DELETE', `/api/v1/user/users/${id}`, { query: asAdmin() });
        assertJsonObject200(del, 'DELETE user');
        assert.equal(del.text, '{}');
      });

      it('a body over 1 MiB → 413 JSON error', async () => {
        const big = JSON.stringify({ username: 'tom', secret: secret('x'), padding: 'x'.repeat(1024 * 1024) });
        const r = await t.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'c' }, body: big });
        assert.equal(r.status, 413, r.text.slice(0, 200));
        assert.match(String(r.headers['content-type']), /^application\/json/);
        assert.match(r.body.errorCode, /^0x[0-9a-f]{8}$/);
        // Just under the limit is parsed (and then judged on its fields).
        const fits = JSON.stringify({ username: 'tom', secret: secret('tom-pw-2'), padding: 'x'.repeat(1000 * 1000) });
        const ok = await t.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'c' }, body: fits });
        assert.equal(ok.status, 200, ok.text.slice(0, 200));
      });
    });

    describe(`hostile input [${dialect}]`, () => {
      const deepObject = '{"a":'.repeat(50_000) + '{}' + '}'.repeat(50_000);
      const deepArray = '['.repeat(100_000) + ']'.repeat(100_000);
      const s40 = 'a'.repeat(40);

      it('a batch of hostile requests never yields 5xx; every failure is a JSON {error, errorCode}', async () => {
        const tokenQ = () => asAdmin();
        const requests: { label: string; method: string; path: string; query?: Record<string, string>; body?: unknown; headers?: Record<string, string> }[] = [
          { label: 'array body to sign_in', method: 'POST', path: '/api/v1/user/sign_in', query: { client_id: 'h' }, body: [1, 2, 3] },
          { label: 'array body to create', method: 'POST', path: '/api/v1/user/users', query: tokenQ(), body: [{ username: 'x' }] },
          { label: 'array body to password', method: 'PUT', path: '/api/v1/user/password', query: tokenQ(), body: [] },
          { label: 'string body', method: 'POST', path: '/api/v1/user/sign_in', query: { client_id: 'h' }, body: '"just a string"' },
          { label: 'number body', method: 'POST', path: '/api/v1/user/sign_in', query: { client_id: 'h' }, body: '42' },
          { label: 'JSON null body', method: 'POST', path: '/api/v1/user/users', query: tokenQ(), body: 'null' },
          { label: 'array as username', method: 'POST', path: '/api/v1/user/sign_in', query: { client_id: 'h' }, body: { username: ['admin'], secret: s40 } },
          { label: 'object as username', method: 'POST', path: '/api/v1/user/sign_in', query: { client_id: 'h' }, body: { username: { $ne: '' }, secret: s40 } },
          { label: 'object as role', method: 'POST', path: '/api/v1/user/users', query: tokenQ(), body: { username: 'h1', secret: s40, role: { name: 'SystemAdmin' } } },
          { label: 'nested array as role', method: 'POST', path: '/api/v1/user/users', query: tokenQ(), body: { username: 'h2', secret: s40, role: [['SystemAdmin']] } },
          { label: 'two roles', method: 'POST', path: '/api/v1/user/users', query: tokenQ(), body: { username: 'h3', secret: s40, role: ['Normal', 'SystemAdmin'] } },
          { label: 'deeply nested object', method: 'POST', path: '/api/v1/user/sign_in', query: { client_id: 'h' }, body: deepObject },
          { label: 'deeply nested value', method: 'POST', path: '/api/v1/user/users', query: tokenQ(), body: `{"username":${deepObject},"secret":${deepArray}}` },
          { label: 'deeply nested array', method: 'PUT', path: '/api/v1/user/password', query: tokenQ(), body: deepArray },
          { label: '__proto__ key', method: 'POST', path: '/api/v1/user/users', query: tokenQ(), body: `{"__proto__":{"role":"SystemAdmin","isAdmin":true},"username":"protouser","secret":"${s40}"}` },
          { label: 'constructor.prototype key', method: 'POST', path: '/api/v1/user/sign_in', query: { client_id: 'h' }, body: `{"constructor":{"prototype":{"polluted":1}},"username":"tom","secret":"${s40}"}` },
          { label: 'huge number as role', method: 'POST', path: '/api/v1/user/users', query: tokenQ(), body: `{"username":"h4","secret":"${s40}","role":1e400}` },
          { label: 'huge number as username', method: 'POST', path: '/api/v1/user/sign_in', query: { client_id: 'h' }, body: `{"username":123456789012345678901234567890,"secret":"${s40}"}` },
          { label: 'page_num 1e400', method: 'GET', path: '/api/v1/user/public/users', query: asAdmin({ page_num: '1e400' }) },
          { label: 'page_num 400 digits', method: 'GET', path: '/api/v1/user/public/users', query: asAdmin({ page_num: '9'.repeat(400) }) },
          { label: 'page_num max', method: 'GET', path: '/api/v1/user/users', query: asAdmin({ page_num: '1000000', page_size: '100000' }) },
          { label: 'page_size Infinity', method: 'GET', path: '/api/v1/user/public/users', query: asAdmin({ page_size: 'Infinity' }) },
          { label: 'page_num negative', method: 'POST', path: '/api/v1/user/public/users', query: asAdmin({ page_num: '-5' }) },
          { label: 'page_num hex', method: 'POST', path: '/api/v1/user/public/users', query: asAdmin({ page_num: '0x10' }) },
          { label: 'emoji and astral username', method: 'POST', path: '/api/v1/user/sign_in', query: { client_id: '📱-device' }, body: { username: '😀𝕏עברית', secret: s40 } },
          { label: 'create unicode user', method: 'POST', path: '/api/v1/user/users', query: tokenQ(), body: { username: 'ünïcødé-😀', real_name: '名前 𝔘 \u202Eevil', secret: s40 } },
          { label: 'lone surrogate', method: 'POST', path: '/api/v1/user/users', query: tokenQ(), body: `{"username":"half\\ud800","real_name":"\\udfff","secret":"${s40}"}` },
          { label: 'NUL in username', method: 'POST', path: '/api/v1/user/sign_in', query: { client_id: 'h' }, body: { username: 'ad\u0000min', secret: s40 } },
          { label: 'NUL in real_name', method: 'POST', path: '/api/v1/user/users', query: tokenQ(), body: { username: 'nulname', real_name: 'a\u0000b', secret: s40 } },
          { label: 'NUL in filter', method: 'GET', path: '/api/v1/user/public/users', query: asAdmin({ filter: 'a\u0000' }) },
          { label: 'NUL in client_id', method: 'GET', path: '/api/v1/system/version', query: { client_id: 'x\u0000y' } },
          { label: 'NUL in a key', method: 'POST', path: '/api/v1/user/sign_in', query: { client_id: 'h' }, body: `{"user\\u0000name":"tom","username":"tom","secret":"${s40}"}` },
          { label: 'NUL in path parameter', method: 'GET', path: '/api/v1/user/users/a%00b', query: tokenQ() },
          { label: 'bad percent-encoding in path', method: 'GET', path: '/api/v1/user/users/%ff%fe', query: tokenQ() },
          { label: 'over-long path parameter', method: 'GET', path: `/api/v1/user/users/${'x'.repeat(5000)}`, query: tokenQ() },
          { label: 'backslash filter', method: 'GET', path: '/api/v1/user/public/users', query: asAdmin({ filter: 'a\\' }) },
          { label: 'quote filter', method: 'GET', path: '/api/v1/user/public/users', query: asAdmin({ filter: "' or 1=1 --" }) },
          { label: 'over-long filter', method: 'GET', path: '/api/v1/user/public/users', query: asAdmin({ filter: 'f'.repeat(129) }) },
          { label: 'over-long token', method: 'GET', path: '/api/v1/user/info', query: { client_id: 'h', token: 't'.repeat(10_000) } },
          { label: 'SQL in token', method: 'GET', path: '/api/v1/user/info', query: { client_id: 'h', token: "' OR '1'='1" } },
          { label: 'SQL in user id', method: 'GET', path: `/api/v1/user/users/${encodeURIComponent("1' OR '1'='1")}`, query: tokenQ() },
          { label: 'Content-Type json with charset latin1', method: 'POST', path: '/api/v1/user/info', query: tokenQ(), body: '{}', headers: { 'content-type': 'application/json; charset=latin1' } },
          { label: 'BOM before JSON', method: 'POST', path: '/api/v1/user/sign_in', query: { client_id: 'h' }, body: `\uFEFF{"username":"tom","secret":"${s40}"}` },
          { label: 'big flat array', method: 'POST', path: '/api/v1/user/users', query: tokenQ(), body: JSON.stringify({ username: 'h5', secret: s40, role: new Array(100_000).fill('Normal') }) },
          { label: 'many keys', method: 'POST', path: '/api/v1/user/users', query: tokenQ(), body: JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))) },
        ];
        const rawPaths = [
          '/api/v1/user/info?client_id=a&client_id=b&token=x',
          `/api/v1/user/info?client_id=h&token=${admin}&token=${admin}`,
          '/api/v1/user/public/users?client_id=%&token=%zz',
          `/api/v1/user/public/users?client_id=h&token=${admin}&page_num[]=1`,
          `/api/v1/user/public/users?client_id=h&token=${admin}&page_num[a]=1`,
        ];
        const replies: [string, Reply][] = [];
        for (const q of requests) {
          const opts: Parameters<TestServer['call']>[2] = { ...(q.query ? { query: q.query } : {}), ...(q.body !== undefined ? { body: q.body } : {}), ...(q.headers ? { headers: q.headers } : {}) };
          replies.push([q.label, await t.call(q.method, q.path, opts)]);
        }
        for (const path of rawPaths) replies.push([path, await t.call('GET', path)]);

        for (const [label, r] of replies) {
          assert.ok(r.status < 500, `${label}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
          assert.match(String(r.headers['content-type']), /^application\/json/, `${label}: content-type`);
          if (r.status >= 400) {
            assert.match(r.body?.errorCode ?? '', /^0x[0-9a-f]{8}$/, `${label}: errorCode in ${r.text.slice(0, 200)}`);
            assert.equal(typeof r.body.error, 'string', `${label}: error text`);
            assert.ok(!r.text.includes(admin), `${label}: the error echoes the token`);
          }
        }
        const byLabel = new Map(replies);
        // A few of them with the exact answer, not just "not 5xx".
        assertError(byLabel.get('array body to sign_in')!, 400, '0x10000001', 'body');
        assertError(byLabel.get('object as username')!, 400, '0x10000001', 'username');
        assertError(byLabel.get('two roles')!, 400, '0x10000001', 'role');
        assertError(byLabel.get('NUL in username')!, 400, '0x10000009', 'username');
        assertError(byLabel.get('NUL in real_name')!, 400, '0x10000009', 'real_name');
        assertError(byLabel.get('NUL in filter')!, 400, '0x10000009', 'filter');
        assertError(byLabel.get('NUL in path parameter')!, 400, '0x10000009', 'user_id');
        assertError(byLabel.get('bad percent-encoding in path')!, 400, '0x10000001');
        assertError(byLabel.get('over-long path parameter')!, 414, '0x10000008');
        assertError(byLabel.get('SQL in token')!, 401, '0x10000002');
        assertError(byLabel.get('SQL in user id')!, 404, '0x10000004');
        assert.equal(byLabel.get('quote filter')!.body.total_size, 0);
        assert.equal(byLabel.get('create unicode user')!.status, 200);

        // The __proto__ member is refused (nothing created), and reached neither an account nor the process' prototypes.
        assertError(byLabel.get('__proto__ key')!, 400, '0x10000001', 'body');
        const search = await t.call('GET', '/api/v1/user/users', { query: asAdmin({ filter: 'protouser' }) });
        assert.equal(search.body.total_size, 0);
        assert.equal(({} as Record<string, unknown>).role, undefined);
        assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
        assert.equal(({} as Record<string, unknown>).polluted, undefined);

        // The unicode account round-trips and can sign in.
        const uni = await t.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'h' }, body: { username: 'ÜNÏCØDÉ-😀', secret: s40 } });
        assert.equal(uni.status, 200, uni.text);
        assert.equal(uni.body.real_name, '名前 𝔘 \u202Eevil');

        // And the server is still answering normally.
        assertJsonObject200(await t.call('GET', '/api/v1/user/info', { query: asAdmin() }), 'info after the batch');
      });
    });
  });
}

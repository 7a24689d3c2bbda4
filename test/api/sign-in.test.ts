import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clientSecret } from '../../src/accounts/secret.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { testDialects } from '../support/dialects.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

for (const dialect of testDialects()) {
  describe(`POST /api/v1/user/sign_in [${dialect}]`, () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 12));
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect, {}, { clock });
      await t.createUser('alice', 'alice-pw-1', 'Normal', { real_name: 'Alice A', email: 'alice@example.org' });
      await t.createUser('bob', 'bob-pw-1');
      await t.createUser('carol', 'carol-pw-1');
    });
    after(() => t.close());

    const signIn = (username: string, password: string, clientId = 'c1') =>
      t.call('POST', '/api/v1/user/sign_in', { query: { client_id: clientId }, body: { username, secret: clientSecret(password) } });

    it('returns the full profile the clients read, with role as an array → 200', async () => {
      const r = await signIn('alice', 'alice-pw-1');
      assert.equal(r.status, 200);
      assert.match(r.body.user_token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(r.body.username, 'alice');
      assert.equal(r.body.real_name, 'Alice A');
      assert.equal(r.body.email, 'alice@example.org');
      assert.deepEqual(r.body.role, ['Normal']);
      assert.equal(r.body.security_level, 'NORMAL');
      for (const k of ['user_id', 'department', 'mobile']) assert.equal(typeof r.body[k], 'string', k);
      assert.equal(typeof r.body.password_expired_time, 'number');
    });

    it('accepts the username in any case and an upper-case hex secret', async () => {
      const r = await t.call('POST', '/api/v1/user/sign_in', {
        query: { client_id: 'c2' },
        body: { username: 'ALICE', secret: clientSecret('alice-pw-1').toUpperCase() },
      });
      assert.equal(r.status, 200);
      assert.equal(r.body.username, 'alice');
    });

    it('unknown user → 401 0x00003000 without saying the user does not exist', async () => {
      const r = await signIn('nobody', 'whatever');
      assert.equal(r.status, 401);
      assert.equal(r.body.errorCode, '0x00003000');
      assert.doesNotMatch(r.body.error, /exist/i);
    });

    it('wrong password → 401 0x00003003', async () => {
      const r = await signIn('bob', 'wrong');
      assert.equal(r.status, 401);
      assert.equal(r.body.errorCode, '0x00003003');
    });

    it('5 consecutive wrong passwords freeze for 5 minutes (0x00003001), even the right one, then it works again', async () => {
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) codes.push((await signIn('carol', `wrong-${i}`)).body.errorCode);
      assert.deepEqual(codes, ['0x00003003', '0x00003003', '0x00003003', '0x00003003', '0x00003001']);
      const frozen = await signIn('carol', 'carol-pw-1');
      assert.equal(frozen.status, 401);
      assert.equal(frozen.body.errorCode, '0x00003001');
      clock.advance(4 * 60_000);
      assert.equal((await signIn('carol', 'carol-pw-1')).body.errorCode, '0x00003001');
      clock.advance(61_000);
      const ok = await signIn('carol', 'carol-pw-1');
      assert.equal(ok.status, 200);
    });

    it('a success in between resets the count of consecutive failures', async () => {
      await t.createUser('erin', 'erin-pw-1');
      for (let i = 0; i < 4; i++) await signIn('erin', 'wrong');
      assert.equal((await signIn('erin', 'erin-pw-1')).status, 200);
      for (let i = 0; i < 4; i++) assert.equal((await signIn('erin', 'wrong')).body.errorCode, '0x00003003');
      assert.equal((await signIn('erin', 'erin-pw-1')).status, 200);
    });

    it('wrong passwords sent all at once still freeze the account: none of them goes uncounted', async () => {
      await t.createUser('gina', 'gina-pw-1');
      const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => signIn('gina', `wrong-${i}`, `burst-${i}`)));
      assert.ok(replies.every((r) => r.status === 401));
      const r = await signIn('gina', 'gina-pw-1');
      assert.equal(r.body.errorCode, '0x00003001');
    });

    it('an account locked by an administrator → 401 0x00003002', async () => {
      const id = await t.createUser('dave', 'dave-pw-1');
      const lock = await t.call('POST', `/api/v1/user/users/${id}/lock`, { query: { client_id: 'a', token: await t.adminToken() } });
      assert.equal(lock.status, 200);
      const r = await signIn('dave', 'dave-pw-1');
      assert.equal(r.status, 401);
      assert.equal(r.body.errorCode, '0x00003002');
    });

    it('missing or malformed fields → 400 0x1000000x naming the field', async () => {
      const noSecret = await t.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'c' }, body: { username: 'alice' } });
      assert.equal(noSecret.status, 400);
      assert.equal(noSecret.body.errorCode, '0x10000001');
      assert.match(noSecret.body.error, /secret/);
      const badSecret = await t.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'c' }, body: { username: 'alice', secret: 'not-hex' } });
      assert.equal(badSecret.status, 400);
      assert.match(badSecret.body.error, /^secret:/);
      const noClient = await t.call('POST', '/api/v1/user/sign_in', { body: { username: 'alice', secret: clientSecret('x') } });
      assert.equal(noClient.status, 400);
      assert.match(noClient.body.error, /client_id/);
    });

    it('signing in again from the same app replaces its previous token; other apps keep theirs', async () => {
      const first = (await signIn('alice', 'alice-pw-1', 'phone')).body.user_token;
      const other = (await signIn('alice', 'alice-pw-1', 'laptop')).body.user_token;
      const second = (await signIn('alice', 'alice-pw-1', 'phone')).body.user_token;
      const info = (token: string, client: string) => t.call('GET', '/api/v1/user/info', { query: { client_id: client, token } });
      assert.equal((await info(first, 'phone')).status, 401);
      assert.equal((await info(second, 'phone')).status, 200);
      assert.equal((await info(other, 'laptop')).status, 200);
    });

    it('tokens expire after the configured idle time', async () => {
      const token = (await signIn('alice', 'alice-pw-1', 'idle')).body.user_token;
      const info = () => t.call('GET', '/api/v1/user/info', { query: { client_id: 'idle', token } });
      assert.equal((await info()).status, 200);
      clock.advance(t.config.tokenIdleMinutes * 60_000 + 1000);
      const r = await info();
      assert.equal(r.status, 401);
      assert.equal(r.body.errorCode, '0x10000002');
    });

    it('a token in constant use still expires CONVENE_TOKEN_MAX_AGE_MINUTES after its sign-in (default 90 days)', async () => {
      assert.equal(t.config.tokenMaxAgeMinutes, 90 * 24 * 60);
      const token = (await signIn('alice', 'alice-pw-1', 'forever')).body.user_token;
      const info = () => t.call('GET', '/api/v1/user/info', { query: { client_id: 'forever', token } });
      // Used every 20 days, it never goes idle (30 days) — but at 90 days it ends all the same.
      for (let day = 20; day < 90; day += 20) {
        clock.advance(20 * 86_400_000);
        assert.equal((await info()).status, 200, `day ${day}`);
      }
      clock.advance(10 * 86_400_000 - 1000);
      // Day 90 minus a second: still good, and this use is served from the session cache (read a moment ago).
      assert.equal((await info()).status, 200);
      clock.advance(1000);
      const r = await info();
      assert.equal(r.status, 401);
      assert.equal(r.body.errorCode, '0x10000002');
      assert.match(r.body.error, /sign in again/);
      // Signing in again gives a fresh token with a fresh lifetime.
      const fresh = (await signIn('alice', 'alice-pw-1', 'forever')).body.user_token;
      assert.equal((await t.call('GET', '/api/v1/user/info', { query: { client_id: 'forever', token: fresh } })).status, 200);
    });

    it('no log line contains a token, secret or password', async () => {
      const r = await signIn('alice', 'alice-pw-1', 'logcheck');
      const token = r.body.user_token as string;
      await t.call('GET', '/api/v1/user/info', { query: { client_id: 'logcheck', token } });
      await t.call('GET', '/api/v1/user/public/users', { query: { client_id: 'logcheck', token, filter: 'a' } });
      await t.call('POST', '/api/v1/user/sign_out', { query: { client_id: 'logcheck', token }, body: '' });
      const all = t.logs.join('\n');
      assert.ok(t.logs.some((l) => l.includes('/api/v1/user/info')), 'requests are logged');
      for (const needle of [token, clientSecret('alice-pw-1'), 'alice-pw-1']) assert.ok(!all.includes(needle), `log leaks ${needle.slice(0, 6)}…`);
    });

    it('credentials are redacted from logged URLs however their parameter names are spelled or encoded', async () => {
      const token = (await signIn('alice', 'alice-pw-1', 'encoded')).body.user_token as string;
      const secret = clientSecret('alice-pw-1');
      const paths = [
        // %74oken is "token": the server reads it as the token, so the log must not show it either.
        `/api/v1/user/info?client_id=encoded&%74oken=${token}`,
        `/api/v1/user/info?client_id=encoded&%74%6F%6B%65%6E=${token}&marker=enc2`,
        `/api/v1/user/info?%54OKEN=${token}&client_id=encoded`,
        `/api/v1/user/info?client_id=encoded&token=${token}&user%5Ftoken=${token}`,
        `/api/v1/user/info?client_id=encoded&secret%5Fold=${secret}&pass%77ord=${secret}&%ZZtoken=${secret}`,
      ];
      for (const path of paths) await t.client.call('GET', path);
      const all = t.logs.join('\n');
      assert.ok(all.includes('client_id=encoded'), 'the requests are logged');
      assert.ok(all.includes('marker=enc2'), 'other parameters are logged as they were');
      assert.ok(all.includes('%74oken=[REDACTED]'), 'the parameter is logged under its name as sent');
      assert.ok(!all.includes(token), 'log leaks the token');
      assert.ok(!all.includes(secret), 'log leaks the secret');
    });
  });

  describe(`POST /api/v1/user/sign_in, failures per address [${dialect}]`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect, { CONVENE_SIGN_IN_FAILURES_PER_MINUTE: '3' });
      await t.createUser('frank', 'frank-pw-1');
    });
    after(() => t.close());

    it('after the allowed failures from one address, even a right password → 429 until the minute passes', async () => {
      const attempt = (username: string, password: string) =>
        t.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'spray' }, body: { username, secret: clientSecret(password) } });
      for (const name of ['x1', 'x2', 'x3']) assert.equal((await attempt(name, 'common-password')).status, 401);
      const limited = await attempt('frank', 'frank-pw-1');
      assert.equal(limited.status, 429);
      assert.equal(limited.body.errorCode, '0x10000006');
      assert.match(limited.body.error, /try again in \d+ s/);
    });
  });
}

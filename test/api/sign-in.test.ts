import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clientSecret } from '../../src/accounts/secret.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { testDialects } from '../support/dialects.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpsClient, type Reply } from '../support/client.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server.ts';

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

    it('5 consecutive wrong passwords freeze (0x00003001) for 5 minutes at most; then even the right password is not checked', async () => {
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) codes.push((await signIn('carol', `wrong-${i}`)).body.errorCode);
      assert.deepEqual(codes, ['0x00003003', '0x00003003', '0x00003003', '0x00003003', '0x00003001']);
      const frozen = await signIn('carol', 'carol-pw-1');
      assert.equal(frozen.status, 401);
      assert.equal(frozen.body.errorCode, '0x00003001');
      const seconds = Number(/frozen for (\d+) s/.exec(frozen.body.error)?.[1]);
      assert.ok(seconds > 0 && seconds <= 300, frozen.body.error);
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

    it('an account locked by an administrator → 401 0x00003002, whether or not the password is right', async () => {
      const id = await t.createUser('dave', 'dave-pw-1');
      const lock = await t.call('POST', `/api/v1/user/users/${id}/lock`, { query: { client_id: 'a', token: await t.adminToken() } });
      assert.equal(lock.status, 200);
      for (const password of ['dave-pw-1', 'wrong', 'dave-pw-1', 'wrong']) {
        const r = await signIn('dave', password);
        assert.equal(r.status, 401);
        assert.equal(r.body.errorCode, '0x00003002', `with ${password}`);
      }
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

  describe(`sign-in freezes hurt the guesser, not the owner [${dialect}]`, () => {
    let t: TestServer;
    /** The attacker: another machine (127.0.0.2) than the owner's (t.client, 127.0.0.1). */
    let attacker: HttpsClient;
    before(async () => {
      // Freezes start at one second here, so that a test can outwait them; the per-address limit over all accounts
      // (tested below) is raised out of the way of the many guesses from one address.
      t = await startTestServer(dialect, { CONVENE_SIGN_IN_FREEZE_SECONDS: '1', CONVENE_SIGN_IN_FAILURES_PER_MINUTE: '1000' });
      attacker = new HttpsClient(t.url, { localAddress: '127.0.0.2' });
    });
    after(async () => {
      attacker.close();
      await t.close();
    });

    const signInFrom = (client: HttpsClient, username: string, password: string, clientId = 'app') =>
      client.call('POST', '/api/v1/user/sign_in', { query: { client_id: clientId }, body: { username, secret: clientSecret(password) } });
    const guess = async (username: string, times = 5) => {
      const codes: string[] = [];
      for (let i = 0; i < times; i++) codes.push((await signInFrom(attacker, username, `guess-${i}`)).body.errorCode);
      return codes;
    };
    const frozenSeconds = (r: Reply) => {
      assert.equal(r.status, 401, r.text);
      assert.equal(r.body.errorCode, '0x00003001', r.text);
      return Number(/(\d+) s/.exec(r.body.error)?.[1]);
    };

    it('five guesses from one address freeze that address; the owner signs in from hers, the administrator too', async () => {
      await t.createUser('olga', 'olga-pw-1');
      assert.deepEqual(await guess('olga'), ['0x00003003', '0x00003003', '0x00003003', '0x00003003', '0x00003001']);
      frozenSeconds(await signInFrom(attacker, 'olga', 'olga-pw-1'));
      assert.equal((await signInFrom(t.client, 'olga', 'olga-pw-1')).status, 200);
      // The administrator's account is no lever either.
      assert.equal((await guess('admin')).at(-1), '0x00003001');
      frozenSeconds(await signInFrom(attacker, 'admin', ADMIN_PASSWORD));
      assert.equal((await signInFrom(t.client, 'admin', ADMIN_PASSWORD, 'console')).status, 200);
    });

    it('the guesser\'s freeze doubles with each round', async () => {
      await t.createUser('pia', 'pia-pw-1');
      await guess('pia');
      const first = frozenSeconds(await signInFrom(attacker, 'pia', 'guess'));
      assert.equal(first, 1);
      await sleep(1100);
      assert.equal((await signInFrom(attacker, 'pia', 'guess')).body.errorCode, '0x00003003', 'the first freeze has run out');
      assert.equal((await guess('pia', 4)).at(-1), '0x00003001');
      assert.equal(frozenSeconds(await signInFrom(attacker, 'pia', 'pia-pw-1')), 2);
      // The owner was never affected.
      assert.equal((await signInFrom(t.client, 'pia', 'pia-pw-1')).status, 200);
    });

    it('an administrator\'s unlock lifts the freeze (and frozen_until reads 0)', async () => {
      const id = await t.createUser('quinn', 'quinn-pw-1');
      await guess('quinn');
      frozenSeconds(await signInFrom(attacker, 'quinn', 'quinn-pw-1'));
      const admin = { client_id: 'console', token: await t.adminToken() };
      assert.ok((await t.call('GET', `/api/v1/user/users/${id}`, { query: admin })).body.frozen_until > 0);
      assert.equal((await t.call('DELETE', `/api/v1/user/users/${id}/lock`, { query: admin })).status, 200);
      assert.equal((await t.call('GET', `/api/v1/user/users/${id}`, { query: admin })).body.frozen_until, 0);
      assert.equal((await signInFrom(attacker, 'quinn', 'quinn-pw-1')).status, 200);
    });

    it('wrong secret_old in PUT /api/v1/user/password counts like a failed sign-in and is refused while frozen', async () => {
      await t.createUser('rosa', 'rosa-pw-1');
      // A stolen token, used from the attacker's machine to test passwords.
      const stolen = (await signInFrom(attacker, 'rosa', 'rosa-pw-1', 'stolen')).body.user_token as string;
      const change = (client: HttpsClient, old: string, token = stolen, clientId = 'stolen') =>
        client.call('PUT', '/api/v1/user/password', {
          query: { client_id: clientId, token },
          body: { secret_old: clientSecret(old), secret_new: clientSecret('rosa-pw-new') },
        });
      for (let i = 0; i < 4; i++) {
        const r = await change(attacker, `guess-${i}`);
        assert.equal(r.status, 400, r.text);
        assert.match(r.body.error, /^secret_old/);
      }
      const fifth = await change(attacker, 'guess-4');
      assert.equal(fifth.status, 429, fifth.text);
      assert.equal(fifth.body.errorCode, '0x10000006');
      // Frozen: even the right old password is not checked (nor changed), and sign-in from there is frozen too.
      assert.equal((await change(attacker, 'rosa-pw-1')).status, 429);
      frozenSeconds(await signInFrom(attacker, 'rosa', 'rosa-pw-1'));
      // The token still works (429, not 401: the apps would drop it), and the owner changes her password from her place.
      assert.equal((await t.call('GET', '/api/v1/user/info', { query: { client_id: 'x', token: stolen } })).status, 200);
      const own = (await signInFrom(t.client, 'rosa', 'rosa-pw-1', 'own')).body.user_token as string;
      assert.equal((await change(t.client, 'rosa-pw-1', own, 'own')).status, 200);
    });

    it('freezes count sign-in and password change together: four wrong sign-ins and one wrong secret_old freeze', async () => {
      await t.createUser('sven', 'sven-pw-1');
      const token = (await signInFrom(attacker, 'sven', 'sven-pw-1', 'mixed')).body.user_token as string;
      assert.deepEqual(await guess('sven', 4), Array(4).fill('0x00003003'));
      const r = await attacker.call('PUT', '/api/v1/user/password', {
        query: { client_id: 'mixed', token },
        body: { secret_old: clientSecret('guess'), secret_new: clientSecret('sven-pw-2') },
      });
      assert.equal(r.status, 429, r.text);
      frozenSeconds(await signInFrom(attacker, 'sven', 'sven-pw-1'));
    });
  });

  describe(`sign-in, guesses spread over many addresses [${dialect}]`, () => {
    let t: TestServer;
    const clients: HttpsClient[] = [];
    before(async () => {
      t = await startTestServer(dialect, { CONVENE_SIGN_IN_FAILURES_PER_ACCOUNT: '4' });
      await t.createUser('tara', 'tara-pw-1');
    });
    after(async () => {
      for (const c of clients) c.close();
      await t.close();
    });
    const from = (address: string) => {
      const c = new HttpsClient(t.url, { localAddress: address });
      clients.push(c);
      return c;
    };
    const attempt = (c: HttpsClient, password: string) =>
      c.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'spread' }, body: { username: 'tara', secret: clientSecret(password) } });

    it('beyond the account\'s hourly budget only addresses it has signed in from may try; the owner still can', async () => {
      assert.equal((await attempt(t.client, 'tara-pw-1')).status, 200, 'the owner signs in from 127.0.0.1 first');
      // Two guesses from each of two addresses: neither is frozen, but the fourth spends the account's budget.
      const codes: string[] = [];
      for (const address of ['127.0.0.3', '127.0.0.4']) {
        const c = from(address);
        for (let i = 0; i < 2; i++) codes.push((await attempt(c, `guess-${i}`)).body.errorCode);
      }
      assert.deepEqual(codes, ['0x00003003', '0x00003003', '0x00003003', '0x00003001']);
      // A fresh address with the right password is held off, without the password being checked.
      const held = await attempt(from('127.0.0.5'), 'tara-pw-1');
      assert.equal(held.status, 401);
      assert.equal(held.body.errorCode, '0x00003001');
      assert.match(held.body.error, /this account/);
      const again = await attempt(t.client, 'tara-pw-1');
      assert.equal(again.status, 200, again.text);
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

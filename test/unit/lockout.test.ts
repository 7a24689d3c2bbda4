import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { type Account, FAILURES_BEFORE_FREEZE, Lockout, type LockoutPolicy } from '../../src/accounts/lockout.ts';
import { clientSecret, FRTC_SECRET_SALT, generatePassword, newToken, tokenHash } from '../../src/accounts/secret.ts';
import { asUserId } from '../../src/kernel/ids.ts';
import { memoryBudgets } from '../../src/limits/memory-budgets.ts';

const OWNER = '192.0.2.10';
const ATTACKER = '198.51.100.66';

/** A Lockout over real in-memory budgets; freezes start at one second so that a test can outwait them. */
function lockout(policy: Partial<LockoutPolicy> = {}): Lockout {
  return new Lockout(memoryBudgets, { failuresPerAddress: 1000, failuresPerAccount: 1000, firstFreezeMs: 1000, ...policy });
}

let accounts = 0;
const account = (): Account => ({ id: asUserId(`account-${++accounts}`), freezeEpoch: 0 });

/** `n` wrong passwords from `source`; the hold the last one started, if any. */
async function wrong(l: Lockout, a: Account, source: string, n = FAILURES_BEFORE_FREEZE) {
  let started;
  for (let i = 0; i < n; i++) started = await l.wrongPassword(a, source);
  return started;
}

describe('Lockout: the freeze is per account and source address', () => {
  it('four wrong passwords hold nothing; the fifth freezes that address, for at most the first freeze', async () => {
    const l = lockout();
    const a = account();
    assert.equal(await wrong(l, a, ATTACKER, 4), undefined);
    assert.equal(await l.hold(a, ATTACKER), undefined);
    const started = await l.wrongPassword(a, ATTACKER);
    assert.equal(started?.scope, 'address');
    assert.ok(started!.retryMs > 0 && started!.retryMs <= 1000, `${started?.retryMs}`);
    const hold = await l.hold(a, ATTACKER);
    assert.equal(hold?.scope, 'address');
  });

  it('the owner at another address is not frozen by the attacker, nor is another account at the attacker\'s', async () => {
    const l = lockout();
    const a = account();
    await wrong(l, a, ATTACKER);
    assert.ok(await l.hold(a, ATTACKER));
    assert.equal(await l.hold(a, OWNER), undefined);
    assert.equal(await l.hold(account(), ATTACKER), undefined);
  });

  it('addresses in one IPv6 /64 share a freeze', async () => {
    const l = lockout();
    const a = account();
    await wrong(l, a, '2001:db8:5:6::1');
    assert.ok(await l.hold(a, '2001:db8:5:6:ffff::2'));
    assert.equal(await l.hold(a, '2001:db8:5:7::1'), undefined);
  });

  it('each further freeze of the same address lasts twice as long', async () => {
    const l = lockout();
    const a = account();
    const first = (await wrong(l, a, ATTACKER))!.retryMs;
    await sleep(first + 50);
    assert.equal(await l.hold(a, ATTACKER), undefined, 'the first freeze has run out');
    const second = (await wrong(l, a, ATTACKER))!.retryMs;
    assert.ok(second > 1000 && second <= 2000, `second freeze ${second} ms`);
    assert.ok((await l.hold(a, ATTACKER))!.retryMs > 1000);
  });

  it('the right password from the address starts its count over; the freeze level too', async () => {
    const l = lockout();
    const a = account();
    await wrong(l, a, OWNER, 4);
    await l.rightPassword(a, OWNER);
    assert.equal(await wrong(l, a, OWNER, 4), undefined);
    await l.rightPassword(a, OWNER);
    const first = (await wrong(l, a, OWNER))!.retryMs;
    await sleep(first + 50);
    await l.rightPassword(a, OWNER);
    const again = (await wrong(l, a, OWNER))!.retryMs;
    assert.ok(again <= 1000, `after a success the next freeze is a first one again (${again} ms)`);
  });

  it('a new freeze epoch (an administrator\'s unlock) lifts the freeze and its level', async () => {
    const l = lockout();
    const a = account();
    await wrong(l, a, ATTACKER);
    const unlocked = { ...a, freezeEpoch: a.freezeEpoch + 1 };
    assert.ok(await l.hold(a, ATTACKER));
    assert.equal(await l.hold(unlocked, ATTACKER), undefined);
    assert.equal(await wrong(l, unlocked, ATTACKER, 4), undefined);
  });
});

describe('Lockout: the account-wide budget', () => {
  it('beyond it, addresses that have not signed in to the account are held; familiar ones still try', async () => {
    const l = lockout({ failuresPerAccount: 6 });
    const a = account();
    await l.rightPassword(a, OWNER);
    // Three addresses, two guesses each: none is frozen, but the account's hourly budget is spent.
    assert.equal(await wrong(l, a, '203.0.113.1', 2), undefined);
    assert.equal(await wrong(l, a, '203.0.113.2', 2), undefined);
    const last = await wrong(l, a, '203.0.113.3', 2);
    assert.equal(last?.scope, 'account');
    assert.equal((await l.hold(a, '203.0.113.4'))?.scope, 'account');
    assert.equal(await l.hold(a, OWNER), undefined);
    assert.equal(await l.hold(account(), '203.0.113.4'), undefined, 'other accounts are not affected');
  });
});

describe('Lockout: failed attempts per source address', () => {
  it('after failuresPerAddress failures (any account, any outcome) the address waits; others do not', async () => {
    const l = lockout({ failuresPerAddress: 3 });
    for (let i = 0; i < 3; i++) {
      assert.equal(await l.throttled(ATTACKER), 0);
      await l.failedFrom(ATTACKER);
    }
    const wait = await l.throttled(ATTACKER);
    assert.ok(wait > 0 && wait <= 60_000, `${wait}`);
    assert.equal(await l.throttled(OWNER), 0);
  });
});

describe('client secret and tokens', () => {
  it('clientSecret() is the lowercase hex SHA-1 of password + FRTC salt', () => {
    assert.equal(FRTC_SECRET_SALT, '49d88eb34f77fc9e81cbdc5190c7efdc');
    // printf %s password49d88eb34f77fc9e81cbdc5190c7efdc | sha1sum
    assert.equal(clientSecret('password'), 'e1b62891cac3ddf1eb9239a39a409d48a585a5df');
  });

  it('clientSecret() gives different secrets for different passwords', () => {
    assert.notEqual(clientSecret('password'), clientSecret('Password'));
    assert.match(clientSecret('ü-unicode'), /^[0-9a-f]{40}$/);
  });

  it('generatePassword() has an upper-case letter, a lower-case letter, a digit and a symbol, and starts with a letter', () => {
    for (let i = 0; i < 300; i++) {
      const p = generatePassword();
      assert.equal(p.length, 20);
      assert.match(p, /[A-Z]/, p);
      assert.match(p, /[a-z]/, p);
      assert.match(p, /[0-9]/, p);
      assert.match(p, /[^A-Za-z0-9]/, p);
      assert.match(p, /^[A-Za-z]/, p);
    }
  });

  it('generatePassword() honours a short requested length and still meets every class', () => {
    for (let i = 0; i < 100; i++) {
      const p = generatePassword(8);
      assert.equal(p.length, 8);
      assert.match(p, /^[A-Za-z]/, p);
      for (const cls of [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/]) assert.match(p, cls, p);
    }
  });

  it('generatePassword() returns a different password each time', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generatePassword()));
    assert.equal(seen.size, 200);
  });

  it('newToken() is at least 43 base64url characters and unique', () => {
    const tokens = Array.from({ length: 500 }, () => newToken());
    for (const t of tokens) assert.match(t, /^[A-Za-z0-9_-]{43,}$/, t);
    assert.equal(new Set(tokens).size, tokens.length);
  });

  it('tokenHash() is the deterministic sha256 hex of the token', () => {
    // printf %s abc | sha256sum
    assert.equal(tokenHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const t = newToken();
    assert.equal(tokenHash(t), tokenHash(t));
    assert.notEqual(tokenHash(t), tokenHash(`${t}x`));
    assert.match(tokenHash(t), /^[0-9a-f]{64}$/);
  });
});

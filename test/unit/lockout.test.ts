import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  afterFailure,
  afterSuccess,
  FREEZE_MS,
  isFrozen,
  type LockoutState,
  MAX_CONSECUTIVE_FAILURES,
} from '../../src/accounts/lockout.ts';
import { clientSecret, FRTC_SECRET_SALT, generatePassword, newToken, tokenHash } from '../../src/accounts/secret.ts';

const T0 = Date.UTC(2026, 0, 15, 9, 30);
const FIVE_MINUTES = 300_000;
const fresh: LockoutState = { failedAttempts: 0, frozenUntil: 0 };

/** Applies `n` consecutive failures starting at `now`, one second apart. */
function fail(n: number, state: LockoutState = fresh, now = T0): LockoutState & { frozeNow: boolean } {
  let s: LockoutState & { frozeNow: boolean } = { ...state, frozeNow: false };
  for (let i = 0; i < n; i++) s = afterFailure(s, now + i * 1000);
  return s;
}

describe('lockout policy', () => {
  it('lockout constants are five failures and five minutes', () => {
    assert.equal(MAX_CONSECUTIVE_FAILURES, 5);
    assert.equal(FREEZE_MS, FIVE_MINUTES);
  });

  it('afterFailure() counts the first four consecutive failures without freezing', () => {
    for (let n = 1; n <= 4; n++) {
      const s = fail(n);
      assert.deepEqual(s, { failedAttempts: n, frozenUntil: 0, frozeNow: false }, `after ${n} failures`);
      assert.equal(isFrozen(s, T0 + n * 1000), false);
    }
  });

  it('afterFailure() freezes on the 5th consecutive failure for exactly 5 minutes', () => {
    const fifthAt = T0 + 4000;
    const s = fail(5);
    assert.equal(s.frozeNow, true);
    assert.equal(s.frozenUntil, fifthAt + FIVE_MINUTES);
    assert.equal(s.failedAttempts, 0);
  });

  it('isFrozen() is true until the freeze ends and false from that instant on', () => {
    const s = fail(5);
    assert.equal(isFrozen(s, T0 + 4000), true);
    assert.equal(isFrozen(s, s.frozenUntil - 1), true);
    assert.equal(isFrozen(s, s.frozenUntil), false);
    assert.equal(isFrozen(s, s.frozenUntil + 1), false);
  });

  it('isFrozen() is false for a state that was never frozen', () => {
    assert.equal(isFrozen(fresh, T0), false);
    assert.equal(isFrozen({ failedAttempts: 4, frozenUntil: 0 }, T0), false);
  });

  it('afterFailure() after an expired freeze starts a fresh count', () => {
    const frozen = fail(5);
    const s = afterFailure(frozen, frozen.frozenUntil);
    assert.deepEqual(s, { failedAttempts: 1, frozenUntil: 0, frozeNow: false });
  });

  it('afterFailure() after an expired freeze needs five new failures to freeze again', () => {
    const frozen = fail(5);
    const four = fail(4, frozen, frozen.frozenUntil + 1000);
    assert.equal(four.frozeNow, false);
    assert.equal(four.failedAttempts, 4);
    const fifth = afterFailure(four, frozen.frozenUntil + 10_000);
    assert.equal(fifth.frozeNow, true);
    assert.equal(fifth.frozenUntil, frozen.frozenUntil + 10_000 + FIVE_MINUTES);
  });

  it('afterFailure() ignores a stale count left next to an expired freeze', () => {
    const s = afterFailure({ failedAttempts: 4, frozenUntil: T0 - 1 }, T0);
    assert.deepEqual(s, { failedAttempts: 1, frozenUntil: 0, frozeNow: false });
  });

  it('afterFailure() while frozen keeps the freeze as it is (racing failures cannot lift it)', () => {
    const frozen = { failedAttempts: 0, frozenUntil: T0 + FREEZE_MS };
    assert.deepEqual(afterFailure(frozen, T0 + 1000), { ...frozen, frozeNow: false });
  });

  it('afterSuccess() clears the count and the freeze', () => {
    assert.deepEqual(afterSuccess(), { failedAttempts: 0, frozenUntil: 0 });
  });

  it('afterSuccess() between failures means the next four failures do not freeze', () => {
    const three = fail(3);
    const cleared = afterSuccess();
    const four = fail(4, cleared, T0 + 60_000);
    assert.equal(three.failedAttempts, 3);
    assert.equal(four.frozeNow, false);
    assert.equal(four.failedAttempts, 4);
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

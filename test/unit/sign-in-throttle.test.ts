import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignInThrottle } from '../../src/accounts/sign-in-throttle.ts';

describe('SignInThrottle', () => {
  it('retryAfter() is 0 until the limit of failures is reached, then the time until the oldest counted one expires', () => {
    const throttle = new SignInThrottle(3, 60_000);
    throttle.recordFailure('10.0.0.1', 1_000);
    throttle.recordFailure('10.0.0.1', 2_000);
    assert.equal(throttle.retryAfter('10.0.0.1', 2_500), 0);
    throttle.recordFailure('10.0.0.1', 3_000);
    assert.equal(throttle.retryAfter('10.0.0.1', 3_000), 58_000);
    assert.equal(throttle.retryAfter('10.0.0.1', 61_000), 0, 'the first failure has left the window');
  });

  it('counts addresses separately', () => {
    const throttle = new SignInThrottle(1, 60_000);
    throttle.recordFailure('a', 0);
    assert.ok(throttle.retryAfter('a', 1) > 0);
    assert.equal(throttle.retryAfter('b', 1), 0);
  });

  it('forgets the oldest address beyond its capacity, so memory stays bounded', () => {
    const throttle = new SignInThrottle(1, 60_000, 2);
    for (const a of ['a', 'b', 'c']) throttle.recordFailure(a, 0);
    assert.equal(throttle.retryAfter('a', 1), 0);
    assert.ok(throttle.retryAfter('c', 1) > 0);
  });
});

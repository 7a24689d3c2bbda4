import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { addressKey } from '../../src/kernel/address.ts';
import { memoryBudgets } from '../../src/limits/memory-budgets.ts';

describe('memoryBudgets', () => {
  it('counts spending per key down to 0 and past it, and refills after the window', async () => {
    const budget = memoryBudgets({ name: 'test-a', points: 3, windowMs: 300 });
    assert.deepEqual(await budget.peek('k'), { remaining: 3, refillMs: 0 });
    assert.equal((await budget.spend('k')).remaining, 2);
    assert.equal((await budget.spend('k', 2)).remaining, 0);
    const over = await budget.spend('k');
    assert.equal(over.remaining, 0);
    assert.ok(over.refillMs > 0 && over.refillMs <= 300, String(over.refillMs));
    assert.equal((await budget.peek('other')).remaining, 3, 'keys are separate');
    await sleep(350);
    assert.deepEqual(await budget.peek('k'), { remaining: 3, refillMs: 0 });
  });

  it('refuses a window longer than its timers can keep (24.8 days) instead of expiring it at once', async () => {
    assert.throws(() => memoryBudgets({ name: 'test-long', points: 1, windowMs: 30 * 86_400_000 }), /test-long.*24 days/);
    const three = memoryBudgets({ name: 'test-weeks', points: 1, windowMs: 21 * 86_400_000 });
    await three.spend('k');
    await sleep(20);
    assert.equal((await three.peek('k')).remaining, 0, 'a three-week window holds');
  });

  it('reset() forgets a key; budgets with other names do not share counts', async () => {
    const a = memoryBudgets({ name: 'test-b', points: 2, windowMs: 60_000 });
    const b = memoryBudgets({ name: 'test-c', points: 2, windowMs: 60_000 });
    await a.spend('k', 2);
    assert.equal((await b.peek('k')).remaining, 2);
    await a.reset('k');
    assert.equal((await a.peek('k')).remaining, 2);
  });
});

describe('addressKey()', () => {
  it('keeps IPv4 addresses and unwraps IPv4-mapped ones', () => {
    assert.equal(addressKey('192.0.2.7'), '192.0.2.7');
    assert.equal(addressKey('::ffff:192.0.2.7'), '192.0.2.7');
  });

  it('counts an IPv6 address by its /64', () => {
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
    assert.equal(addressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  });

  it('passes anything else through', () => {
    assert.equal(addressKey('unknown'), 'unknown');
  });
});

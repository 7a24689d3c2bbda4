import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { redisBudgets } from '../../src/limits/redis-budgets.ts';
import { eventually } from '../support/eventually.ts';
import { redisSkip, startThrowawayRedis, type ThrowawayRedis } from '../support/redis.ts';

/** Resolves when the client is connected (commands fail at once before that: no offline queue). */
const ready = (client: Redis): Promise<void> =>
  client.status === 'ready' ? Promise.resolve() : new Promise((resolve) => client.once('ready', () => resolve()));

const skip = redisSkip();

describe('redisBudgets: limits shared by several nodes', { skip }, () => {
  let redis: ThrowawayRedis;
  let nodeA: Redis;
  let nodeB: Redis;
  before(async () => {
    redis = await startThrowawayRedis();
    // Two clients stand for two nodes; each makes its own budget objects, as each node's composition root does.
    nodeA = new Redis(redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    nodeB = new Redis(redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    await Promise.all([ready(nodeA), ready(nodeB)]);
  });
  after(async () => {
    nodeA.disconnect();
    nodeB.disconnect();
    await redis.remove();
  });

  it('what one node spends, the other sees: five tries in all, not five per node', async () => {
    const spec = { name: 'shared-test', points: 5, windowMs: 60_000 };
    const onA = redisBudgets(nodeA, 'convene:')(spec);
    const onB = redisBudgets(nodeB, 'convene:')(spec);
    await onA.spend('192.0.2.1', 3);
    assert.equal((await onB.peek('192.0.2.1')).remaining, 2);
    assert.equal((await onB.spend('192.0.2.1', 2)).remaining, 0);
    const state = await onA.peek('192.0.2.1');
    assert.equal(state.remaining, 0);
    assert.ok(state.refillMs > 50_000 && state.refillMs <= 60_000, String(state.refillMs));
    await onB.reset('192.0.2.1');
    assert.equal((await onA.peek('192.0.2.1')).remaining, 5);
  });

  it('keeps counting in memory while Redis is down, and shares again when it is back', async () => {
    const spec = { name: 'outage-test', points: 3, windowMs: 60_000 };
    const budget = redisBudgets(nodeA, 'convene:')(spec);
    await redis.stop(true);
    assert.equal((await budget.spend('k')).remaining, 2);
    assert.equal((await budget.spend('k', 2)).remaining, 0, 'the insurance limiter still refuses past the budget');
    await redis.start();
    await Promise.all([ready(nodeA), ready(nodeB)]);
    const other = redisBudgets(nodeB, 'convene:')(spec);
    // The client may count in memory for a moment after it reconnects: each try spends a fresh key.
    let tries = 0;
    await eventually(async () => {
      const key = `fresh-${++tries}`;
      await budget.spend(key);
      assert.equal((await other.peek(key)).remaining, 2, 'a spend on one node is seen by the other again');
    }, 5000, 100);
  });
});

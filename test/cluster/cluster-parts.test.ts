import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ClusterBus } from '../../src/cluster/bus.ts';
import { CallLedger } from '../../src/cluster/call-ledger.ts';
import { NodeRegistry } from '../../src/cluster/node-registry.ts';
import { chooseNode, MeetingPlacement } from '../../src/cluster/placement.ts';
import { connectRedis, type RedisLink } from '../../src/cluster/redis.ts';
import { DomainError } from '../../src/kernel/domain-error.ts';
import { redisSkip, startThrowawayRedis, type ThrowawayRedis } from '../support/redis.ts';

const skip = redisSkip();
const quiet = () => {};

describe('cluster parts over a real Redis', { skip }, () => {
  let redis: ThrowawayRedis;
  const links: RedisLink[] = [];
  const link = async (prefix = 'parts:') => {
    const l = await connectRedis(redis.url, prefix, quiet);
    links.push(l);
    return l;
  };
  const node = async (id: string, leaseMs = 600, load = { meetings: 0, participants: 0, mediaCpu: 0 }) => {
    const registry = new NodeRegistry(await link(), {
      self: { id, address: `https://${id}.test:7443`, startedAt: Date.now(), certPem: '' },
      leaseMs,
      load: () => load,
      onError: quiet,
    });
    await registry.start();
    return registry;
  };
  before(async () => {
    redis = await startThrowawayRedis();
  });
  after(async () => {
    for (const l of links) await l.close();
    await redis.remove();
  });

  it('a node that stops renewing its lease drops out of the alive list within one lease', async () => {
    const a = await node('a1');
    const b = await node('b1');
    assert.deepEqual((await a.alive()).map((n) => n.id).sort(), ['a1', 'b1']);
    // b "dies": its timer stops without deleting its key, as after kill -9.
    (b as unknown as { timer: NodeJS.Timeout }).timer.close();
    await sleep(800);
    assert.deepEqual((await a.alive()).map((n) => n.id), ['a1']);
    assert.deepEqual(await a.lost(), ['b1']);
    await a.forget('b1');
    assert.deepEqual(await a.lost(), []);
    await a.stop();
  });

  it('two nodes racing to place one meeting agree on one holder; a dead holder is replaced', async () => {
    const a = await node('a2');
    const b = await node('b2', 500);
    const placement = new MeetingPlacement(links[0]!);
    const other = new MeetingPlacement(await link());
    const results = await Promise.all([placement.place('123456789', 'a2'), other.place('123456789', 'b2')]);
    assert.equal(results[0].nodeId, results[1].nodeId);
    const winner = results[0].nodeId;
    assert.equal(await placement.holder('123456789'), winner);
    // The winner dies; after its lease the other node takes the meeting over and learns whom it replaced.
    const dead = winner === 'a2' ? a : b;
    const survivor = winner === 'a2' ? 'b2' : 'a2';
    (dead as unknown as { timer: NodeJS.Timeout }).timer.close();
    await sleep(800);
    assert.equal(await placement.holder('123456789'), undefined);
    assert.deepEqual(await other.place('123456789', survivor), { nodeId: survivor, replaced: winner });
    await placement.release('123456789', winner); // a late release by the old holder changes nothing
    assert.equal(await placement.holder('123456789'), survivor);
  });

  it('chooseNode() takes the least loaded node that is not draining', () => {
    const n = (id: string, participants: number, meetings: number, draining = false) => ({
      id, address: '', startedAt: 0, certPem: '', participants, meetings, mediaCpu: 0, draining,
    });
    assert.equal(chooseNode([n('a', 100, 2), n('b', 10, 1), n('c', 0, 0, true)])?.id, 'b');
    assert.equal(chooseNode([n('c', 0, 0, true)]), undefined);
  });

  it('a request to another node returns its answer, carries its DomainError, and fails fast for a node nobody serves', async () => {
    const a = new ClusterBus(await link('bus:'), 'a3', quiet);
    const b = new ClusterBus(await link('bus:'), 'b3', quiet);
    await Promise.all([a.start(), b.start()]);
    b.serve('double', async (args) => (args as { n: number }).n * 2);
    b.serve('refuse', async () => {
      throw new DomainError('permission.denied', 'not yours');
    });
    b.serve('slow', () => sleep(500));
    assert.equal(await a.call('b3', 'double', { n: 21 }, 1000), 42);
    await assert.rejects(a.call('b3', 'refuse', {}, 1000), (e: unknown) => e instanceof DomainError && e.kind === 'permission.denied' && e.message === 'not yours');
    await assert.rejects(a.call('b3', 'slow', {}, 100), (e: unknown) => e instanceof DomainError && e.kind === 'service.unavailable');
    const started = Date.now();
    await assert.rejects(a.call('nobody', 'double', { n: 1 }, 5000), (e: unknown) => e instanceof DomainError && e.kind === 'service.unavailable');
    assert.ok(Date.now() - started < 1000, 'a node nobody serves is an error at once, not after the deadline');
  });

  it('a broadcast reaches every node, the sender too', async () => {
    const a = new ClusterBus(await link('cast:'), 'a4', quiet);
    const b = new ClusterBus(await link('cast:'), 'b4', quiet);
    await Promise.all([a.start(), b.start()]);
    const seen: string[] = [];
    a.on('user.changed', (p, from) => seen.push(`a:${(p as { id: string }).id}:${from}`));
    b.on('user.changed', (p, from) => seen.push(`b:${(p as { id: string }).id}:${from}`));
    await a.broadcast('user.changed', { id: 'u1' });
    for (let i = 0; i < 50 && seen.length < 2; i++) await sleep(20);
    assert.deepEqual(seen.sort(), ['a:u1:a4', 'b:u1:a4']);
  });
});

describe('CallLedger: the licence counted for the cluster', { skip }, () => {
  let redis: ThrowawayRedis;
  const links: RedisLink[] = [];
  before(async () => {
    redis = await startThrowawayRedis();
  });
  after(async () => {
    for (const l of links) await l.close();
    await redis.remove();
  });

  it('two nodes share one licence of 3 calls; a dead node’s calls no longer count', async () => {
    const mk = async (id: string) => {
      const link = await connectRedis(redis.url, 'lic:', quiet);
      links.push(link);
      const registry = new NodeRegistry(link, {
        self: { id, address: '', startedAt: 0, certPem: '' },
        leaseMs: 500,
        load: () => ({ meetings: 0, participants: 0, mediaCpu: 0 }),
        onError: quiet,
      });
      await registry.start();
      return { registry, ledger: new CallLedger(link, id) };
    };
    const a = await mk('a');
    const b = await mk('b');
    const taken = await Promise.all([a.ledger.take(3), b.ledger.take(3), a.ledger.take(3), b.ledger.take(3), a.ledger.take(3)]);
    assert.equal(taken.filter(Boolean).length, 3, 'exactly the licence, however the takes race');
    assert.equal(await a.ledger.total(), 3);
    await b.ledger.release();
    assert.equal(await a.ledger.total(), 2);
    await a.ledger.settle(0);
    assert.equal(await b.ledger.total(), await b.ledger.total());
    (b.registry as unknown as { timer: NodeJS.Timeout }).timer.close();
    await sleep(700);
    assert.equal(await a.ledger.total(), 0, 'b is gone, and a settled to 0');
    assert.equal(await a.ledger.take(1), true);
  });
});

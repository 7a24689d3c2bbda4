import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { SIGNAL_PATH } from '../../contract/signal/protocol.ts';
import { type JoinParams, SignalClient } from '../../sdk/signal-client.ts';
import { clientSecret } from '../../src/accounts/secret.ts';
import { createPostgresDatabase } from '../support/dialects.ts';
import { eventually } from '../support/eventually.ts';
import { closeAll } from '../support/live.ts';
import { freePort } from '../support/postgres.ts';
import { redisSkip, startThrowawayRedis, type ThrowawayRedis } from '../support/redis.ts';
import { ADMIN_PASSWORD, type ServerProcess, startServerProcess, type TestStorage } from '../support/server.ts';
import { startTcpBalancer, type TcpBalancer } from '../support/tcp-balancer.ts';

/**
 * Three `convene serve` processes over one PostgreSQL and one Redis, behind a plain TCP balancer: what an organisation
 * runs when it outgrows one machine. Participants joining through different nodes meet in one meeting, control calls
 * work through any node, throttles hold across nodes, and a killed node's meetings continue on the others.
 */

const LEASE_SECONDS = 2;
const SECRET = 'cluster-secret-for-the-tests';
const skip = redisSkip({ postgres: true });

interface Node {
  id: string;
  port: number;
  storage: TestStorage;
  process?: ServerProcess;
}

describe('three nodes as one service', { skip }, () => {
  let redis: ThrowawayRedis;
  let pg: { url: string; drop(): Promise<void> };
  let balancer: TcpBalancer;
  const nodes: Node[] = [];
  const clients: SignalClient[] = [];
  let adminToken = '';

  const startNode = async (node: Node) => {
    node.process = await startServerProcess(
      node.storage,
      {
        CONVENE_REDIS_URL: redis.url,
        CONVENE_CLUSTER_SECRET: SECRET,
        CONVENE_NODE_ID: node.id,
        CONVENE_NODE_ADDRESS: `https://127.0.0.1:${node.port}`,
        CONVENE_NODE_LEASE_SECONDS: String(LEASE_SECONDS),
        CONVENE_RESUME_SECONDS: '30',
      },
      { port: node.port },
    );
  };
  const running = () => nodes.filter((n) => n.process);
  const via = (node: Node) => node.process!.client;
  const call = (node: Node, method: string, path: string, opts: { query?: Record<string, string>; body?: unknown } = {}) => via(node).call(method, path, opts);

  /** A participant's connection through `node` (or the balancer): the first frame decides where the meeting is. */
  const connect = (port: number) => {
    const c = new SignalClient({ url: `wss://127.0.0.1:${port}${SIGNAL_PATH}`, WebSocket, webSocketOptions: { rejectUnauthorized: false } });
    clients.push(c);
    return c;
  };
  /** Passcodes of the meetings the tests created: joins give them (a meeting's own tests cover passcode prompts). */
  const passcodes = new Map<string, string>();
  const withPasscode = (params: JoinParams): JoinParams => ({ passcode: passcodes.get(params.meeting_number) ?? '', ...params });
  const joinThrough = async (port: number, params: JoinParams) => {
    const c = connect(port);
    await c.join(withPasscode(params));
    await c.ping();
    return c;
  };

  const signIn = async (node: Node, username: string, password: string, clientId: string) => {
    const r = await call(node, 'POST', '/api/v1/user/sign_in', { query: { client_id: clientId }, body: { username, secret: clientSecret(password) } });
    assert.equal(r.status, 200, r.text);
    return r.body.user_token as string;
  };

  const instantMeeting = async (node: Node, name: string) => {
    const r = await call(node, 'POST', '/api/v1/meeting_schedule', { query: { client_id: 'admin-tests', token: adminToken }, body: { meeting_type: 'instant', meeting_name: name } });
    assert.equal(r.status, 200, r.text);
    passcodes.set(String(r.body.meeting_number), String(r.body.meeting_password ?? ''));
    return String(r.body.meeting_number);
  };

  before(async () => {
    redis = await startThrowawayRedis();
    pg = await createPostgresDatabase();
    for (let i = 1; i <= 3; i++) {
      nodes.push({ id: `node-${i}`, port: await freePort(), storage: { dialect: 'postgres', dataDir: mkdtempSync(join(tmpdir(), `convene-node${i}-`)), pg } });
    }
    // The first node migrates the database; the others start together once it has.
    await startNode(nodes[0]!);
    await Promise.all(nodes.slice(1).map(startNode));
    balancer = await startTcpBalancer(nodes.map((n) => n.port));
    adminToken = await signIn(nodes[0]!, 'admin', ADMIN_PASSWORD, 'admin-tests');
  });

  after(async () => {
    await closeAll(clients);
    await balancer?.close();
    await Promise.all(running().map((n) => n.process!.stop()));
    for (const n of nodes) rmSync(n.storage.dataDir, { recursive: true, force: true });
    await pg?.drop();
    await redis?.remove();
  });

  it('participants joining through different nodes see one roster; a control call through a third node reaches them', async () => {
    const number = await instantMeeting(nodes[0]!, 'Across nodes');
    const a = await joinThrough(nodes[0]!.port, { meeting_number: number, client_id: 'bot-a', display_name: 'A' });
    const b = await joinThrough(nodes[1]!.port, { meeting_number: number, client_id: 'bot-b', display_name: 'B' });
    const c = await joinThrough(balancer.port, { meeting_number: number, client_id: 'bot-c', display_name: 'C' });
    for (const bot of [a, b, c]) await eventually(() => assert.deepEqual([...bot.roster.values()].map((p) => p.display_name).sort(), ['A', 'B', 'C']));

    // Every node answers the live detail and the list with the same meeting and its three participants.
    for (const node of nodes) {
      const detail = await call(node, 'GET', `/api/v1/meeting/${number}`, { query: { client_id: 'admin-tests', token: adminToken } });
      assert.equal(detail.status, 200, `${node.id}: ${detail.text}`);
      assert.deepEqual(detail.body.participants.map((p: { name: string }) => p.name).sort(), ['A', 'B', 'C'], node.id);
      const list = await call(node, 'GET', '/api/v1/meeting', { query: { client_id: 'admin-tests', token: adminToken } });
      assert.equal(list.status, 200, list.text);
      assert.ok(list.body.meetings.some((m: { meeting_number: string; participant_count: number }) => m.meeting_number === number && m.participant_count === 3), `${node.id} lists it`);
    }

    // Mute all, sent to each node in turn: every participant is told, whichever node it is connected through.
    for (const node of nodes) {
      for (const bot of [a, b, c]) bot.mark();
      const r = await call(node, 'POST', `/api/v1/meeting/${number}/mute_all`, { query: { client_id: 'admin-tests', token: adminToken }, body: { allow_self_unmute: false } });
      assert.equal(r.status, 200, `${node.id}: ${r.text}`);
      for (const bot of [a, b, c]) assert.deepEqual(await bot.waitFor('mute.lock'), { type: 'mute.lock', muted: true, allow_self_unmute: false });
      const lifted = await call(node, 'POST', `/api/v1/meeting/${number}/unmute_all`, { query: { client_id: 'admin-tests', token: adminToken }, body: {} });
      assert.equal(lifted.status, 200, lifted.text);
      for (const bot of [a, b, c]) assert.equal((await bot.waitFor('mute.lock')).muted, false);
    }

    // Errors come back as the meeting's node gave them: an unknown participant is a 4xx naming it, not a 5xx.
    const unknown = await call(nodes[2]!, 'POST', `/api/v1/meeting/${number}/mute`, { query: { client_id: 'admin-tests', token: adminToken }, body: { participants: ['nobody'], allow_self_unmute: true } });
    assert.ok(unknown.status >= 400 && unknown.status < 500, `${unknown.status} ${unknown.text}`);

    // current_calls is the cluster's: the same three participants on every node.
    for (const node of nodes) {
      const cap = await call(node, 'GET', '/api/v1/system/capacity', { query: { client_id: 'admin-tests', token: adminToken } });
      assert.equal(cap.status, 200, cap.text);
      assert.equal(cap.body.system.current_calls, 3, `${node.id}: ${cap.text}`);
    }
    await closeAll([a, b, c]);
  });

  it('wrong passcodes count for the cluster: spraying them over the nodes gains nothing', async () => {
    const r = await call(nodes[0]!, 'POST', '/api/v1/meeting_schedule', {
      query: { client_id: 'admin-tests', token: adminToken },
      body: { meeting_type: 'instant', meeting_name: 'Guarded', meeting_password: '246810' },
    });
    assert.equal(r.status, 200, r.text);
    const number = String(r.body.meeting_number);
    const host = await joinThrough(nodes[0]!.port, { meeting_number: number, client_id: 'guard-host', display_name: 'Host', token: adminToken });
    // One guest client, five wrong passcodes, each attempt through another node: the per-participant budget is shared.
    const refusals: string[] = [];
    for (let i = 0; i < 6; i++) {
      const guest = connect(nodes[i % 3]!.port);
      try {
        await guest.join({ meeting_number: number, client_id: 'sprayer', display_name: 'Guest', passcode: `00000${i}` });
        assert.fail('a wrong passcode was accepted');
      } catch (e) {
        refusals.push(String((e as { reason?: string }).reason ?? (e as Error).message));
      }
      await guest.close();
    }
    // The right passcode, after the budget is spent, is refused too: the counters are in Redis, not in one node.
    const late = connect(nodes[1]!.port);
    await assert.rejects(late.join({ meeting_number: number, client_id: 'sprayer', display_name: 'Guest', passcode: '246810' }));
    await late.close();
    assert.equal(refusals.length, 6);
    await closeAll([host]);
  });

  it('two nodes racing to place one meeting end with one: simultaneous joins through every node meet', async () => {
    const number = await instantMeeting(nodes[1]!, 'Race');
    const bots = await Promise.all(
      [0, 1, 2, 0, 1, 2].map((i, k) => joinThrough(nodes[i]!.port, { meeting_number: number, client_id: `race-${k}`, display_name: `R${k}` })),
    );
    for (const bot of bots) await eventually(() => assert.equal(bot.roster.size, 6));
    await closeAll(bots);
  });

  it('kill -9 of the meeting’s node: its participants are back in the meeting on another node within 10 s, and its session is closed as "node lost"', async () => {
    const number = await instantMeeting(nodes[0]!, 'Failover');
    const first = await joinThrough(balancer.port, { meeting_number: number, client_id: 'fo-1', display_name: 'One' });
    const holder = redisGet(redis, `convene:meeting:${number}`);
    const victim = nodes.find((n) => n.id === holder)!;
    const survivor = nodes.find((n) => n !== victim)!;
    const second = await joinThrough(survivor.port, { meeting_number: number, client_id: 'fo-2', display_name: 'Two' });
    await eventually(() => assert.equal(second.roster.size, 2));

    const killedAt = Date.now();
    await victim.process!.kill();
    victim.process = undefined;
    balancer.setBackends(running().map((n) => n.port));
    // As the apps do on a lost connection: resume, and join again when the place is gone.
    const back = await Promise.all(
      [
        [first, { meeting_number: number, client_id: 'fo-1', display_name: 'One' }],
        [second, { meeting_number: number, client_id: 'fo-2', display_name: 'Two' }],
      ].map(async ([bot, params]) => {
        const c = bot as SignalClient;
        await c.closed;
        const again = connect(balancer.port);
        for (;;) {
          try {
            await again.join(withPasscode(params as JoinParams));
            await again.ping();
            return again;
          } catch {
            if (Date.now() - killedAt > 10_000) throw new Error('not back within 10 s');
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      }),
    );
    for (const bot of back) await eventually(() => assert.deepEqual([...bot.roster.values()].map((p) => p.display_name).sort(), ['One', 'Two']), 10_000);
    assert.ok(Date.now() - killedAt < 10_000, `back after ${Date.now() - killedAt} ms`);

    // The lost node's session is closed in the history as "node lost", by a surviving node.
    await eventually(async () => {
      const h = await call(survivor, 'GET', `/api/v1/meeting/${number}/history`, { query: { client_id: 'admin-tests', token: adminToken } });
      assert.equal(h.status, 200, h.text);
      assert.ok(h.body.sessions.some((s: { end_reason: string }) => s.end_reason === 'node lost'), h.text);
      // Reaped by a surviving node's housekeeping (every half lease); a node starved of CPU skips it while its own
      // lease renewal is late, so a loaded machine may take several rounds.
    }, 30_000);
    await closeAll(back);

    // The node comes back (same id) and takes meetings again.
    await startNode(victim);
    balancer.setBackends(running().map((n) => n.port));
  });

  it('Redis restarts: the cluster recovers by itself, and a node without Redis reports not ready', async () => {
    await redis.stop(true);
    await eventually(async () => {
      const r = await call(nodes[0]!, 'GET', '/readyz');
      assert.equal(r.status, 503, `readyz while Redis is down: ${r.status}`);
    }, 15_000);
    await redis.start();
    await eventually(async () => {
      for (const node of running()) assert.equal((await call(node, 'GET', '/readyz')).status, 200, node.id);
    }, 20_000);
    const number = await instantMeeting(nodes[2]!, 'After Redis');
    const a = await joinThrough(nodes[0]!.port, { meeting_number: number, client_id: 'after-a', display_name: 'A' });
    const b = await joinThrough(nodes[2]!.port, { meeting_number: number, client_id: 'after-b', display_name: 'B' });
    for (const bot of [a, b]) await eventually(() => assert.equal(bot.roster.size, 2));
    await closeAll([a, b]);
  });

  it('SIGTERM of the meeting’s node (rolling restart): its participants rejoin on the others, the session ends as "server stopped", nothing else is lost', async () => {
    const number = await instantMeeting(nodes[0]!, 'Rolling restart');
    const one = await joinThrough(balancer.port, { meeting_number: number, client_id: 'rr-1', display_name: 'One' });
    const holder = redisGet(redis, `convene:meeting:${number}`);
    const victim = nodes.find((n) => n.id === holder)!;
    const survivor = nodes.find((n) => n !== victim && n.process)!;
    // The second through another node: relayed to the holder until it stops.
    const two = await joinThrough(survivor.port, { meeting_number: number, client_id: 'rr-2', display_name: 'Two' });
    await eventually(() => assert.equal(two.roster.size, 2));
    // Something that must outlive the node: a scheduled meeting made through it.
    const scheduled = await call(victim, 'POST', '/api/v1/meeting_schedule', {
      query: { client_id: 'admin-tests', token: adminToken },
      body: { meeting_type: 'instant', meeting_name: 'Made before the restart' },
    });
    assert.equal(scheduled.status, 200, scheduled.text);

    for (const bot of [one, two]) bot.mark();
    const ended = [one, two].map((bot) => bot.waitFor('meeting.status', (e) => e.status === 'disconnected', 10_000));
    await victim.process!.stop();
    victim.process = undefined;
    // Both are told why, also the one whose connection was relayed: the server is going away, join again.
    for (const status of await Promise.all(ended)) assert.equal(status.reason, 'MeetingEndAbnormal', JSON.stringify(status));

    // The balancer still names the stopped node: it refuses, and the balancer tries the next (as a health check would).
    const back = await Promise.all(
      ([['rr-1', 'One'], ['rr-2', 'Two']] as const).map(async ([client_id, display_name]) => {
        const deadline = Date.now() + 10_000;
        for (;;) {
          try {
            return await joinThrough(balancer.port, { meeting_number: number, client_id, display_name });
          } catch (e) {
            if (Date.now() > deadline) throw new Error(`${client_id} not back within 10 s: ${String(e)}`);
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      }),
    );
    for (const bot of back) await eventually(() => assert.deepEqual([...bot.roster.values()].map((p) => p.display_name).sort(), ['One', 'Two']));
    const now = redisGet(redis, `convene:meeting:${number}`);
    assert.ok(now !== victim.id && nodes.some((n) => n.id === now && n.process), `placed on a running node, not ${now}`);

    // The history: the stopped node's session ended as "server stopped" with both participants in it; a new one is live.
    const h = await call(survivor, 'GET', `/api/v1/meeting/${number}/history`, { query: { client_id: 'admin-tests', token: adminToken } });
    assert.equal(h.status, 200, h.text);
    const sessions = h.body.sessions as { end_reason: string; end_time: number; attendance: { name: string; left_time: number }[] }[];
    assert.equal(sessions.length, 2, h.text);
    const [current, stopped] = sessions;
    assert.equal(stopped!.end_reason, 'server stopped', h.text);
    assert.deepEqual(stopped!.attendance.map((a) => a.name).sort(), ['One', 'Two']);
    assert.ok(stopped!.attendance.every((a) => a.left_time > 0), 'everyone left the stopped session');
    assert.equal(current!.end_time, 0, 'the new session is live');
    assert.deepEqual(current!.attendance.map((a) => a.name).sort(), ['One', 'Two']);

    // Nothing else lost: the meeting made through the stopped node is there, and the admin's token works everywhere.
    for (const node of running()) {
      const detail = await call(node, 'GET', `/api/v1/meeting_schedule/${scheduled.body.reservation_id}`, { query: { client_id: 'admin-tests', token: adminToken } });
      assert.equal(detail.status, 200, `${node.id}: ${detail.text}`);
    }
    await closeAll(back);

    // The node comes back (the new version, in a real rolling restart) and takes meetings again.
    await startNode(victim);
  });

  it('SIGTERM of a node that only relays: its participants resume their place through another node; the meeting goes on untouched', async () => {
    const number = await instantMeeting(nodes[0]!, 'Relay restart');
    const anchor = await joinThrough(balancer.port, { meeting_number: number, client_id: 'rl-anchor', display_name: 'Anchor' });
    const holder = nodes.find((n) => n.id === redisGet(redis, `convene:meeting:${number}`))!;
    const relay = nodes.find((n) => n !== holder && n.process)!;
    // The balancer sends the rider to the relaying node (then back to every running node, as after a health check).
    balancer.setBackends([relay.port]);
    const rider = await joinThrough(balancer.port, { meeting_number: number, client_id: 'rl-rider', display_name: 'Rider' });
    balancer.setBackends(running().filter((n) => n !== relay).map((n) => n.port));
    const riderUuid = rider.self?.uuid;
    await eventually(() => assert.equal(anchor.roster.size, 2));

    await relay.process!.stop();
    relay.process = undefined;
    const closed = await rider.closed;
    assert.equal(closed.code, 1001, `the relaying node says it is going away: ${JSON.stringify(closed)}`);
    const deadline = Date.now() + 10_000;
    let status;
    for (;;) {
      try {
        status = await rider.resume({ timeoutMs: 3000 });
        break;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`not resumed within 10 s: ${String(e)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.equal(status.resumed, true, JSON.stringify(status));
    assert.equal(rider.self?.uuid, riderUuid, 'the same place in the meeting');
    await rider.ping();
    assert.equal(redisGet(redis, `convene:meeting:${number}`), holder.id, 'the meeting did not move');
    await eventually(() => assert.deepEqual([...anchor.roster.values()].map((p) => p.display_name).sort(), ['Anchor', 'Rider']));

    // One session, still live, one join each: nothing was ended or restarted.
    const h = await call(holder, 'GET', `/api/v1/meeting/${number}/history`, { query: { client_id: 'admin-tests', token: adminToken } });
    assert.equal(h.status, 200, h.text);
    assert.equal(h.body.sessions.length, 1, h.text);
    assert.equal(h.body.sessions[0].end_time, 0);
    assert.deepEqual(h.body.sessions[0].attendance.map((a: { name: string; left_time: number }) => `${a.name}:${a.left_time}`).sort(), ['Anchor:0', 'Rider:0']);
    await closeAll([anchor, rider]);

    await startNode(relay);
    balancer.setBackends(running().map((n) => n.port));
  });
});

/** Which node holds a meeting, read as an operator would (redis-cli). */
function redisGet(redis: ThrowawayRedis, key: string): string {
  return spawnSync('redis-cli', ['-p', String(redis.port), 'GET', key], { encoding: 'utf8' }).stdout.trim();
}

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { SIGNAL_PATH } from '../../contract/signal/protocol.ts';
import { type JoinParams, SignalClient } from '../../sdk/signal-client.ts';
import { clientSecret } from '../../src/accounts/secret.ts';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS, REQUIRE_CHROMIUM, SKIP_WITHOUT_CHROMIUM } from '../support/browser.ts';
import { createPostgresDatabase } from '../support/dialects.ts';
import { eventually } from '../support/eventually.ts';
import { closeAll } from '../support/live.ts';
import { freePort } from '../support/postgres.ts';
import { redisSkip, startThrowawayRedis, type ThrowawayRedis } from '../support/redis.ts';
import { ADMIN_PASSWORD, type ServerProcess, startServerProcess, type TestStorage } from '../support/server.ts';
import { startTcpBalancer, type TcpBalancer } from '../support/tcp-balancer.ts';

/**
 * The browser meeting app behind a plain TCP balancer of three nodes (one PostgreSQL, one Redis): the node that holds
 * the meeting is killed with SIGKILL, and the page is back in the meeting on another node by itself — no click — with
 * the other participant in its roster. The nodes keep the default lease (CONVENE_NODE_LEASE_SECONDS 5), as installed.
 */

const SECRET = 'cluster-secret-for-the-browser-test';
/** From the kill to the page showing the meeting again (the issue's bound is 10 s for the apps' reconnect; the page waits
 * a retry interval more). */
const BACK_WITHIN_MS = 15_000;
const skip = SKIP_WITHOUT_CHROMIUM || redisSkip({ postgres: true });

interface Node {
  id: string;
  port: number;
  storage: TestStorage;
  process?: ServerProcess;
}

describe('browser app behind three nodes: the meeting’s node is killed', { skip }, () => {
  let redis: ThrowawayRedis;
  let pg: { url: string; drop(): Promise<void> };
  let balancer: TcpBalancer;
  let browser: Browser | undefined;
  const nodes: Node[] = [];
  const bots: SignalClient[] = [];
  let adminToken = '';
  let meeting = { number: '', password: '', key: '' };

  const startNode = async (node: Node) => {
    node.process = await startServerProcess(
      node.storage,
      { CONVENE_REDIS_URL: redis.url, CONVENE_CLUSTER_SECRET: SECRET, CONVENE_NODE_ID: node.id, CONVENE_NODE_ADDRESS: `https://127.0.0.1:${node.port}` },
      { port: node.port },
    );
  };
  /** An SDK participant connected straight to one node (its meeting may be on another: then the node relays it). */
  const bot = async (node: Node, params: Omit<JoinParams, 'meeting_number' | 'passcode'>) => {
    const c = new SignalClient({ url: `wss://127.0.0.1:${node.port}${SIGNAL_PATH}`, WebSocket, webSocketOptions: { rejectUnauthorized: false } });
    bots.push(c);
    await c.join({ meeting_number: meeting.number, passcode: meeting.password, ...params });
    return c;
  };
  const holder = () => spawnSync('redis-cli', ['-p', String(redis.port), 'GET', `convene:meeting:${meeting.number}`], { encoding: 'utf8' }).stdout.trim();
  const rosterNames = async (page: Page) => (await page.locator('#roster li').allInnerTexts()).join(' | ');

  before(async () => {
    if (REQUIRE_CHROMIUM) assertChromium();
    redis = await startThrowawayRedis();
    pg = await createPostgresDatabase();
    for (let i = 1; i <= 3; i++) {
      nodes.push({ id: `node-${i}`, port: await freePort(), storage: { dialect: 'postgres', dataDir: mkdtempSync(join(tmpdir(), `convene-bnode${i}-`)), pg } });
    }
    // All three at once on the fresh database, as a first deployment would: they migrate it once between them.
    await Promise.all(nodes.map(startNode));
    balancer = await startTcpBalancer(nodes.map((n) => n.port));
    const signIn = await nodes[0]!.process!.client.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'admin-tests' }, body: { username: 'admin', secret: clientSecret(ADMIN_PASSWORD) } });
    assert.equal(signIn.status, 200, signIn.text);
    adminToken = signIn.body.user_token as string;
    const created = await nodes[1]!.process!.client.call('POST', '/api/v1/meeting_schedule', {
      query: { client_id: 'admin-tests', token: adminToken },
      body: { meeting_type: 'instant', meeting_name: 'Failover standup' },
    });
    assert.equal(created.status, 200, created.text);
    meeting = { number: String(created.body.meeting_number), password: String(created.body.meeting_password), key: new URL(String(created.body.meeting_url)).pathname.split('/').pop()! };
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await closeAll(bots);
    await browser?.close();
    await balancer?.close();
    await Promise.all(nodes.filter((n) => n.process).map((n) => n.process!.stop()));
    for (const n of nodes) rmSync(n.storage.dataDir, { recursive: true, force: true });
    await pg?.drop();
    await redis?.remove();
  });

  it('the page is back in the meeting on a surviving node without any click, and sees the other participant again', async (t) => {
    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    // Through the balancer, by the meeting link (it carries the passcode), as someone invited would.
    await page.goto(`${balancer.url}/app/#key=${meeting.key}`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.fill('#display-name', 'Bea Browser');
    await page.click('#join-button');
    await page.locator('#meeting-screen').waitFor();
    await page.locator('#roster li', { hasText: 'Bea Browser' }).waitFor();

    const placedOn = holder();
    const victim = nodes.find((n) => n.id === placedOn);
    assert.ok(victim, `the meeting is placed on a node (Redis: ${JSON.stringify(placedOn)})`);
    const survivor = nodes.find((n) => n !== victim)!;
    const params = { client_id: 'failover-bot', display_name: 'Sam SDK' };
    let sam = await bot(survivor, params);
    await page.locator('#roster li', { hasText: 'Sam SDK' }).waitFor();
    await page.locator('#participant-count[data-count="2"]').waitFor();

    const killedAt = Date.now();
    await victim.process!.kill();
    victim.process = undefined;

    // The bot does what the apps do: on a lost connection, join again (through a node that is still there).
    await sam.closed;
    for (;;) {
      try {
        sam = await bot(survivor, params);
        break;
      } catch (e) {
        if (Date.now() - killedAt > BACK_WITHIN_MS) throw new Error(`the bot is not back within ${BACK_WITHIN_MS} ms: ${String(e)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }

    // The page, untouched: the meeting screen with both participants, and no end screen on the way.
    const left = () => Math.max(1, BACK_WITHIN_MS - (Date.now() - killedAt));
    await page.locator('body[data-resumes="1"]').waitFor({ timeout: left() });
    await page.locator('#roster li', { hasText: 'Sam SDK' }).waitFor({ timeout: left() });
    await page.locator('#roster li', { hasText: 'Bea Browser' }).waitFor({ timeout: left() });
    await page.locator('#participant-count[data-count="2"]').waitFor({ timeout: left() });
    const backAfter = Date.now() - killedAt;
    assert.ok(backAfter <= BACK_WITHIN_MS, `back after ${backAfter} ms`);
    t.diagnostic(`the page was back in the meeting ${backAfter} ms after the kill`);
    assert.equal(await page.locator('#meeting-screen').isVisible(), true);
    assert.equal(await page.locator('#end-screen').isVisible().catch(() => false), false, 'no end screen');
    await eventually(() => assert.ok([...sam.roster.values()].some((p) => p.display_name === 'Bea Browser'), 'the bot sees the page again'));
    assert.notEqual(holder(), victim.id, 'the meeting is now on a surviving node');
    assert.match(await rosterNames(page), /Bea Browser[\s\S]*Sam SDK|Sam SDK[\s\S]*Bea Browser/);

    // The killed node's session is closed in the history as "node lost", the new one is open on a survivor.
    await eventually(async () => {
      const h = await survivor.process!.client.call('GET', `/api/v1/meeting/${meeting.number}/history`, { query: { client_id: 'admin-tests', token: adminToken } });
      assert.equal(h.status, 200, h.text);
      assert.ok(h.body.sessions.some((s: { end_reason: string }) => s.end_reason === 'node lost'), h.text);
    }, 15_000);
    await context.close();
  });
});

/**
 * Breakout rooms in the browser app in headless Chromium (no media: the server runs without it): a signed-in host
 * creates rooms, assigns people in the roster, opens the rooms; the participants see their room and the countdown, and
 * only their room's people on the stage; the host broadcasts, visits a room and comes back, closes the rooms, and
 * after the grace period everyone is back in the main meeting.
 *
 * Without Chromium the file is skipped with a notice, unless CONVENE_REQUIRE_CHROMIUM=1 (CI).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS, SKIP_WITHOUT_CHROMIUM } from '../support/browser.ts';
import { instantMeeting } from '../support/live.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const WAIT_MS = 10_000;
const HOST = { username: 'bella', password: 'Bella-Passw0rd!' };

describe('browser app: breakout rooms', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let t: TestServer;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let meeting: { number: string; password: string };
  let host: Page;
  let ann: Page;
  let ben: Page;
  let cat: Page;
  const uuid: Record<string, string> = {};

  const joinPage = async (label: string, name: string, account?: { username: string; password: string }): Promise<Page> => {
    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    context.setDefaultTimeout(WAIT_MS);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`));
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${t.url}/app/`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.fill('#meeting-number', meeting.number);
    await page.fill('#display-name', name);
    if (account) {
      await page.click('#sign-in summary');
      await page.fill('#username', account.username);
      await page.fill('#password', account.password);
    } else {
      await page.fill('#passcode', meeting.password);
    }
    await page.click('#join-button');
    await page.locator('#meeting-screen').waitFor();
    await page.locator('#roster li .badge.you').waitFor();
    uuid[label] = (await page.locator('#roster li:has(.badge.you)').getAttribute('data-uuid')) ?? '';
    return page;
  };

  const tiles = async (page: Page) => (await page.locator('#stage [data-uuid]').evaluateAll((els) => els.map((e) => e.getAttribute('data-uuid') ?? ''))).sort();
  const banner = (page: Page) => page.locator('#breakout-banner');

  before(async () => {
    assertChromium();
    t = await startTestServer('sqlite');
    await t.createUser(HOST.username, HOST.password);
    const token = await t.signIn(HOST.username, HOST.password, 'test-setup');
    const created = await instantMeeting(t, token, 'test-setup', 'Workshop');
    meeting = { number: created.meeting_number, password: created.meeting_password };
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    host = await joinPage('host', 'Bella Host', HOST);
    ann = await joinPage('ann', 'Ann');
    ben = await joinPage('ben', 'Ben');
    cat = await joinPage('cat', 'Cat');
    await host.locator('#participant-count[data-count="4"]').waitFor();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
    assert.deepEqual(pageErrors, [], 'no errors in the pages');
  });

  it('participants have no breakout controls; the host creates two rooms and assigns people in the roster', async () => {
    assert.equal(await ann.locator('#breakout-host').isVisible(), false);
    await host.fill('#breakout-count', '2');
    await host.click('#breakout-create');
    await host.locator('#breakout-rooms li').nth(1).waitFor();
    assert.deepEqual(await host.locator('#breakout-rooms li .name').allInnerTexts(), ['Room 1', 'Room 2']);
    const assign = async (who: string, room: string) => {
      await host.locator(`#roster li[data-uuid="${uuid[who]}"] select[data-action="assign"]`).selectOption({ label: room });
      await host.locator(`#breakout-rooms li .count`, { hasText: 'assigned' }).first().waitFor();
    };
    await assign('ann', 'Room 1');
    await assign('ben', 'Room 1');
    await assign('cat', 'Room 2');
    await host.locator('#breakout-rooms li:nth-child(1) .count', { hasText: '2 assigned' }).waitFor();
    await host.locator('#breakout-rooms li:nth-child(2) .count', { hasText: '1 assigned' }).waitFor();
    assert.equal(await banner(ann).isVisible(), false, 'nothing opens before the host opens the rooms');
  });

  it('opening: everyone sees their room and the countdown; the stage shows the room’s people only; the roster shows who is where', async () => {
    await host.fill('#breakout-minutes', '10');
    await host.fill('#breakout-grace', '3');
    await host.click('#breakout-open');
    await banner(ann).filter({ hasText: 'Breakout room: Room 1' }).waitFor();
    assert.match(await banner(ann).innerText(), /rooms close in (10:00|9:5\d)/);
    await banner(cat).filter({ hasText: 'Breakout room: Room 2' }).waitFor();
    await banner(host).filter({ hasText: 'Main meeting' }).waitFor();
    // The countdown runs.
    const first = await banner(ann).innerText();
    await ann.waitForFunction(
      (before) => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('breakout-banner').textContent !== before,
      first,
    );
    await ann.locator(`#stage [data-uuid="${uuid.ben}"]`).waitFor();
    assert.deepEqual(await tiles(ann), [uuid.ann!, uuid.ben!].sort(), 'Ann sees Ben and herself, not Cat or the host');
    assert.deepEqual(await tiles(cat), [uuid.cat!]);
    await host.locator(`#roster li[data-uuid="${uuid.cat}"] .badge.room`, { hasText: 'Room 2' }).waitFor();
    await ann.locator(`#roster li[data-uuid="${uuid.ben}"] .badge.room`, { hasText: 'Room 1' }).waitFor();
    assert.deepEqual(await ann.locator('#chat-to option').allInnerTexts(), ['Everyone', 'Ben (private)'], 'private messages within the room');
  });

  it('the host broadcasts to all rooms, visits room 2 and returns', async () => {
    await host.fill('#breakout-broadcast-text', 'Five minutes left');
    await host.click('#breakout-broadcast');
    for (const page of [ann, cat]) await page.locator('#toast', { hasText: 'Five minutes left' }).waitFor();
    await host.locator('#breakout-rooms li:nth-child(2) button[data-action="visit"]').click();
    await banner(host).filter({ hasText: 'Breakout room: Room 2' }).waitFor();
    await cat.locator(`#stage [data-uuid="${uuid.host}"]`).waitFor();
    assert.deepEqual(await tiles(host), [uuid.cat!, uuid.host!].sort());
    await host.click('#breakout-return');
    await banner(host).filter({ hasText: 'Main meeting' }).waitFor();
    await cat.locator(`#stage [data-uuid="${uuid.host}"]`).waitFor({ state: 'detached' });
  });

  it('closing shows everyone the grace countdown, then everyone is back in the main meeting', async () => {
    await host.click('#breakout-close');
    await banner(ann).filter({ hasText: 'everyone returns to the main meeting in' }).waitFor();
    for (const page of [ann, ben, cat, host]) await banner(page).waitFor({ state: 'hidden', timeout: 8000 });
    await ann.locator(`#stage [data-uuid="${uuid.cat}"]`).waitFor();
    assert.deepEqual(await tiles(ann), Object.values(uuid).sort(), 'everyone on the stage again');
    assert.equal(await host.locator('#roster .badge.room').count(), 0, 'nobody is in a room');
  });
});

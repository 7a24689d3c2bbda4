/**
 * What people do together inside a meeting, in the browser app in headless Chromium (no media: the server runs without
 * it): the chat. A signed-in host and two guests, each in a browser context of its own.
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
const HOST = { username: 'tara', password: 'Tara-Passw0rd!' };

describe('browser app: in the meeting', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let t: TestServer;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let meeting: { number: string; password: string };
  let host: Page;
  let ann: Page;
  let ben: Page;
  const uuid: Record<string, string> = {};

  const newPage = async (label: string): Promise<Page> => {
    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    context.setDefaultTimeout(WAIT_MS);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`));
    page.on('dialog', (d) => void d.accept());
    return page;
  };

  /** Opens the app and joins the meeting, signed in when `account` is given. */
  const joinPage = async (label: string, name: string, account?: { username: string; password: string }): Promise<Page> => {
    const page = await newPage(label);
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

  before(async () => {
    assertChromium();
    t = await startTestServer('sqlite');
    await t.createUser(HOST.username, HOST.password);
    const token = await t.signIn(HOST.username, HOST.password, 'test-setup');
    const created = await instantMeeting(t, token, 'test-setup', 'Class');
    meeting = { number: created.meeting_number, password: created.meeting_password };
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    host = await joinPage('host', 'Tara Teacher', HOST);
    ann = await joinPage('ann', 'Ann');
    ben = await joinPage('ben', 'Ben');
    await host.locator('#participant-count[data-count="3"]').waitFor();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
    assert.deepEqual(pageErrors, [], 'no errors in the pages');
  });

  const send = async (page: Page, text: string, to = '') => {
    await page.selectOption('#chat-to', to);
    await page.fill('#chat-input', text);
    await page.click('#chat-send');
    // Cleared once the server has acked it. A function, not a string: the page's CSP forbids eval, which
    // Playwright would use to poll a string predicate.
    await page.waitForFunction(() =>
      (globalThis as unknown as { document: { getElementById(id: string): { value: string } } }).document.getElementById('chat-input').value === '');
  };
  const messages = (page: Page) => page.locator('#chat-list li .text').allInnerTexts();

  it('a message to everyone appears on every page in order; markup and links stay text', async () => {
    await send(host, 'Good morning, class');
    const tricky = '<img src=x onerror="document.title=1"> see https://example.org/a?b=1';
    await send(ann, tricky);
    for (const page of [host, ann, ben]) {
      await page.locator('#chat-list li', { hasText: 'see https://example.org' }).waitFor();
      assert.deepEqual(await messages(page), ['Good morning, class', tricky]);
      assert.equal(await page.locator('#chat-list img, #chat-list a').count(), 0, 'no element made from a message');
    }
  });

  it('a private message is shown to its sender and recipient only', async () => {
    await send(host, 'Ann, please stay after class', uuid.ann!);
    await ann.locator('#chat-list li[data-private="true"]', { hasText: 'please stay' }).waitFor();
    await host.locator('#chat-list li[data-private="true"]', { hasText: '→ Ann (private)' }).waitFor();
    await send(ben, 'Ben was here');
    await ann.locator('#chat-list li', { hasText: 'Ben was here' }).waitFor();
    assert.equal(await ben.locator('#chat-list li', { hasText: 'please stay' }).count(), 0, 'Ben does not see it');
  });

  it('the host turns chat off for guests and deletes a message for everyone', async () => {
    await host.selectOption('#guest-chat', 'none');
    await ben.locator('#chat-input:disabled').waitFor();
    assert.match(await ben.locator('#chat-note').innerText(), /turned chat off for guests/);
    await host.selectOption('#guest-chat', 'public');
    await ben.locator('#chat-input:enabled').waitFor();
    assert.deepEqual(await ben.locator('#chat-to option').allInnerTexts(), ['Everyone'], 'no private recipients for guests');
    await host.selectOption('#guest-chat', 'all');

    await host.locator('#chat-list li', { hasText: 'Ben was here' }).locator('button[data-action="delete-message"]').click();
    for (const page of [host, ann, ben]) await page.locator('#chat-list li', { hasText: 'Ben was here' }).waitFor({ state: 'detached' });
    assert.equal(await ann.locator('button[data-action="delete-message"]').count(), 0, 'guests have no delete buttons');
  });

  it('a reaction appears on the sender’s tile on every page, and goes away', async () => {
    await ben.click('#reaction-bar button[data-emoji="👏"]');
    for (const page of [host, ann, ben]) await page.locator(`#stage .tile[data-uuid="${uuid.ben}"][data-reaction="👏"] .reaction`).waitFor();
    await ann.locator(`#stage .tile[data-uuid="${uuid.ben}"][data-reaction=""]`).waitFor();
  });

  it('the host sees raised hands in order and lowers one, then all', async () => {
    await ben.click('#hand');
    await ben.locator('#hand[data-raised="true"]').waitFor();
    await ann.click('#hand');
    await host.locator('#request-list li[data-position="2"]').waitFor();
    assert.deepEqual(await host.locator('#request-list li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-uuid'))), [uuid.ben, uuid.ann]);
    await ann.locator(`#stage .tile[data-uuid="${uuid.ben}"][data-hand="true"]`).waitFor();
    await host.locator(`#request-list li[data-uuid="${uuid.ben}"] button[data-action="lower-hand"]`).click();
    await ben.locator('#hand[data-raised="false"]').waitFor();
    await host.locator('#request-list li[data-position="1"]', { hasText: 'Ann' }).waitFor();
    await host.click('#lower-all');
    await ann.locator('#hand[data-raised="false"]').waitFor();
    await host.locator('#requests').waitFor({ state: 'hidden' });
  });

  /** Opens the app and asks to join as a guest, without waiting for the meeting screen. */
  const knock = async (label: string, name: string): Promise<Page> => {
    const page = await newPage(label);
    await page.goto(`${t.url}/app/`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.fill('#meeting-number', meeting.number);
    await page.fill('#display-name', name);
    await page.fill('#passcode', meeting.password);
    await page.click('#join-button');
    return page;
  };

  it('with the lobby on, a guest waits on its own screen; the host admits one and refuses another', async () => {
    await host.selectOption('#lobby-mode', 'guests');
    await host.locator('#lobby-mode').evaluate((el) => (el as { value: string }).value === "guests");
    const cal = await knock('cal', 'Cal');
    await cal.locator('#lobby-screen').waitFor();
    assert.equal(await cal.locator('#lobby-meeting').innerText(), 'Class');
    await host.locator('#lobby-list li', { hasText: 'Cal' }).locator('.badge.guest').waitFor();
    assert.equal(await ann.locator('#lobby').isVisible(), false, 'guests do not see the lobby');
    await host.locator('#lobby-list li', { hasText: 'Cal' }).locator('button[data-action="admit"]').click();
    await cal.locator('#meeting-screen').waitFor();
    await cal.locator('#roster li .badge.you').waitFor();
    await host.locator('#participant-count[data-count="4"]').waitFor();

    const dan = await knock('dan', 'Dan');
    await dan.locator('#lobby-screen').waitFor();
    await host.locator('#lobby-list li', { hasText: 'Dan' }).locator('button[data-action="refuse"]').click();
    await dan.locator('#end-screen[data-reason="LobbyRefused"]').waitFor();
    assert.match(await dan.locator('#end-message').innerText(), /did not let you in/);
    await host.locator('#lobby').waitFor({ state: 'hidden' });
    await host.selectOption('#lobby-mode', 'off');
  });
});

/**
 * What people do together inside a meeting, in the browser app in headless Chromium (no media: the server runs without
 * it): the chat. A signed-in host and two guests, each in a browser context of its own.
 *
 * Without Chromium the file is skipped with a notice, unless CONVENE_REQUIRE_CHROMIUM=1 (CI).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type AppMeeting, startAppMeeting } from '../support/app-meeting.ts';
import { assertChromium, SKIP_WITHOUT_CHROMIUM } from '../support/browser.ts';
const HOST = { username: 'tara', password: 'Tara-Passw0rd!' };

describe('browser app: in the meeting', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let app: AppMeeting | undefined;
  let host: Page;
  let ann: Page;
  let ben: Page;
  const uuid = (label: string) => app!.uuid[label]!;

  before(async () => {
    assertChromium();
    app = await startAppMeeting(HOST, 'Class');
    host = await app.join('host', 'Tara Teacher', HOST);
    ann = await app.join('ann', 'Ann');
    ben = await app.join('ben', 'Ben');
    await host.locator('#participant-count[data-count="3"]').waitFor();
  });

  after(async () => {
    await app?.close();
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
    await send(host, 'Ann, please stay after class', uuid('ann'));
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
    for (const page of [host, ann, ben]) await page.locator(`#stage .tile[data-uuid="${uuid('ben')}"][data-reaction="👏"] .reaction`).waitFor();
    await ann.locator(`#stage .tile[data-uuid="${uuid('ben')}"][data-reaction=""]`).waitFor();
  });

  it('the host sees raised hands in order and lowers one, then all', async () => {
    await ben.click('#hand');
    await ben.locator('#hand[data-raised="true"]').waitFor();
    await ann.click('#hand');
    await host.locator('#request-list li[data-position="2"]').waitFor();
    assert.deepEqual(await host.locator('#request-list li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-uuid'))), [uuid('ben'), uuid('ann')]);
    await ann.locator(`#stage .tile[data-uuid="${uuid('ben')}"][data-hand="true"]`).waitFor();
    await host.locator(`#request-list li[data-uuid="${uuid('ben')}"] button[data-action="lower-hand"]`).click();
    await ben.locator('#hand[data-raised="false"]').waitFor();
    await host.locator('#request-list li[data-position="1"]', { hasText: 'Ann' }).waitFor();
    await host.click('#lower-all');
    await ann.locator('#hand[data-raised="false"]').waitFor();
    await host.locator('#requests').waitFor({ state: 'hidden' });
  });

  it('with the lobby on, a guest waits on its own screen; the host admits one and refuses another', async () => {
    await host.selectOption('#lobby-mode', 'guests');
    await host.locator('#lobby-mode').evaluate((el) => (el as { value: string }).value === "guests");
    const cal = await app!.knock('cal', 'Cal');
    await cal.locator('#lobby-screen').waitFor();
    assert.equal(await cal.locator('#lobby-meeting').innerText(), 'Class');
    await host.locator('#lobby-list li', { hasText: 'Cal' }).locator('.badge.guest').waitFor();
    assert.equal(await ann.locator('#lobby').isVisible(), false, 'guests do not see the lobby');
    await host.locator('#lobby-list li', { hasText: 'Cal' }).locator('button[data-action="admit"]').click();
    await cal.locator('#meeting-screen').waitFor();
    await cal.locator('#roster li .badge.you').waitFor();
    await host.locator('#participant-count[data-count="4"]').waitFor();

    const dan = await app!.knock('dan', 'Dan');
    await dan.locator('#lobby-screen').waitFor();
    await host.locator('#lobby-list li', { hasText: 'Dan' }).locator('button[data-action="refuse"]').click();
    await dan.locator('#end-screen[data-reason="LobbyRefused"]').waitFor();
    assert.match(await dan.locator('#end-message').innerText(), /did not let you in/);
    await host.locator('#lobby').waitFor({ state: 'hidden' });
    await host.selectOption('#lobby-mode', 'off');
  });
});

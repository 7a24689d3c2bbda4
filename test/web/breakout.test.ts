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
import type { Page } from 'playwright-core';
import { type AppMeeting, startAppMeeting } from '../support/app-meeting.ts';
import { assertChromium, SKIP_WITHOUT_CHROMIUM } from '../support/browser.ts';
const HOST = { username: 'bella', password: 'Bella-Passw0rd!' };

describe('browser app: breakout rooms', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let app: AppMeeting | undefined;
  let host: Page;
  let ann: Page;
  let ben: Page;
  let cat: Page;
  const uuid = (label: string) => app!.uuid[label]!;

  const tiles = async (page: Page) => (await page.locator('#stage [data-uuid]').evaluateAll((els) => els.map((e) => e.getAttribute('data-uuid') ?? ''))).sort();
  const banner = (page: Page) => page.locator('#breakout-banner');

  before(async () => {
    assertChromium();
    app = await startAppMeeting(HOST, 'Workshop');
    host = await app.join('host', 'Bella Host', HOST);
    ann = await app.join('ann', 'Ann');
    ben = await app.join('ben', 'Ben');
    cat = await app.join('cat', 'Cat');
    await host.locator('#participant-count[data-count="4"]').waitFor();
  });

  after(async () => {
    await app?.close();
  });

  it('participants have no breakout controls; the host creates two rooms and assigns people in the roster', async () => {
    assert.equal(await ann.locator('#breakout-host').isVisible(), false);
    await host.fill('#breakout-count', '2');
    await host.click('#breakout-create');
    await host.locator('#breakout-rooms li').nth(1).waitFor();
    assert.deepEqual(await host.locator('#breakout-rooms li .name').allInnerTexts(), ['Room 1', 'Room 2']);
    const assign = async (who: string, room: string) => {
      await host.locator(`#roster li[data-uuid="${uuid(who)}"] select[data-action="assign"]`).selectOption({ label: room });
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
    await ann.locator(`#stage [data-uuid="${uuid('ben')}"]`).waitFor();
    assert.deepEqual(await tiles(ann), [uuid('ann'), uuid('ben')].sort(), 'Ann sees Ben and herself, not Cat or the host');
    assert.deepEqual(await tiles(cat), [uuid('cat')]);
    await host.locator(`#roster li[data-uuid="${uuid('cat')}"] .badge.room`, { hasText: 'Room 2' }).waitFor();
    await ann.locator(`#roster li[data-uuid="${uuid('ben')}"] .badge.room`, { hasText: 'Room 1' }).waitFor();
    assert.deepEqual(await ann.locator('#chat-to option').allInnerTexts(), ['Everyone', 'Ben (private)'], 'private messages within the room');
  });

  it('the host broadcasts to all rooms, visits room 2 and returns', async () => {
    await host.fill('#breakout-broadcast-text', 'Five minutes left');
    await host.click('#breakout-broadcast');
    for (const page of [ann, cat]) await page.locator('#toast', { hasText: 'Five minutes left' }).waitFor();
    await host.locator('#breakout-rooms li:nth-child(2) button[data-action="visit"]').click();
    await banner(host).filter({ hasText: 'Breakout room: Room 2' }).waitFor();
    await cat.locator(`#stage [data-uuid="${uuid('host')}"]`).waitFor();
    assert.deepEqual(await tiles(host), [uuid('cat'), uuid('host')].sort());
    await host.click('#breakout-return');
    await banner(host).filter({ hasText: 'Main meeting' }).waitFor();
    await cat.locator(`#stage [data-uuid="${uuid('host')}"]`).waitFor({ state: 'detached' });
  });

  it('closing shows everyone the grace countdown, then everyone is back in the main meeting', async () => {
    await host.click('#breakout-close');
    await banner(ann).filter({ hasText: 'everyone returns to the main meeting in' }).waitFor();
    for (const page of [ann, ben, cat, host]) await banner(page).waitFor({ state: 'hidden', timeout: 8000 });
    await ann.locator(`#stage [data-uuid="${uuid('cat')}"]`).waitFor();
    assert.deepEqual(await tiles(ann), Object.values(app!.uuid).sort(), 'everyone on the stage again');
    assert.equal(await host.locator('#roster .badge.room').count(), 0, 'nobody is in a room');
  });
});

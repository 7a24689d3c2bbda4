/**
 * The web console's "My recordings" page (web/console/pages/recordings.ts) in headless Chromium, on recordings put
 * straight into the server's storage (a real WebM made by ffmpeg, so that the page's player really plays it): an
 * owner sees only her own, plays one in the page (the video's time runs), downloads it (the same bytes), and deletes
 * it after confirming; one still recording offers nothing to play; an operator sees everyone's. axe-checked.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { KyselyRecordings } from '../../src/recording/recordings.repo.ts';
import { assertAccessible, assertChromium, CHROMIUM, CHROMIUM_ARGS, screenshot, SKIP_WITHOUT_CHROMIUM } from '../support/browser.ts';
import { finishedRecording, skipWithoutFfmpeg } from '../support/recording.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const WAIT_MS = 10_000;
const ROSA = { username: 'rosa', password: 'Rosa-Passw0rd!' };
const OTTO = { username: 'otto', password: 'Otto-Passw0rd!' };

describe('web console: My recordings', { skip: SKIP_WITHOUT_CHROMIUM || skipWithoutFfmpeg() }, () => {
  let t: TestServer;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let rosa = '';
  let webm: Buffer;

  before(async () => {
    t = await startTestServer('sqlite');
    assertChromium();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    rosa = await t.createUser(ROSA.username, ROSA.password);
    const bruno = await t.createUser('bruno', 'Bruno-Passw0rd!');
    await t.createUser(OTTO.username, OTTO.password, 'MeetingOperator');
    // Six seconds of a test picture and a tone, as the recorder writes them (VP8 and Opus in WebM).
    const file = join(t.dataDir, 'sample.webm');
    const made = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=15', '-f', 'lavfi', '-i', 'sine=frequency=440',
      '-t', '6', '-c:v', 'libvpx', '-b:v', '300k', '-c:a', 'libopus', '-y', file]);
    assert.equal(made.status, 0, String(made.stderr));
    webm = readFileSync(file);
    const repo = new KyselyRecordings(t.server.database.db);
    for (const [id, owner, number] of [['rosa-weekly', rosa, '111222333'], ['rosa-review', rosa, '111222444'], ['bruno-own', bruno, '555666777']] as const) {
      await finishedRecording(t, owner, id, number);
      writeFileSync(join(t.dataDir, 'recordings', `${id}.webm`), webm);
      await repo.update(id, { sizeBytes: webm.length, durationMs: 6000 });
    }
    // One still running: listed, nothing to play, download or delete yet.
    await repo.insert({ id: 'rosa-now', meetingNumber: '111222999', meetingName: 'Running meeting', sessionId: 's-now', ownerId: rosa, startedBy: rosa, startedByName: 'rosa',
      layout: 'gallery', status: 'recording', startedAt: Date.now(), endedAt: 0, durationMs: 0, sizeBytes: 0, fileName: '', notes: '' });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  const signedIn = async (who: { username: string; password: string }, locale = 'en-US'): Promise<Page> => {
    const context = await browser!.newContext({ ignoreHTTPSErrors: true, locale, viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    context.setDefaultTimeout(WAIT_MS);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${who.username}: ${e.message}`));
    await page.goto(`${t.url}/console/`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.fill('input[name="username"]', who.username);
    await page.fill('input[name="password"]', who.password);
    await page.locator('form button[type="submit"]').click();
    await page.locator('body[data-page="/meetings"]').waitFor();
    await page.evaluate('location.hash = "#/recordings"');
    await page.locator('body[data-page="/recordings"]').waitFor();
    await page.locator('main:not([aria-busy])').waitFor();
    return page;
  };
  const ids = (page: Page) => page.locator('[data-recording-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-recording-id')));

  it('an owner lists her recordings, plays one in the page, downloads it and deletes it; a running one offers nothing yet', async () => {
    const page = await signedIn(ROSA);
    await page.locator('li[data-recording-id="rosa-now"]').waitFor();
    assert.deepEqual((await ids(page)).sort(), ['rosa-now', 'rosa-review', 'rosa-weekly'], 'only her own');
    const running = page.locator('li[data-recording-id="rosa-now"]');
    assert.match(await running.innerText(), /recording now/);
    assert.equal(await running.locator('button, a').count(), 0, 'nothing to play, download or delete while it records');
    await assertAccessible(page, 'console recordings');
    await screenshot(page, 'console', 'recordings');

    // Play: the video loads its six seconds and its time runs.
    const weekly = page.locator('li[data-recording-id="rosa-weekly"]');
    await weekly.getByRole('button', { name: /^Play/ }).click();
    const video = page.locator('section.player video');
    await video.waitFor();
    await page.waitForFunction(() => {
      const v = (globalThis as unknown as { document: { querySelector(s: string): { currentTime: number; duration: number } | null } }).document.querySelector('section.player video');
      return v !== null && v.currentTime > 1 && Math.abs(v.duration - 6) < 0.5;
    });
    await assertAccessible(page, 'console recordings, playing');
    await screenshot(page, 'console', 'recordings-playing');

    // Download: the same bytes as the file.
    const [download] = await Promise.all([page.waitForEvent('download'), weekly.getByRole('link', { name: 'Download' }).click()]);
    const saved = join(t.dataDir, 'downloaded.webm');
    await download.saveAs(saved);
    assert.ok(readFileSync(saved).equals(webm), 'the downloaded file is the recording');
    assert.match(download.suggestedFilename(), /\.webm$/);

    // Delete, after confirming: gone from the list, the player closed, and from the server.
    await weekly.getByRole('button', { name: 'Delete' }).click();
    await page.locator('dialog[open] button[value="ok"]').click();
    await weekly.waitFor({ state: 'detached' });
    assert.equal(await page.locator('section.player').isHidden(), true, 'the player of a deleted recording is closed');
    assert.deepEqual((await ids(page)).sort(), ['rosa-now', 'rosa-review']);
    assert.equal((await new KyselyRecordings(t.server.database.db).get('rosa-weekly')), undefined, 'deleted on the server');
  });

  it('an operator sees every recording (Simplified Chinese)', async () => {
    const page = await signedIn(OTTO, 'zh-CN');
    await page.locator('li[data-recording-id="bruno-own"]').waitFor();
    assert.deepEqual((await ids(page)).sort(), ['bruno-own', 'rosa-now', 'rosa-review']);
    assert.match(await page.locator('main').innerText(), /此服务器上的所有录制/);
    await assertAccessible(page, 'console recordings zh-CN');
    assert.deepEqual(pageErrors, []);
  });
});

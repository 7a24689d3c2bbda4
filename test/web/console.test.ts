/**
 * The web console (web/console/, served at /console/) in real headless Chromium, on one server and one browser:
 * an administrator (English, desktop) signs in, creates and manages users and a room and reads the System page; a
 * Normal user (Simplified Chinese, phone-sized, in Shanghai time) does not see the admin pages and gets 403 from their
 * API, schedules a weekly series on two weekdays, sees its occurrences, edits one, deletes the series, and meets the
 * expired-session screen; an operator (English, desktop) mutes and removes a participant (a signalling-only client
 * through the SDK) from the live page, and reads the history. Every page visited is checked with axe-core (no serious
 * or critical violations) and photographed at its size into test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page, type Response } from 'playwright-core';
import type { SignalClient } from '../../sdk/signal-client.ts';
import { assertAccessible, assertChromium, CHROMIUM, CHROMIUM_ARGS, screenshot, SKIP_WITHOUT_CHROMIUM } from '../support/browser.ts';
import { closeAll, instantMeeting, joinAs } from '../support/live.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server.ts';

const WAIT_MS = 10_000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const NORA = { username: 'nora', password: 'Nora-Passw0rd!', realName: 'Nora Normal' };
const OTTO = { username: 'otto', password: 'Otto-Passw0rd!', realName: 'Otto Operator' };

describe('web console', () => {
  let t: TestServer;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const bots: SignalClient[] = [];

  before(async () => {
    t = await startTestServer('sqlite');
    if (!SKIP_WITHOUT_CHROMIUM) {
      assertChromium();
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    }
  });
  after(async () => {
    await closeAll(bots);
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  /** A page in its own browser context (own localStorage: own token and client_id). */
  const newPage = async (label: string, options: { locale: string; viewport: { width: number; height: number }; timezoneId?: string }): Promise<Page> => {
    const context = await browser!.newContext({ ignoreHTTPSErrors: true, locale: options.locale, viewport: options.viewport, ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}) });
    context.setDefaultTimeout(WAIT_MS);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`));
    page.on('console', (m) => {
      // Failed requests the test provokes (403, 409, 503) are logged by Chromium as console errors; they are expected.
      if (m.type() === 'error' && !/status of (40\d|503)/.test(m.text())) pageErrors.push(`${label} console: ${m.text()}`);
    });
    return page;
  };
  /** Checks the page with axe and photographs it as <name>.png. */
  const review = async (page: Page, name: string) => {
    await page.locator('main:not([aria-busy])').waitFor();
    await assertAccessible(page, name);
    await screenshot(page, 'console', name);
  };
  const go = async (page: Page, hash: string, pattern: string) => {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await page.locator(`body[data-page="${pattern}"]`).waitFor();
    await page.locator('main:not([aria-busy])').waitFor();
  };
  const signIn = async (page: Page, username: string, password: string) => {
    await page.goto(`${t.url}/console/`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="password"]', password);
    await page.locator('form button[type="submit"]').click();
    await page.locator('body[data-page="/meetings"]').waitFor();
  };
  const confirm = (page: Page) => page.locator('dialog[open] button[value="ok"]').click();
  const api = async (method: string, path: string, token: string, body?: unknown) =>
    t.call(method, path, { query: { client_id: 'console-test', token }, ...(body !== undefined ? { body } : {}) });

  it('GET /console/ → the page with its CSP, assets named by content hash and cached for good; / and /console redirect', async () => {
    const page = await t.call('GET', '/console/');
    assert.equal(page.status, 200, page.text);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-cache');
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    const js = /src="console\.js\?v=([\w-]+)"/.exec(page.text)?.[1];
    const css = /href="console\.css\?v=([\w-]+)"/.exec(page.text)?.[1];
    assert.ok(js && css, page.text);
    const script = await t.call('GET', `/console/console.js?v=${js}`);
    assert.equal(script.status, 200);
    assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.doesNotMatch(script.text, /\bfrom\s*["'](?:typebox|\.\.?\/)/, 'everything is bundled: no imports left');
    assert.match(script.text, /简体中文/, 'both languages are in the bundle');
    const style = await t.call('GET', `/console/console.css?v=${css}`);
    assert.equal(style.headers['content-type'], 'text/css; charset=utf-8');
    assert.match(style.text, /--accent/, 'the shared base style is bundled in');
    const stale = await t.call('GET', '/console/console.js?v=old');
    assert.equal(stale.headers['cache-control'], 'no-cache');
    assert.equal((await t.call('GET', '/console/console.js', { headers: { 'if-none-match': String(stale.headers.etag) } })).status, 304);
    const bare = await t.call('GET', '/console');
    assert.deepEqual([bare.status, bare.headers.location], [301, '/console/']);
    const root = await t.call('GET', '/');
    assert.deepEqual([root.status, root.headers.location], [302, '/console/']);
  });

  describe('in Chromium', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
    let admin: Page;
    let nora: Page;
    let otto: Page;
    let noraId = '';

    it('the administrator signs in (a wrong password is shown at the password field) and lands on My meetings', async () => {
      admin = await newPage('admin', { locale: 'en-GB', viewport: DESKTOP });
      await admin.goto(`${t.url}/console/`);
      await admin.locator('body[data-ready="true"][data-screen="signIn"]').waitFor();
      assert.equal(await admin.locator('html').getAttribute('lang'), 'en');
      await review(admin, 'en-desktop-sign-in');
      await admin.fill('input[name="username"]', 'admin');
      await admin.fill('input[name="password"]', 'not the password');
      await admin.locator('form button[type="submit"]').click();
      const error = admin.locator('[data-fields="password"] .field-error');
      await error.waitFor();
      assert.equal(await error.innerText(), 'Wrong username or password.');
      assert.equal(await admin.getAttribute('input[name="password"]', 'aria-invalid'), 'true');
      await admin.fill('input[name="password"]', ADMIN_PASSWORD);
      await admin.locator('form button[type="submit"]').click();
      await admin.locator('body[data-page="/meetings"]').waitFor();
      for (const nav of ['/meetings', '/rooms', '/recordings', '/live', '/history', '/admin/users', '/admin/rooms', '/admin/system', '/profile']) {
        await admin.locator(`nav a[data-nav="${nav}"]`).waitFor();
      }
      await review(admin, 'en-desktop-meetings-empty');
    });

    let quickLink = '';

    it('the administrator meets now: the new meeting offers joining in the browser and its invitation', async () => {
      await go(admin, '#/meetings/new?type=instant', '/meetings/new');
      await admin.fill('input[name="meeting_name"]', 'Quick call');
      await admin.locator('button[type="submit"]', { hasText: 'Schedule' }).click();
      await admin.locator('body[data-page="/meeting/:id"]').waitFor();
      await admin.locator('main:not([aria-busy])').waitFor();
      await admin.locator('p[role="status"]', { hasText: 'The meeting is scheduled.' }).waitFor();
      quickLink = String(await admin.locator('a[data-meeting-url]').getAttribute('href'));
      const key = quickLink.split('/').pop()!;
      assert.equal(await admin.locator('a', { hasText: 'Join in the browser' }).getAttribute('href'), `/app/#key=${key}`);
      const invitation = await admin.locator('pre.invitation').innerText();
      assert.match(invitation, /^Administrator invites you to a Convene meeting\.\n\nMeeting: Quick call\nTime: .+\nMeeting number: \d{9}\nPassword: \d{6}\n\nJoin: https:\/\/.+\/j\/\w+$/);
      assert.equal(await admin.locator('a', { hasText: 'Edit' }).count(), 0, 'instant meetings cannot be changed');
      await review(admin, 'en-desktop-meeting');
    });

    it('the administrator creates a Normal user and an operator; a taken username is shown at the username field', async () => {
      await go(admin, '#/admin/users/new', '/admin/users/new');
      await review(admin, 'en-desktop-user-new');
      const create = async (u: typeof NORA, role: string) => {
        await go(admin, '#/admin/users/new', '/admin/users/new');
        await admin.fill('input[name="username"]', u.username);
        await admin.fill('input[name="real_name"]', u.realName);
        await admin.selectOption('select[name="role"]', role);
        await admin.fill('input[name="password"]', u.password);
        await admin.locator('button[type="submit"]', { hasText: 'Create user' }).click();
        await admin.locator('body[data-page="/admin/users/:id"]').waitFor();
        await admin.locator('main:not([aria-busy])').waitFor();
        return decodeURIComponent(new URL(admin.url()).hash.split('/')[3]!.split('?')[0]!);
      };
      noraId = await create(NORA, 'Normal');
      await create(OTTO, 'MeetingOperator');
      // The same username again: the API's 409 appears under the username field.
      await go(admin, '#/admin/users/new', '/admin/users/new');
      await admin.fill('input[name="username"]', NORA.username);
      await admin.fill('input[name="password"]', 'Another-Passw0rd');
      await admin.locator('button[type="submit"]', { hasText: 'Create user' }).click();
      const error = admin.locator('[data-fields~="username"] .field-error');
      await error.waitFor();
      assert.match(await error.innerText(), /^This conflicts with existing data: username: "nora" is already taken/);

      await go(admin, '#/admin/users', '/admin/users');
      await admin.locator('li[data-user="nora"] .badge[data-role="Normal"]').waitFor();
      await admin.locator('li[data-user="otto"] .badge[data-role="MeetingOperator"]').waitFor();
      await review(admin, 'en-desktop-users');
    });

    it('the administrator edits, locks, unlocks and resets the password of a user; deleting oneself is refused in words', async () => {
      await go(admin, `#/admin/users/${noraId}`, '/admin/users/:id');
      await admin.fill('input[name="department"]', 'Research');
      await admin.locator('button[type="submit"]', { hasText: 'Save' }).click();
      await admin.locator('p[role="status"]', { hasText: 'Saved.' }).waitFor();
      const token = await t.adminToken();
      assert.equal((await api('GET', `/api/v1/user/users/${noraId}`, token)).body.department, 'Research');

      await admin.locator('button[data-action="lock"]').click();
      await confirm(admin);
      await admin.locator('button[data-action="unlock"]').waitFor();
      assert.equal((await api('GET', `/api/v1/user/users/${noraId}`, token)).body.locked, true);
      await admin.locator('button[data-action="unlock"]').click();
      await admin.locator('button[data-action="lock"]').waitFor();
      assert.equal((await api('GET', `/api/v1/user/users/${noraId}`, token)).body.locked, false);

      await admin.locator('button', { hasText: 'Generate a new password' }).click();
      const generated = await admin.locator('code[data-password]').innerText();
      assert.ok(generated.length >= 8, generated);
      await t.signIn(NORA.username, generated, 'check-reset');
      await admin.fill('input[name="secret"]', NORA.password);
      await admin.locator('button[type="submit"]', { hasText: 'Set password' }).click();
      await admin.locator('.reset-result', { hasText: 'The password is set.' }).waitFor();
      await review(admin, 'en-desktop-user-edit');

      const adminId = (await api('GET', '/api/v1/user/info', token)).body.user_id as string;
      await go(admin, `#/admin/users/${adminId}`, '/admin/users/:id');
      await admin.locator('button[data-action="delete"]').click();
      await confirm(admin);
      const refused = admin.locator('.inline-error');
      await refused.waitFor();
      assert.equal(await refused.innerText(), 'This is not allowed: user_id: administrators cannot delete themselves');
    });

    it('the administrator creates a room for the user (owner chosen from the directory) and reads the System page', async () => {
      await go(admin, '#/admin/rooms/new', '/admin/rooms/new');
      await admin.fill('input[name="meetingroom_name"]', 'Team room');
      await admin.fill('input[name="owner_id-search"]', 'nora');
      await admin.locator('button[data-user="nora"]').click();
      await admin.locator('.picker-chosen li[data-user="nora"]').waitFor();
      await admin.selectOption('select[name="password_mode"]', 'set');
      await admin.fill('input[name="meeting_password"]', '123');
      await admin.locator('button[type="submit"]', { hasText: 'Create room' }).click();
      // Too short: the API's message appears under the password field.
      const error = admin.locator('[data-fields~="meeting_password"] .field-error');
      await error.waitFor();
      assert.match(await error.innerText(), /^Please check this: meeting_password: /);
      await admin.fill('input[name="meeting_password"]', '24681357');
      await admin.locator('button[type="submit"]', { hasText: 'Create room' }).click();
      await admin.locator('body[data-page="/admin/rooms/:id"]').waitFor();
      await review(admin, 'en-desktop-room-edit');
      await go(admin, '#/admin/rooms', '/admin/rooms');
      await admin.locator('li[data-name="Team room"]').waitFor();
      await review(admin, 'en-desktop-rooms');

      await go(admin, '#/admin/system', '/admin/system');
      const text = await admin.locator('main').innerText();
      assert.match(text, /Version\s+\d+\.\d+\.\d+/);
      assert.match(text, /Database\s+SQLite/);
      assert.match(text, /Accounts\s+3 of 1000/);
      await admin.locator('section[data-media="off"]').waitFor();
      await review(admin, 'en-desktop-system');
    });

    it('a Normal user (Chinese, phone) sees no admin pages; opening one shows the API’s 403', async () => {
      nora = await newPage('nora', { locale: 'zh-CN', viewport: PHONE, timezoneId: 'Asia/Shanghai' });
      await nora.goto(`${t.url}/console/`);
      await nora.locator('body[data-ready="true"]').waitFor();
      assert.equal(await nora.locator('html').getAttribute('lang'), 'zh-CN');
      assert.equal(await nora.locator('h1').innerText(), '登录 Convene');
      await review(nora, 'zh-phone-sign-in');
      await signIn(nora, NORA.username, NORA.password);
      assert.equal(await nora.locator('h1').innerText(), '我的会议');
      assert.equal(await nora.locator('nav a[data-nav^="/admin/"]').count(), 0, 'no admin pages in the navigation');

      const refused = nora.waitForResponse((r: Response) => r.url().includes('/api/v1/user/users?'));
      await go(nora, '#/admin/users', '/admin/users');
      assert.equal((await refused).status(), 403);
      const error = nora.locator('[data-load-error="0x10000003"]');
      await error.waitFor();
      assert.match(await error.innerText(), /^您无权执行此操作：/);
      await review(nora, 'zh-phone-admin-refused');
      // Called directly from the page with the user's own token, every admin call is refused too.
      const token = await nora.evaluate('localStorage.getItem("convene.console.token")');
      for (const [method, path] of [
        ['GET', '/api/v1/user/users'],
        ['GET', '/api/v1/meeting_rooms'],
        ['GET', '/api/v1/system/status'],
      ] as const) {
        const r = await api(method, path, String(token));
        assert.equal(r.status, 403, `${path}: ${r.text}`);
      }
    });

    it('the Normal user creates a weekly series on Monday and Wednesday, inviting the operator; it is listed once', async () => {
      await go(nora, '#/meetings/new?type=recurrence', '/meetings/new');
      await review(nora, 'zh-phone-new-series');
      await nora.fill('input[name="meeting_name"]', 'Weekly sync');
      // A Thursday: the first meeting is the first chosen day after it (the FRTC model would add Thursdays otherwise).
      await nora.fill('input[name="date"]', '2030-01-03');
      await nora.fill('input[name="start"]', '09:00');
      await nora.fill('input[name="end"]', '10:00');
      for (const box of await nora.locator('input[name="weekday"]:checked').all()) await box.uncheck();
      await nora.check('input[name="weekday"][value="2"]'); // Monday
      await nora.check('input[name="weekday"][value="4"]'); // Wednesday
      await nora.check('input[name="end_mode"][value="count"]');
      await nora.fill('input[name="count"]', '4');
      await nora.fill('input[name="invited_users-search"]', 'otto');
      await nora.locator('button[data-user="otto"]').click();
      await nora.locator('.picker-chosen li[data-user="otto"]').waitFor();
      await nora.locator('button[type="submit"]', { hasText: '预约' }).click();
      await nora.locator('body[data-page="/series/:id"]').waitFor();
      await nora.locator('main:not([aria-busy])').waitFor();
      await review(nora, 'zh-phone-series');

      // Four occurrences (the count became the last day), in the reader's zone: Mon 7, Wed 9, Mon 14, Wed 16 January 2030.
      const starts = (await nora.locator('li[data-start]').evaluateAll((items) => items.map((i) => Number(i.getAttribute('data-start')))));
      const shanghai = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
      assert.deepEqual(starts.map(shanghai), ['2030-01-07T09:00', '2030-01-09T09:00', '2030-01-14T09:00', '2030-01-16T09:00']);
      assert.match(await nora.locator('dl.facts').innerText(), /每周的周一、周三/);
      assert.match(String(await nora.locator('a[href^="/app/#key="]').getAttribute('href')), /^\/app\/#key=\w+$/, 'join in the browser by the series link');
      // The invitation, copied: what, when (in her zone), how it repeats, number, password and the series link.
      await nora.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
      await nora.locator('button', { hasText: '复制邀请' }).click();
      await nora.locator('button[data-copied="true"]').waitFor();
      const invitation = String(await nora.evaluate('navigator.clipboard.readText()'));
      const facts = await nora.locator('dl.facts').innerText();
      const number = /会议号\s+(\d+)/.exec(facts)![1]!;
      const password = /密码\s+(\d+)/.exec(facts)![1]!;
      assert.match(invitation, /^Nora Normal 邀请您参加 Convene 会议。/);
      assert.match(invitation, /会议主题: Weekly sync\n会议时间: 2030\/1\/7周一 09:00–10:00\n重复: 每周的周一、周三\n/);
      assert.ok(invitation.includes(`会议号: ${number}\n会议密码: ${password}\n`), invitation);
      assert.match(invitation, /入会链接: https:\/\/\S+\/j\/\w+$/);

      // Listed once in My meetings, with its next occurrences on request (read from the paged occurrences call).
      await go(nora, '#/meetings', '/meetings');
      const entry = nora.locator('li[data-series="true"][data-name="Weekly sync"]');
      await entry.waitFor();
      assert.equal(await nora.locator('li[data-name="Weekly sync"]').count(), 1);
      const paged = nora.waitForResponse((r: Response) => /\/api\/v1\/meeting_schedule\/recurrence\/[^/?]+\?.*page_size=5/.test(r.url()));
      await entry.locator('button[aria-expanded]').click();
      assert.equal((await paged).status(), 200);
      assert.equal(await entry.locator('ul.occurrences li[data-reservation-id]').count(), 4);
      await review(nora, 'zh-phone-meetings');
      // The invited operator sees it in the API too.
      const ottoToken = await t.signIn(OTTO.username, OTTO.password, 'otto-check');
      const list = await api('GET', '/api/v1/meeting_schedule', ottoToken);
      assert.deepEqual(list.body.meeting_schedules.map((m: { meeting_name: string }) => m.meeting_name), ['Weekly sync']);
    });

    it('the Normal user edits one occurrence, then deletes the whole series', async () => {
      await nora.locator('li[data-name="Weekly sync"] h2 a').click();
      await nora.locator('body[data-page="/series/:id"]').waitFor();
      await nora.locator('main:not([aria-busy])').waitFor();
      const second = nora.locator('li[data-start]').nth(1);
      const secondId = String(await second.getAttribute('data-reservation-id'));
      await second.locator('a[href$="/edit"]').click();
      await nora.locator('body[data-page="/meeting/:id/edit"]').waitFor();
      await nora.locator('form[data-mode="occurrence"]').waitFor();
      assert.equal(await nora.locator('section.recurrence').isVisible(), false, 'an occurrence has no rule of its own');
      await review(nora, 'zh-phone-edit-occurrence');
      await nora.fill('input[name="meeting_name"]', 'Weekly sync (long)');
      await nora.fill('input[name="end"]', '11:30');
      await nora.locator('button[type="submit"]', { hasText: '保存' }).click();
      await nora.locator('body[data-page="/series/:id"]').waitFor();
      await nora.locator(`li[data-reservation-id="${secondId}"]`, { hasText: 'Weekly sync (long)' }).waitFor();
      const token = String(await nora.evaluate('localStorage.getItem("convene.console.token")'));
      const edited = await api('GET', `/api/v1/meeting_schedule/${secondId}`, token);
      assert.equal(edited.body.meeting_name, 'Weekly sync (long)');
      assert.equal(edited.body.schedule_end_time - edited.body.schedule_start_time, 150 * 60_000);
      const gid = String(edited.body.recurrence_gid);
      assert.equal((await api('GET', `/api/v1/meeting_schedule/recurrence/${gid}`, token)).body.total_size, 4, 'the others unchanged');

      await nora.locator('button', { hasText: '删除整个系列' }).click();
      await confirm(nora);
      await nora.locator('body[data-page="/meetings"]').waitFor();
      await nora.locator('main:not([aria-busy])').waitFor();
      assert.equal(await nora.locator('li[data-name="Weekly sync"]').count(), 0);
      assert.equal((await api('GET', `/api/v1/meeting_schedule/recurrence/${gid}`, token)).status, 404);
    });

    it('the Normal user adds a meeting by its link (a wrong link is answered at the field) and removes it again', async () => {
      await go(nora, '#/meetings', '/meetings');
      await nora.fill('input[name="key"]', `${t.url}/j/NoSuchKey0000000`);
      await nora.locator('form.add-link button[type="submit"]').click();
      const error = nora.locator('[data-fields~="key"] .field-error');
      await error.waitFor();
      assert.match(await error.innerText(), /^未找到：/);
      await nora.fill('input[name="key"]', quickLink);
      await nora.locator('form.add-link button[type="submit"]').click();
      const entry = nora.locator('li[data-name="Quick call"]');
      await entry.waitFor();
      await entry.locator('button', { hasText: '从我的列表中移除' }).click();
      await entry.waitFor({ state: 'detached' });
    });

    it('the Normal user sees the room, her (empty) recordings and the profile; changes the password', async () => {
      await go(nora, '#/rooms', '/rooms');
      const room = nora.locator('li[data-room-id]', { hasText: 'Team room' });
      await room.waitFor();
      const start = String(await room.locator('a[href^="/app/#number="]').getAttribute('href'));
      assert.match(start, /^\/app\/#number=\d+$/);
      await review(nora, 'zh-phone-rooms');
      // "Start the meeting" opens the meeting app on the room's number, signed in as the console's user: she hosts.
      const app = await nora.context().newPage();
      await app.goto(`${t.url}${start}`);
      await app.locator('body[data-ready="true"]').waitFor();
      assert.equal(await app.inputValue('#meeting-number'), start.split('=')[1]);
      assert.match(await app.locator('#signed-in').innerText(), /Signed in as Nora Normal/);
      await app.click('#join-button');
      await app.locator('#host-panel').waitFor();
      await app.locator('#roster li[data-role="host"]', { hasText: 'Nora Normal' }).waitFor();
      await app.click('#leave');
      await app.locator('#end-screen').waitFor();
      await app.close();
      await go(nora, '#/recordings', '/recordings');
      await nora.locator('main li.empty', { hasText: '还没有录制' }).waitFor();
      await review(nora, 'zh-phone-recordings');
      await go(nora, '#/profile', '/profile');
      await nora.fill('input[name="secret_old"]', 'wrong-password');
      await nora.fill('input[name="secret_new"]', 'Nora-Passw0rd-2');
      await nora.fill('input[name="repeat"]', 'Nora-Passw0rd-2');
      await nora.locator('button[type="submit"]').click();
      const wrong = nora.locator('[data-fields~="secret_old"] .field-error');
      await wrong.waitFor();
      assert.match(await wrong.innerText(), /^请检查：secret_old/);
      await nora.fill('input[name="secret_old"]', NORA.password);
      await nora.locator('button[type="submit"]').click();
      await nora.locator('p[role="status"]', { hasText: '密码已修改。' }).waitFor();
      await review(nora, 'zh-phone-profile');
      NORA.password = 'Nora-Passw0rd-2';
    });

    it('a session ended elsewhere shows the expired-session screen; signing in again returns to the page', async () => {
      const token = String(await nora.evaluate('localStorage.getItem("convene.console.token")'));
      assert.equal((await api('POST', '/api/v1/user/sign_out', token)).status, 200);
      await nora.evaluate('location.hash = "#/rooms"');
      await nora.locator('body[data-screen="expired"] section[data-expired="true"]').waitFor();
      assert.equal(await nora.locator('h1').innerText(), '登录已失效');
      assert.equal(await nora.inputValue('input[name="username"]'), 'nora');
      assert.equal(await nora.evaluate('localStorage.getItem("convene.console.token")'), null, 'the dead token is forgotten');
      await review(nora, 'zh-phone-expired');
      await nora.fill('input[name="password"]', NORA.password);
      await nora.locator('form button[type="submit"]').click();
      await nora.locator('body[data-screen="console"][data-page="/rooms"]').waitFor();
      // Sign-out ends the session on the server.
      const fresh = String(await nora.evaluate('localStorage.getItem("convene.console.token")'));
      await nora.locator('#sign-out').click();
      await nora.locator('body[data-screen="signIn"]').waitFor();
      assert.equal((await api('GET', '/api/v1/user/info', fresh)).status, 401);
    });

    it('an operator mutes a participant from the live page (the participant receives the mute), then removes it', async () => {
      const adminToken = await t.adminToken();
      const meeting = await instantMeeting(t, adminToken, 'console-test', 'All hands');
      const bot = await joinAs(t, { meeting_number: meeting.meeting_number, client_id: 'bot-uuid-1', display_name: 'Bot Bob', passcode: meeting.meeting_password });
      bots.push(bot);

      otto = await newPage('otto', { locale: 'en-US', viewport: DESKTOP });
      await signIn(otto, OTTO.username, OTTO.password);
      assert.equal(await otto.locator('nav a[data-nav^="/admin/"]').count(), 0, 'operators are not administrators');
      await go(otto, '#/live', '/live');
      const item = otto.locator(`li[data-meeting-number="${meeting.meeting_number}"]`);
      await item.waitFor();
      await item.locator('.badge[data-count="1"]').waitFor();
      await review(otto, 'en-desktop-live');
      await item.locator('a').click();
      await otto.locator('body[data-page="/live/:number"]').waitFor();
      const row = otto.locator('li[data-uuid="bot-uuid-1"]');
      await row.locator('.name', { hasText: 'Bot Bob' }).waitFor();
      assert.equal(await row.getAttribute('data-audio-muted'), 'false');
      await review(otto, 'en-desktop-live-meeting');

      bot.mark();
      await row.locator('button[data-action="mute"]').click();
      const lock = await bot.waitFor('mute.lock');
      assert.deepEqual([lock.muted, lock.allow_self_unmute], [true, true]);
      await otto.locator('li[data-uuid="bot-uuid-1"][data-audio-muted="true"]').waitFor();

      // This server runs without media (so without recording): the API's answer is shown next to the button.
      await otto.locator('button[data-action="record"]').click();
      const unavailable = otto.locator('.inline-error', { hasText: 'Recording is not possible on this server' });
      await unavailable.waitFor();

      await row.locator('button[data-action="remove"]').click();
      await confirm(otto);
      const gone = await bot.waitFor('meeting.status', (e) => e.status === 'disconnected');
      assert.equal(gone.reason, 'RemovedFromMeeting');
      await otto.locator('li[data-uuid="bot-uuid-1"]').waitFor({ state: 'detached' });
      await screenshot(otto, 'console', 'en-desktop-live-meeting-after');

      // The history of the number shows the session and who left why.
      await go(otto, `#/history/${meeting.meeting_number}`, '/history/:number');
      await otto.locator('section.session td', { hasText: 'Bot Bob' }).waitFor();
      assert.match(await otto.locator('section.session').innerText(), /Bot Bob\t.+\t.+\tremoved by host/);
      await review(otto, 'en-desktop-history');
    });

    it('the pages also fit a phone in English and a desktop in Chinese; no page error on the way', async () => {
      await otto.setViewportSize(PHONE);
      await go(otto, '#/meetings', '/meetings');
      await review(otto, 'en-phone-meetings');
      await go(otto, '#/meetings/new?type=recurrence', '/meetings/new');
      await review(otto, 'en-phone-new-series');
      await nora.setViewportSize(DESKTOP);
      await signIn(nora, NORA.username, NORA.password);
      await review(nora, 'zh-desktop-meetings');
      // The language switch changes the page at once and is remembered.
      await nora.selectOption('#language', 'en');
      await nora.locator('h1', { hasText: 'My meetings' }).waitFor();
      assert.equal(await nora.evaluate('localStorage.getItem("convene.console.lang")'), 'en');
      assert.deepEqual(pageErrors, []);
    });
  });
});

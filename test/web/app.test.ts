/**
 * The browser meeting app (web/, served at /app/) in real headless Chromium (playwright-core driving the Debian
 * `chromium` package; the browser is never downloaded). Three pages in separate browser contexts (separate
 * localStorage, so separate client_ids): a guest who joins by the meeting link, the signed-in host who joins by number,
 * and a second guest who meets the passcode prompt and the lock.
 *
 * Without /usr/lib/chromium/chromium (or CONVENE_CHROMIUM) the browser half is skipped with a notice, unless
 * CONVENE_REQUIRE_CHROMIUM=1 (CI), which turns that into a failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { JoinError } from '../../sdk/signal-client.ts';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS, SKIP_WITHOUT_CHROMIUM } from '../support/browser.ts';
import { instantMeeting, signalFor } from '../support/live.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const ARGS = CHROMIUM_ARGS;
const WAIT_MS = 10_000;

const HOST = { username: 'hana', password: 'Hana-Passw0rd!' };

describe('browser app: served at /app/', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer('sqlite');
  });
  after(() => t.close());

  it('GET /app/ → index.html naming the bundled script and style by content hash, with a CSP; /app redirects', async () => {
    const page = await t.call('GET', '/app/');
    assert.equal(page.status, 200, page.text);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    const js = /src="app\.js\?v=([\w-]+)"/.exec(page.text)?.[1];
    const css = /href="app\.css\?v=([\w-]+)"/.exec(page.text)?.[1];
    assert.ok(js && css, page.text);

    const script = await t.call('GET', `/app/app.js?v=${js}`);
    assert.equal(script.status, 200);
    assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.ok(script.text.length > 10_000, 'the bundle holds the app, the SDK and the contract');
    assert.doesNotMatch(script.text, /\bfrom\s*["'](?:typebox|\.\.?\/)/, 'everything is bundled: no imports left');
    const style = await t.call('GET', `/app/app.css?v=${css}`);
    assert.equal(style.headers['content-type'], 'text/css; charset=utf-8');
    assert.match(style.text, /#overlay/);
    // Without the current hash the asset is revalidated; with its ETag it is not sent again.
    const stale = await t.call('GET', '/app/app.js?v=old');
    assert.equal(stale.headers['cache-control'], 'no-cache');
    const again = await t.call('GET', '/app/app.js', { headers: { 'if-none-match': String(stale.headers.etag) } });
    assert.equal(again.status, 304);

    const bare = await t.call('GET', '/app');
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.location, '/app/');
  });

  it('GET /j/{key} offers “Join in the browser” → /app/#key=<key>', async () => {
    const token = await t.adminToken();
    const r = await t.call('POST', '/api/v1/meeting_schedule', { query: { client_id: 'admin-console', token }, body: { meeting_type: 'instant', meeting_name: 'Link page' } });
    assert.equal(r.status, 200, r.text);
    const key = new URL(String(r.body.meeting_url)).pathname.split('/').pop()!;
    const page = await t.call('GET', `/j/${key}`);
    assert.ok(page.text.includes(`href="/app/#key=${key}"`), page.text);
    assert.match(page.text, /Join in the browser/);
  });
});

describe('browser app: meeting in headless Chromium', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let t: TestServer;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let meeting: { number: string; password: string; key: string };
  let guest: Page;
  let host: Page;
  let guestUuid = '';
  let hostUuid = '';

  const newPage = async (label: string): Promise<Page> => {
    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    context.setDefaultTimeout(WAIT_MS);
    contexts.push(context);
    // Counts peer connections: this server runs without media (CONVENE_MEDIA=false), so the app must open none,
    // and this test runs outside the loopback-only namespace WebRTC is confined to.
    await context.addInitScript(() => {
      const g = globalThis as unknown as { RTCPeerConnection: new (...args: unknown[]) => object; peerConnections: number };
      g.peerConnections = 0;
      g.RTCPeerConnection = new Proxy(g.RTCPeerConnection, {
        construct(target, args) {
          g.peerConnections++;
          return new target(...args);
        },
      });
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`));
    page.on('console', (m) => {
      // Chromium asks for /favicon.ico on the /j/ page, which has none.
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) pageErrors.push(`${label} console: ${m.text()}`);
    });
    return page;
  };
  /** The uuid of the big tile, '' when none. */
  const bigTile = async (page: Page) => (await page.locator('#stage .tile[data-big="true"]').count()) === 0 ? '' : await page.locator('#stage .tile[data-big="true"]').getAttribute('data-uuid');
  const waitBigTile = async (page: Page, uuid: string) => {
    if (uuid === '') await page.locator('#stage .tile[data-big="true"]').waitFor({ state: 'detached' });
    else await page.locator(`#stage .tile[data-big="true"][data-uuid="${uuid}"]`).waitFor();
  };
  const hostAction = (uuid: string, action: string) => host.locator(`#roster li[data-uuid="${uuid}"] button[data-action="${action}"]`).click();

  before(async () => {
    assertChromium();
    t = await startTestServer('sqlite');
    await t.createUser(HOST.username, HOST.password);
    const token = await t.signIn(HOST.username, HOST.password, 'test-setup');
    const created = await instantMeeting(t, token, 'test-setup', 'Browser standup');
    meeting = { number: created.meeting_number, password: created.meeting_password, key: created.key };
    assert.notEqual(meeting.password, '', 'instant meetings get a password');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  it('a guest joins by the meeting link (the link carries the password)', async () => {
    guest = await newPage('guest');
    await guest.goto(`${t.url}/j/${meeting.key}`);
    await guest.getByRole('link', { name: 'Join in the browser' }).click();
    await guest.waitForURL(/\/app\/#key=/);
    await guest.locator('body[data-ready="true"]').waitFor();
    assert.equal(await guest.inputValue('#meeting-number'), meeting.number);
    assert.match(await guest.locator('#join-meeting').innerText(), /Browser standup/);
    await guest.fill('#display-name', 'Gina Guest');
    await guest.click('#join-button');
    await guest.locator('#meeting-screen').waitFor();
    await guest.locator('#meeting-name', { hasText: 'Browser standup' }).waitFor();
    // The server has no media: the meeting goes on without, with placeholders.
    await guest.locator('#stage[data-media="unavailable"]').waitFor();
    assert.equal(await guest.locator('#meeting-number-label').innerText(), meeting.number);
    await guest.locator('#roster li[data-role="guest"]', { hasText: 'Gina Guest' }).waitFor();
    guestUuid = (await guest.locator('#roster li[data-role="guest"]').getAttribute('data-uuid')) ?? '';
    assert.match(guestUuid, /^[0-9a-f-]{36}$/, 'a UUID kept in localStorage');
    assert.equal(await guest.locator('#host-panel').isVisible(), false, 'no host controls for a guest');
  });

  it('the host signs in and joins by number; each sees the other in the roster', async () => {
    host = await newPage('host');
    await host.goto(`${t.url}/app/`);
    await host.locator('body[data-ready="true"]').waitFor();
    await host.fill('#meeting-number', meeting.number);
    await host.fill('#display-name', 'Hana Host');
    await host.click('#sign-in summary');
    await host.fill('#username', HOST.username);
    await host.fill('#password', HOST.password);
    await host.click('#join-button');
    await host.locator('#meeting-screen').waitFor();
    await host.locator('#host-panel').waitFor();
    await host.locator('#roster li[data-role="host"]', { hasText: 'Hana Host' }).waitFor();
    hostUuid = (await host.locator('#roster li[data-role="host"]').getAttribute('data-uuid')) ?? '';
    await host.locator(`#roster li[data-uuid="${guestUuid}"]`, { hasText: 'Gina Guest' }).waitFor();
    await guest.locator(`#roster li[data-uuid="${hostUuid}"][data-role="host"]`, { hasText: 'Hana Host' }).waitFor();
    await guest.locator('#participant-count[data-count="2"]').waitFor();
    await host.locator('#participant-count[data-count="2"]').waitFor();
    // Nine placeholder tiles at most, both participants shown, nobody large.
    assert.equal(await guest.locator('#stage .tile').count(), 2);
    assert.equal(await guest.locator('#stage').getAttribute('data-mode'), 'grid');
  });

  it('a host mute without self-unmute locks the guest’s microphone; with it the guest may unmute', async () => {
    // The guest speaks first (it joined unmuted unless the meeting mutes on entry).
    if ((await guest.getAttribute('#mic', 'data-muted')) === 'true') await guest.click('#mic');
    await host.locator(`#roster li[data-uuid="${guestUuid}"][data-audio-muted="false"]`).waitFor();

    await host.uncheck('#mute-all-allow');
    await hostAction(guestUuid, 'mute');
    await guest.locator('#mic[data-muted="true"][data-locked="true"]').waitFor();
    assert.equal(await guest.isDisabled('#mic'), true, 'the unmute button is disabled');
    assert.match(await guest.locator('#mic-note').innerText(), /host muted you/);
    await host.locator(`#roster li[data-uuid="${guestUuid}"][data-audio-muted="true"]`).waitFor();

    // Hand raised → the host sees it and allows: the guest may now unmute itself.
    await guest.click('#hand');
    await host.locator(`#roster li[data-uuid="${guestUuid}"][data-hand="true"]`).waitFor();
    await host.locator('#requests li', { hasText: 'Gina Guest' }).waitFor();
    await hostAction(guestUuid, 'allow');
    await guest.locator('#mic[data-locked="false"]').waitFor();
    assert.equal(await guest.isDisabled('#mic'), false);
    await guest.click('#mic');
    await host.locator(`#roster li[data-uuid="${guestUuid}"][data-audio-muted="false"]`).waitFor();
    await guest.locator('#mic[data-muted="false"]').waitFor();
  });

  it('a text overlay appears at the chosen position on both pages (static at the bottom, then scrolling in the middle)', async () => {
    await host.fill('#overlay-input', 'Welcome to the standup');
    await host.selectOption('#overlay-position', '100');
    await host.uncheck('#overlay-scroll');
    await host.click('#overlay-start');
    for (const page of [guest, host]) {
      const overlay = page.locator('#overlay[data-position="bottom"][data-scroll="false"]');
      await overlay.waitFor();
      assert.equal(await page.locator('#overlay-text').innerText(), 'Welcome to the standup');
      const box = (await overlay.boundingBox())!;
      const stage = (await page.locator('#stage-wrap').boundingBox())!;
      assert.ok(Math.abs(box.y + box.height - (stage.y + stage.height)) < 2, `bottom of the stage: ${JSON.stringify({ box, stage })}`);
    }
    await host.fill('#overlay-input', 'Scrolling news');
    await host.selectOption('#overlay-position', '50');
    await host.check('#overlay-scroll');
    await host.click('#overlay-start');
    const overlay = guest.locator('#overlay[data-position="middle"][data-scroll="true"]');
    await overlay.waitFor();
    assert.equal(await guest.locator('#overlay-text').innerText(), 'Scrolling news');
    const box = (await overlay.boundingBox())!;
    const stage = (await guest.locator('#stage-wrap').boundingBox())!;
    assert.ok(Math.abs(box.y + box.height / 2 - (stage.y + stage.height / 2)) < 2, 'centred vertically');
    // (globalThis: this file is type-checked without the DOM library; the function runs in the page.)
    const animation = await guest.locator('#overlay-text').evaluate((e) => {
      const style = (globalThis as unknown as { getComputedStyle(e: unknown): { animationName: string; animationIterationCount: string } }).getComputedStyle(e);
      return { name: style.animationName, count: style.animationIterationCount };
    });
    assert.deepEqual(animation, { name: 'overlay-scroll', count: '3' }, 'scrolls, repeated display_repetition times');
    await host.click('#overlay-stop');
    await guest.locator('#overlay').waitFor({ state: 'hidden' });
  });

  it('a dropped connection is resumed (SignalClient.resume under “Reconnecting…”): the same place in the meeting', async () => {
    // Cut every signalling connection on the server side, as a network failure would.
    for (const socket of t.server.app.websocketServer.clients) socket.terminate();
    for (const page of [guest, host]) {
      await page.locator('body[data-resumes="1"]').waitFor();
      await page.locator('#banner').waitFor({ state: 'hidden' });
      await page.locator('#meeting-screen').waitFor();
      await page.locator('#participant-count[data-count="2"]').waitFor();
    }
    await guest.locator(`#roster li[data-uuid="${hostUuid}"]`).waitFor();
    await guest.locator('#stage[data-media="unavailable"][data-media-connects="0"]').waitFor();
    // Commands work on the new connection.
    await guest.click('#hand');
    await host.locator(`#roster li[data-uuid="${guestUuid}"][data-hand="true"]`).waitFor();
    await guest.click('#hand');
    await host.locator(`#roster li[data-uuid="${guestUuid}"][data-hand="false"]`).waitFor();
  });

  it('lecturer and pin choose the big tile on every page; the pin wins and is highlighted', async () => {
    await hostAction(guestUuid, 'lecturer');
    await waitBigTile(guest, guestUuid);
    await waitBigTile(host, guestUuid);
    assert.equal(await guest.locator('#stage').getAttribute('data-mode'), 'focus');
    await guest.locator(`#roster li[data-uuid="${guestUuid}"] .badge.lecturer`).waitFor();

    await hostAction(hostUuid, 'pin');
    await waitBigTile(guest, hostUuid);
    await waitBigTile(host, hostUuid);
    assert.equal(await guest.locator(`#stage .tile[data-uuid="${hostUuid}"]`).getAttribute('data-pinned'), 'true');

    await hostAction(hostUuid, 'unpin');
    await waitBigTile(guest, guestUuid);
    await host.click('#unset-lecturer');
    await waitBigTile(guest, '');
    assert.equal(await bigTile(host), '');
  });

  it('a wrong passcode shows the attempts left; after the host locks the meeting the right one meets the locked screen', async () => {
    const late = await newPage('late guest');
    await late.goto(`${t.url}/app/`);
    await late.locator('body[data-ready="true"]').waitFor();
    await late.fill('#meeting-number', meeting.number);
    await late.fill('#display-name', 'Leo Late');
    await late.fill('#passcode', '0000000');
    await late.click('#join-button');
    await late.locator('#passcode-screen').waitFor();
    const message = late.locator('#passcode-message[data-rejected="true"][data-attempts-left="4"]');
    await message.waitFor();
    assert.equal(await message.innerText(), 'Wrong password. 4 attempts left.');

    await host.click('#lock-toggle');
    await guest.locator('#lock-badge').waitFor();
    await late.fill('#passcode-input', meeting.password);
    await late.click('#passcode-submit');
    await late.locator('#end-screen[data-reason="MeetingLocked"][data-phase="join"]').waitFor();
    assert.match(await late.locator('#end-title').innerText(), /locked/i);
    await host.click('#lock-toggle');
    await guest.locator('#lock-badge').waitFor({ state: 'hidden' });
  });

  it('removed by the host → the guest sees the “removed by host” screen; the host ends the meeting', async () => {
    await hostAction(guestUuid, 'remove');
    await guest.locator('#end-screen[data-reason="RemovedFromMeeting"][data-phase="ended"]').waitFor();
    assert.match(await guest.locator('#end-message').innerText(), /host removed you/);
    await host.locator('#participant-count[data-count="1"]').waitFor();

    host.once('dialog', (d) => void d.accept());
    await host.click('#stop-meeting');
    await host.locator('#end-screen[data-reason="MeetingStop"]').waitFor();
    assert.match(await host.locator('#end-message').innerText(), /host ended the meeting/);
  });

  it('a meeting with a watermark tiles the viewer’s own name over the stage; one without guests shows its screen', async () => {
    const token = await t.signIn(HOST.username, HOST.password, 'test-setup');
    const reservation = async (name: string, extra: Record<string, unknown>) => {
      const start = Date.now() + 60_000;
      const r = await t.call('POST', '/api/v1/meeting_schedule', {
        query: { client_id: 'test-setup', token },
        body: { meeting_type: 'reservation', meeting_name: name, schedule_start_time: start, schedule_end_time: start + 3_600_000, time_to_join: -1, meeting_password: '', ...extra },
      });
      assert.equal(r.status, 200, r.text);
      return String(r.body.meeting_number);
    };
    const joinByNumber = async (number: string) => {
      await guest.goto(`${t.url}/app/`);
      await guest.locator('body[data-ready="true"]').waitFor();
      await guest.fill('#meeting-number', number);
      await guest.fill('#display-name', 'Gina Guest');
      await guest.click('#join-button');
    };
    await joinByNumber(await reservation('Confidential review', { watermark: true, watermark_type: 'single' }));
    await guest.locator('#meeting-screen').waitFor();
    const watermark = guest.locator('#watermark[data-text="Gina Guest"]');
    await watermark.waitFor();
    assert.ok((await guest.locator('#watermark span', { hasText: 'Gina Guest' }).count()) > 4, 'tiled');
    await guest.click('#leave');
    await guest.locator('#end-screen[data-reason="StatusOk"]').waitFor();

    await joinByNumber(await reservation('Members only', { guest_dial_in: false }));
    await guest.locator('#end-screen[data-reason="GuestUnallowed"][data-phase="join"]').waitFor();
    assert.match(await guest.locator('#end-message').innerText(), /Sign in/);
    assert.equal(await guest.isVisible('#end-sign-in'), true);
    for (const page of [guest, host]) assert.equal(await page.evaluate(() => (globalThis as unknown as { peerConnections: number }).peerConnections), 0, 'no peer connection without media');
    assert.deepEqual(pageErrors, []);
  });
});

describe('browser app: devices that open late, the meeting link, host settings', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let t: TestServer;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let meeting: { number: string; password: string; key: string };
  let hostToken = '';
  let host: Page;
  let guest: Page;

  /** A page; `slowDevicesMs` delays every getUserMedia by that long (a slow camera, a permission prompt answered late). */
  const newPage = async (label: string, slowDevicesMs = 0): Promise<Page> => {
    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    context.setDefaultTimeout(WAIT_MS);
    contexts.push(context);
    if (slowDevicesMs > 0) {
      await context.addInitScript((ms: number) => {
        const media = (globalThis as unknown as { navigator: { mediaDevices: { getUserMedia(c: unknown): Promise<unknown> } } }).navigator.mediaDevices;
        const open = media.getUserMedia.bind(media);
        media.getUserMedia = (c) => new Promise((r) => setTimeout(r, ms)).then(() => open(c));
      }, slowDevicesMs);
    }
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`));
    return page;
  };

  before(async () => {
    assertChromium();
    t = await startTestServer('sqlite', { CONVENE_PASSCODE_FAILURES_PER_MEETING: '3', CONVENE_LOG_LEVEL: 'warn' });
    await t.createUser(HOST.username, HOST.password);
    hostToken = await t.signIn(HOST.username, HOST.password, 'test-setup');
    const created = await instantMeeting(t, hostToken, 'test-setup', 'Late devices');
    meeting = { number: created.meeting_number, password: created.meeting_password, key: created.key };
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  it('Join pressed before a slow camera and microphone have opened: the ticked boxes hold once they open', async () => {
    host = await newPage('host', 2500);
    await host.goto(`${t.url}/app/`);
    await host.locator('body[data-ready="true"]').waitFor();
    // Still opening: the boxes are ticked (the default), the preview not ready.
    assert.equal(await host.getAttribute('#preview', 'data-state'), 'opening');
    assert.equal(await host.isChecked('#join-mic'), true);
    assert.equal(await host.isChecked('#join-camera'), true);
    await host.fill('#meeting-number', meeting.number);
    await host.fill('#display-name', 'Hana Host');
    await host.click('#sign-in summary');
    await host.fill('#username', HOST.username);
    await host.fill('#password', HOST.password);
    await host.click('#join-button');
    await host.locator('#meeting-screen').waitFor();
    const self = host.locator('#roster li[data-role="host"]', { hasText: 'Hana Host' });
    await self.waitFor();
    assert.equal(await self.getAttribute('data-audio-muted'), 'false', 'joined with the microphone on');
    assert.equal(await self.locator('.cam').getAttribute('data-muted'), 'false', 'joined with the camera on');
    assert.equal(await host.getAttribute('#mic', 'data-muted'), 'false');
    assert.equal(await host.getAttribute('#camera', 'data-muted'), 'false');
  });

  it('a box unticked while the devices open keeps that device off', async () => {
    const page = await newPage('late guest', 2500);
    await page.goto(`${t.url}/app/`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.fill('#meeting-number', meeting.number);
    await page.fill('#display-name', 'Camera Shy');
    await page.fill('#passcode', meeting.password);
    await page.uncheck('#join-camera');
    await page.click('#join-button');
    const self = host.locator('#roster li', { hasText: 'Camera Shy' });
    await self.waitFor();
    // (Its microphone follows the meeting's mute upon entry, which instant meetings have.)
    assert.equal(await self.locator('.cam').getAttribute('data-muted'), 'true');
    await page.click('#leave');
    await page.locator('#end-screen[data-reason="StatusOk"]').waitFor();
  });

  it('wrong passwords spend the meeting’s budget: the host sees it; a guest from the meeting link still gets in without being asked', async () => {
    for (let i = 0; i < 3; i++) {
      const c = signalFor(t);
      await c.join({ meeting_number: meeting.number, client_id: `guesser-${i}`, display_name: 'X', passcode: '999999999' }).catch(() => undefined);
    }
    const badge = host.locator('#lockout-badge');
    await badge.waitFor();
    assert.match(await badge.innerText(), /Password closed until/);
    // The password alone no longer works …
    const byNumber = await signalFor(t)
      .join({ meeting_number: meeting.number, client_id: 'late-by-number', display_name: 'L', passcode: meeting.password })
      .catch((e: unknown) => e);
    assert.ok(byNumber instanceof JoinError && byNumber.reason === 'PasscodeTooManyRetries', String(byNumber));
    // … the link does: the app sends its key.
    guest = await newPage('guest');
    await guest.goto(`${t.url}/app/#key=${meeting.key}`);
    await guest.locator('body[data-ready="true"]').waitFor();
    await guest.fill('#display-name', 'Gina Guest');
    await guest.click('#join-button');
    await guest.locator('#meeting-screen').waitFor();
    await host.locator('#roster li[data-role="guest"]', { hasText: 'Gina Guest' }).waitFor();
    assert.equal(await guest.locator('#lockout-badge').isVisible(), false, 'only hosts are told');
  });

  it('the host lets only hosts share their screen: the guest’s Share button is withdrawn, and given back', async () => {
    assert.equal(await guest.getAttribute('#share', 'data-allowed'), 'true');
    await host.check('#share-hosts-only');
    await guest.locator('#share[data-allowed="false"]').waitFor({ state: 'attached' });
    assert.equal(await host.getAttribute('#share', 'data-allowed'), 'true', 'hosts still may');
    await host.uncheck('#share-hosts-only');
    await guest.locator('#share[data-allowed="true"]').waitFor({ state: 'attached' });
    assert.deepEqual(pageErrors, []);
  });
});

describe('meeting link page /j/{key} as a reader sees it', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  const HOUR = 3_600_000;
  const ZONE = 'Asia/Tokyo';
  let t: TestServer;
  let browser: Browser | undefined;
  let token = '';
  before(async () => {
    assertChromium();
    t = await startTestServer('sqlite');
    token = await t.adminToken();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  const meetingKey = async (body: Record<string, unknown>) => {
    const r = await t.call('POST', '/api/v1/meeting_schedule', { query: { client_id: 'admin-console', token }, body });
    assert.equal(r.status, 200, r.text);
    return { id: String(r.body.reservation_id), key: String(r.body.meetingInfoKey), start: Number(r.body.schedule_start_time), end: Number(r.body.schedule_end_time) };
  };
  /** The start and end as the page shows them, in Tokyo, with or without its script. */
  const shown = async (key: string, javaScriptEnabled = true) => {
    const context = await browser!.newContext({ ignoreHTTPSErrors: true, timezoneId: ZONE, locale: 'en-US', javaScriptEnabled });
    try {
      const page = await context.newPage();
      await page.goto(`${t.url}/j/${key}`);
      return { start: await page.locator('time[data-part="start"]').innerText(), end: await page.locator('time[data-part="end"]').innerText() };
    } finally {
      await context.close();
    }
  };
  const tokyoDay = (ms: number) => new Intl.DateTimeFormat('en-US', { timeZone: ZONE, month: 'long', day: 'numeric' }).format(ms);
  const MONTHS = /January|February|March|April|May|June|July|August|September|October|November|December/;

  it('a 24-hour instant meeting shows the end with its date (local time, and the UTC text without JavaScript)', async () => {
    const m = await meetingKey({ meeting_type: 'instant', meeting_name: 'All day' });
    assert.equal(m.end - m.start, 24 * HOUR);
    const local = await shown(m.key);
    assert.ok(local.start.includes(tokyoDay(m.start)), local.start);
    assert.ok(local.end.includes(tokyoDay(m.end)), `the end names its own day: ${local.start} – ${local.end}`);
    const utc = await shown(m.key, false);
    assert.ok(utc.end.startsWith(new Date(m.end).toISOString().slice(0, 10)), `${utc.start} – ${utc.end}`);
  });

  it('a meeting within one day shows the end as a time only; one crossing local midnight shows the end date', async () => {
    // Tomorrow 01:00–02:00 UTC = 10:00–11:00 in Tokyo: one day everywhere.
    const day = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR + 24 * HOUR;
    const sameDay = await meetingKey({ meeting_type: 'reservation', meeting_name: 'Morning', schedule_start_time: day + HOUR, schedule_end_time: day + 2 * HOUR });
    const local = await shown(sameDay.key);
    assert.ok(local.start.includes(tokyoDay(sameDay.start)), local.start);
    assert.doesNotMatch(local.end, MONTHS, `${local.start} – ${local.end}`);
    assert.match(local.end, /\d\d:\d\d/);
    assert.match((await shown(sameDay.key, false)).end, /^\d\d:\d\d UTC$/);
    // 14:30–15:30 UTC = 23:30–00:30 in Tokyo: the same day in UTC, two days for the reader.
    const late = await meetingKey({ meeting_type: 'reservation', meeting_name: 'Late', schedule_start_time: day + 14.5 * HOUR, schedule_end_time: day + 15.5 * HOUR });
    const crossing = await shown(late.key);
    assert.ok(crossing.end.includes(tokyoDay(late.end)), `${crossing.start} – ${crossing.end}`);
    assert.match((await shown(late.key, false)).end, /^\d\d:\d\d UTC$/);
  });

  it('a replaced link says so, on its page and in the browser app: ask the organiser for the current link', async () => {
    const m = await meetingKey({ meeting_type: 'instant', meeting_name: 'Replaced' });
    const renewed = await t.call('POST', `/api/v1/meeting_schedule/${m.id}/new_link`, { query: { client_id: 'admin-console', token } });
    assert.equal(renewed.status, 200, renewed.text);
    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.goto(`${t.url}/j/${m.key}`);
      assert.match(await page.locator('main').innerText(), /replaced its link[\s\S]*ask the organiser for the current link/);
      await page.goto(`${t.url}/app/#key=${m.key}`);
      const note = page.locator('#join-meeting.error');
      await note.waitFor();
      assert.match(await note.innerText(), /replaced its link\. Ask the organiser for the current link/);
    } finally {
      await context.close();
    }
  });
});

/**
 * Live streaming from the SFU: a MeetingOperator starts it, participants learn URL and passcode from session.status,
 * a viewer watches in headless Chromium after entering the passcode (the playlist and segments are refused without
 * the grant, wrong passcodes are limited per address), and the same stream is pushed to a local RTMP listener
 * (ffmpeg -listen 1). Loopback-only namespace (scripts/test.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import type { EventOf } from '../../contract/signal/protocol.ts';
import { RestError, type RestClient } from '../../sdk/rest-client.ts';
import { eventually, sleep } from '../support/eventually.ts';
import { HttpsClient } from '../support/client.ts';
import { closeAll, instantMeeting, joinAs, restFor } from '../support/live.ts';
import { skipUnlessIsolated, startMediaServer } from '../support/media.ts';
import { freePort } from '../support/postgres.ts';
import { probe, skipWithoutFfmpeg } from '../support/recording.ts';
import type { TestServer } from '../support/server.ts';
import { WrtcParticipant } from '../support/wrtc-peer.ts';

const CHROMIUM = process.env.CONVENE_CHROMIUM ?? '/usr/lib/chromium/chromium';
const skipChromium = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;
const OPERATOR = { username: 'live-operator', password: 'operator-pw-1' };
const OWNER = { username: 'live-owner', password: 'owner-pw-1' };
const PASSCODE = '246810';

/** The page's globals as the evaluated functions use them (this Node project has no DOM types). */
type Page = { document: { getElementById(id: string): { currentTime: number } } };

describe('live streaming as HLS, watched in a browser', { skip: skipUnlessIsolated() || skipWithoutFfmpeg() || skipChromium }, () => {
  let t: TestServer;
  let host: RestClient;
  let number = '';
  let peer: WrtcParticipant;
  let browser: Browser | undefined;
  const statuses: Array<EventOf<'session.status'>> = [];

  before(async () => {
    t = await startMediaServer({ CONVENE_LIVE_PASSCODE_ATTEMPTS_PER_ADDRESS: '4' });
    await t.createUser(OPERATOR.username, OPERATOR.password, 'MeetingOperator');
    await t.createUser(OWNER.username, OWNER.password);
    const token = await t.signIn(OPERATOR.username, OPERATOR.password, 'live-operator-device');
    const meeting = await instantMeeting(t, token, 'live-operator-device');
    number = meeting.meeting_number;
    host = restFor(t, 'live-operator-device', token);
    peer = new WrtcParticipant(
      await joinAs(t, { meeting_number: number, client_id: 'live-operator-device', display_name: 'Otto', passcode: meeting.meeting_password, token }),
      { shade: 200, loudness: 0.3 },
    );
    peer.signal.on('session.status', (e) => statuses.push(e));
    await peer.start();
  });
  after(async () => {
    await browser?.close();
    peer?.close();
    await closeAll([peer?.signal]);
    await t?.close();
  });

  it('only MeetingOperator and SystemAdmin may stream, as the apps show it: a Normal owner is refused', async () => {
    const token = await t.signIn(OWNER.username, OWNER.password, 'live-owner-device');
    const own = await instantMeeting(t, token, 'live-owner-device');
    const owner = restFor(t, 'live-owner-device', token);
    const c = await joinAs(t, { meeting_number: own.meeting_number, client_id: 'live-owner-device', display_name: 'Ola', token });
    try {
      await assert.rejects(owner.liveStreaming(own.meeting_number, true), (e: unknown) => e instanceof RestError && e.status === 403 && e.errorCode === '0x10000003');
    } finally {
      await closeAll([c]);
    }
  });

  it('streams: participants get URL and passcode, the playlist needs the grant, the viewer plays it in Chromium within seconds, RTMP gets it too', async () => {
    const rtmpPort = await freePort();
    const flv = join(t.dataDir, 'pushed.flv');
    const listener = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-listen', '1', '-f', 'flv', '-i', `rtmp://127.0.0.1:${rtmpPort}/live/test`, '-c', 'copy', '-y', flv], { stdio: 'ignore' });
    const listenerExit = once(listener, 'exit');
    try {
      await sleep(500);
      await host.liveStreaming(number, true, { live_password: PASSCODE, rtmp_url: `rtmp://127.0.0.1:${rtmpPort}/live/test` });
      await assert.rejects(host.liveStreaming(number, true), (e: unknown) => e instanceof RestError && e.status === 409 && e.errorCode === '0x00010006');
      const status = await eventually(() => {
        const s = statuses.at(-1);
        assert.equal(s?.streaming_status, 'STARTED');
        return s!;
      });
      assert.equal(status.streaming_pwd, PASSCODE);
      const url = new URL(status.streaming_url);
      assert.match(url.pathname, /^\/live\/[A-Za-z0-9_-]{22}$/);
      const path = url.pathname;

      // Without the grant: nothing but the page.
      assert.equal((await t.call('GET', `${path}/index.m3u8`)).status, 403);
      assert.equal((await t.call('GET', `${path}/seg-1.ts`)).status, 403);
      const page = await t.call('GET', path);
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /text\/html/);
      const wrong = await t.call('POST', `${path}/grant`, { body: { passcode: '111111' } });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.errorCode, '0x10000003');
      const right = await t.call('POST', `${path}/grant`, { body: { passcode: PASSCODE } });
      assert.equal(right.status, 200, right.text);
      const grant = String(right.headers['set-cookie']).split(';')[0]!;
      assert.match(String(right.headers['set-cookie']), new RegExp(`Path=${path}/; .*HttpOnly; Secure; SameSite=Strict`));
      const playlist = await eventually(async () => {
        const r = await t.call('GET', `${path}/index.m3u8`, { headers: { cookie: grant } });
        assert.equal(r.status, 200, r.text);
        assert.match(r.text, /seg-\d+\.ts/);
        return r.text;
      }, 20_000, 500);
      const segment = playlist.split('\n').find((l) => l.endsWith('.ts'))!;
      assert.equal((await t.call('GET', `${path}/${segment}`, { headers: { cookie: grant } })).status, 200);
      assert.equal((await t.call('GET', `${path}/${segment}`)).status, 403, 'a segment URL without the grant');
      assert.equal((await t.call('GET', `${path}/${segment}`, { headers: { cookie: `convene_live=${Date.now() + 60_000}.${'A'.repeat(43)}` } })).status, 403, 'a forged grant');

      // A viewer in the browser: the passcode, then the video plays on.
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--ignore-certificate-errors', '--autoplay-policy=no-user-gesture-required'] });
      const view = await browser.newPage();
      await view.goto(`${t.url}${path}`);
      await view.fill('#passcode', PASSCODE);
      const started = Date.now();
      await view.click('button[type=submit]');
      await view.waitForFunction(() => (globalThis as unknown as Page).document.getElementById('player').currentTime > 1, undefined, { timeout: 20_000 });
      const firstPicture = Date.now() - started;
      const currentTime = () => view.evaluate(() => (globalThis as unknown as Page).document.getElementById('player').currentTime);
      const t1 = await currentTime();
      await sleep(2000);
      const t2 = await currentTime();
      assert.ok(t2 > t1 + 1, `the video plays on: ${t1} → ${t2}`);
      assert.ok(firstPicture < 15_000, `playing ${firstPicture} ms after the passcode`);

      await host.liveStreaming(number, false);
      await eventually(() => assert.equal(statuses.at(-1)?.streaming_status, 'NOT_STARTED'));
      await assert.rejects(host.liveStreaming(number, false), (e: unknown) => e instanceof RestError && e.status === 409 && e.errorCode === '0x00010100');
      assert.equal((await t.call('GET', `${path}/index.m3u8`, { headers: { cookie: grant } })).status, 403, 'over: nothing is served');

      // The RTMP listener got the same stream and ends with it.
      await Promise.race([listenerExit, sleep(15_000)]);
      const pushed = probe(flv);
      assert.deepEqual(pushed.streams.map((s) => `${s.codec_type}/${s.codec_name}`).sort(), ['audio/aac', 'video/h264']);
      assert.ok(pushed.durationS > 3, `pushed ${pushed.durationS} s`);
    } finally {
      if (listener.exitCode === null) listener.kill('SIGKILL');
      await host.liveStreaming(number, false).catch(() => undefined);
    }
  });

  it('a meeting scheduled with generate_live_url streams at the live URL and with the passcode its invitation gave', async () => {
    const token = await t.signIn(OPERATOR.username, OPERATOR.password, 'live-scheduler');
    const start = Date.now() + 10 * 60_000;
    const body = { meeting_type: 'reservation', meeting_name: 'Scheduled live', schedule_start_time: start, schedule_end_time: start + 3_600_000, time_to_join: -1, generate_live_url: true, live_passcode: '13572468' };
    const scheduled = await t.call('POST', '/api/v1/meeting_schedule', { query: { client_id: 'live-scheduler', token }, body });
    assert.equal(scheduled.status, 200, scheduled.text);
    const liveUrl = String(scheduled.body.live_meeting_url);
    assert.match(liveUrl, /\/live\/[A-Za-z0-9_-]{22}$/);
    const n = String(scheduled.body.meeting_number);
    const c = await joinAs(t, { meeting_number: n, client_id: 'live-scheduler', display_name: 'Sid', passcode: String(scheduled.body.meeting_password), token });
    const seen: Array<EventOf<'session.status'>> = [];
    c.on('session.status', (e) => seen.push(e));
    const rest = restFor(t, 'live-scheduler', token);
    try {
      await rest.liveStreaming(n, true, { live_password: '' });
      const status = await eventually(() => {
        const s = seen.at(-1);
        assert.equal(s?.streaming_status, 'STARTED');
        return s!;
      });
      assert.equal(status.streaming_url, liveUrl, 'the URL given at scheduling');
      assert.equal(status.streaming_pwd, '13572468', 'the passcode given at scheduling');
      const path = new URL(liveUrl).pathname;
      assert.equal((await t.call('POST', `${path}/grant`, { body: { passcode: '13572468' } })).status, 200);
    } finally {
      await rest.liveStreaming(n, false).catch(() => undefined);
      await closeAll([c]);
    }
  });

  it('wrong passcodes are limited per address (then 429 even for the right one)', async () => {
    await host.liveStreaming(number, true, { live_password: PASSCODE });
    const path = new URL((await eventually(() => {
      const s = statuses.at(-1);
      assert.equal(s?.streaming_status, 'STARTED');
      return s!;
    })).streaming_url).pathname;
    // From another address than the other tests' (their wrong passcode counted against 127.0.0.1).
    const guesser = new HttpsClient(t.url, { localAddress: '127.0.0.2' });
    try {
      const tries = [];
      for (let i = 0; i < 4; i++) tries.push((await guesser.call('POST', `${path}/grant`, { body: { passcode: `99990${i}` } })).status);
      assert.deepEqual(tries, [403, 403, 403, 429]);
      const right = await guesser.call('POST', `${path}/grant`, { body: { passcode: PASSCODE } });
      assert.equal(right.status, 429);
      assert.equal(right.body.errorCode, '0x10000006');
      assert.equal((await t.call('POST', `${path}/grant`, { body: { passcode: PASSCODE } })).status, 200, 'other addresses still get in');
    } finally {
      guesser.close();
      await host.liveStreaming(number, false);
    }
  });
});

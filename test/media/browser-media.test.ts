/**
 * The browser app (web/) with real audio and video: three headless Chromium pages (fake camera and microphone, fake
 * screen for getDisplayMedia) in one meeting through the SFU. What each page receives is read from the data
 * attributes the app keeps on its media elements (data-uuid: who the slot carries, per media.slots; data-packets /
 * data-frames: the inbound-rtp counters, copied once a second), so the test sees what the participant sees.
 * Runs only in a loopback-only network namespace (unshare -n), like every WebRTC test.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { RestClient } from '../../sdk/rest-client.ts';
import { instantMeeting, restFor } from '../support/live.ts';
import { eventually as poll, sleep } from '../support/eventually.ts';
import { mediaWorkerPids, skipUnlessIsolated, startMediaServer } from '../support/media.ts';
import type { TestServer } from '../support/server.ts';

const CHROMIUM = process.env.CONVENE_CHROMIUM ?? '/usr/lib/chromium/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
// The fake-UI flag also answers getDisplayMedia, with a synthetic screen.
const ARGS = ['--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--ignore-certificate-errors'];
const WAIT_MS = 15_000;
const HOST = { username: 'mona', password: 'Mona-Passw0rd!' };

/**
 * What the fake microphones say: Chromium's own fake one only beeps briefly, never long enough to count as speaking
 * for the SFU's detector (no dominant speaker in 15 s); this is a voice-like tone, 300 ms on, 100 ms off, looped.
 */
function speechLikeWav(): Buffer {
  const rate = 48_000;
  const samples = rate * 2;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) {
    const on = i % (rate * 0.4) < rate * 0.3;
    const value = on ? 0.5 * Math.sin((2 * Math.PI * 220 * i) / rate) + 0.2 * Math.sin((2 * Math.PI * 660 * i) / rate) : 0;
    wav.writeInt16LE(Math.round(value * 32767), 44 + i * 2);
  }
  return wav;
}
const skip = skipUnlessIsolated() || (HAVE_CHROMIUM ? false : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);

/** Polls until `check` passes (the media and the page need a moment). */
const eventually = (check: () => Promise<void>, timeoutMs = WAIT_MS) => poll(check, timeoutMs, 250);

interface Sink {
  slot: string;
  index: string;
  uuid: string;
  packets: number;
  frames: number;
  /** Inside the tile of this uuid, '' when not in a tile. */
  tile: string;
  big: boolean;
}

/** Every receiving slot of the page, as its elements describe it. */
function sinks(page: Page): Promise<Sink[]> {
  // (globalThis: this file is type-checked without the DOM library; the function runs in the page.)
  return page.evaluate(() => {
    type El = { dataset: Record<string, string | undefined>; closest(s: string): El | null };
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<El> } }).document;
    return [...doc.querySelectorAll('audio[data-slot], video[data-slot]')].map((e) => {
      const tile = e.closest('.tile');
      return {
        slot: e.dataset.slot ?? '',
        index: e.dataset.index ?? '',
        uuid: e.dataset.uuid ?? '',
        packets: Number(e.dataset.packets ?? 0),
        frames: Number(e.dataset.frames ?? 0),
        tile: tile?.dataset.uuid ?? '',
        big: tile?.dataset.big === 'true',
      };
    });
  });
}

/** The slot of `kind` carrying `uuid` on the page, sampled twice (counters are refreshed once a second). */
async function flow(page: Page, kind: 'audio' | 'video' | 'content', uuid: string): Promise<{ first: Sink; later: Sink }> {
  const find = async () => (await sinks(page)).find((s) => s.slot === kind && s.uuid === uuid);
  const first = await find();
  assert.ok(first, `a ${kind} slot carries ${uuid}: ${JSON.stringify(await sinks(page))}`);
  await sleep(1200);
  const later = await find();
  assert.ok(later && later.index === first.index, `${uuid} stays in ${kind} slot ${first.index}`);
  return { first, later };
}

/** The page plays each of `from`'s video (in that participant's tile) and audio, and both keep coming. */
async function receives(page: Page, from: string[]): Promise<void> {
  const first = await sinks(page);
  await sleep(1200);
  const later = await sinks(page);
  for (const uuid of from) {
    for (const kind of ['video', 'audio'] as const) {
      const a = first.find((s) => s.slot === kind && s.uuid === uuid);
      const b = later.find((s) => s.slot === kind && s.uuid === uuid);
      const what = `${kind} of ${uuid}: ${JSON.stringify({ a, b })}`;
      assert.ok(a && b && a.index === b.index, `one slot carries the ${what}`);
      assert.ok(b.packets > a.packets, `packets of the ${what} keep arriving`);
      if (kind === 'video') {
        assert.ok(b.frames > a.frames && a.frames > 0, `frames of the ${what} are decoded`);
        assert.equal(b.tile, uuid, `the ${what} plays in its tile`);
      }
    }
  }
}

describe('browser app: audio and video through the SFU in headless Chromium', { skip }, () => {
  let t: TestServer;
  let browser: Browser | undefined;
  let rest: RestClient;
  let meeting: { number: string; password: string; key: string };
  const pageErrors: string[] = [];
  const pages: { host?: Page; ann?: Page; bo?: Page } = {};
  const uuids = { host: '', ann: '', bo: '' };

  const newPage = async (label: string, options: { noCamera?: boolean } = {}): Promise<Page> => {
    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    context.setDefaultTimeout(WAIT_MS);
    if (options.noCamera) {
      // A machine without a camera: every request that includes video fails as Chromium fails it.
      await context.addInitScript(() => {
        const devices = (globalThis as unknown as { navigator: { mediaDevices: { getUserMedia(c: { video?: unknown }): Promise<unknown> } } }).navigator.mediaDevices;
        const real = devices.getUserMedia.bind(devices);
        devices.getUserMedia = (c) => (c.video ? Promise.reject(new DOMException('Requested device not found', 'NotFoundError')) : real(c));
      });
    }
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) pageErrors.push(`${label} console: ${m.text()}`);
    });
    return page;
  };
  const all = () => [pages.host!, pages.ann!, pages.bo!];
  const others = (me: keyof typeof uuids) => (Object.keys(uuids) as (keyof typeof uuids)[]).filter((k) => k !== me);

  /** Fills the join form (the camera preview must be live first) and waits for the meeting with media connected. */
  const join = async (page: Page, name: string, extra: (p: Page) => Promise<void> = async () => undefined) => {
    await page.locator('body[data-ready="true"]').waitFor();
    await page.locator('#preview[data-state="ready"][data-camera="true"][data-microphone="true"]').waitFor();
    await page.locator('#preview-video:not([hidden])').waitFor();
    await eventually(async () => assert.ok(await page.locator('#preview-video').evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth > 0), 'the camera preview plays'));
    return enter(page, name, extra);
  };
  const enter = async (page: Page, name: string, extra: (p: Page) => Promise<void>) => {
    await page.fill('#display-name', name);
    await extra(page);
    await page.click('#join-button');
    await page.locator('#meeting-screen').waitFor();
    await page.locator('#stage[data-media="connected"]').waitFor();
    return (await page.locator('#roster li', { hasText: name }).getAttribute('data-uuid')) ?? '';
  };

  before(async () => {
    t = await startMediaServer();
    await t.createUser(HOST.username, HOST.password);
    const token = await t.signIn(HOST.username, HOST.password, 'test-setup');
    rest = restFor(t, 'test-setup', token);
    const created = await instantMeeting(t, token, 'test-setup', 'Media standup');
    meeting = { number: created.meeting_number, password: created.meeting_password, key: created.key };
    const voice = `${t.dataDir}/voice.wav`;
    writeFileSync(voice, speechLikeWav());
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...ARGS, `--use-file-for-fake-audio-capture=${voice}`] });
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('three pages join (the host signed in by number, a guest by link, a guest with the password); media connects', async () => {
    pages.host = await newPage('host');
    await pages.host.goto(`${t.url}/app/`);
    uuids.host = await join(pages.host, 'Mona Host', async (p) => {
      await p.fill('#meeting-number', meeting.number);
      await p.click('#sign-in summary');
      await p.fill('#username', HOST.username);
      await p.fill('#password', HOST.password);
    });
    pages.ann = await newPage('ann');
    await pages.ann.goto(`${t.url}/j/${meeting.key}`);
    await pages.ann.getByRole('link', { name: 'Join in the browser' }).click();
    await pages.ann.waitForURL(/\/app\/#key=/);
    uuids.ann = await join(pages.ann, 'Ann Guest');
    assert.equal(await pages.ann.inputValue('#meeting-number'), meeting.number);
    pages.bo = await newPage('bo');
    await pages.bo.goto(`${t.url}/app/`);
    uuids.bo = await join(pages.bo, 'Bo Guest', async (p) => {
      await p.fill('#meeting-number', meeting.number);
      await p.fill('#passcode', meeting.password);
    });
    for (const u of Object.values(uuids)) assert.match(u, /^[0-9a-f-]{36}$/);
    for (const page of all()) await page.locator('#participant-count[data-count="3"]').waitFor();
  });

  it('each page receives the others’ video (decoded, in their tiles) and audio', async () => {
    for (const me of Object.keys(uuids) as (keyof typeof uuids)[]) {
      const page = pages[me]!;
      // Its own tile shows the local camera, not something the SFU sent back.
      await page.locator(`#stage .tile[data-uuid="${uuids[me]}"] video[data-slot="self"]`).waitFor();
      assert.equal((await sinks(page)).filter((s) => s.uuid === uuids[me]).length, 0, `${me} is sent nothing of its own`);
      await eventually(() => receives(page, others(me).map((o) => uuids[o])));
    }
    // The microphones talk: the SFU names a dominant speaker, whose tile is highlighted. (The host's page: it was in
    // the meeting when the first speaker was elected; see the next test for the others.)
    await eventually(async () => {
      const speaker = (await pages.host!.locator('#stage').getAttribute('data-speaker')) ?? '';
      assert.ok(Object.values(uuids).includes(speaker), `a dominant speaker: ${speaker}`);
      assert.equal(await pages.host!.locator(`#stage .tile[data-uuid="${speaker}"]`).getAttribute('data-speaking'), 'true');
    });
  });

  it('every page highlights the same dominant speaker, also those that joined after it was elected', async () => {
    await eventually(async () => {
      const named = await Promise.all(all().map(async (p) => (await p.locator('#stage').getAttribute('data-speaker')) ?? ''));
      assert.ok(named[0] !== '' && named.every((u) => u === named[0]), `one dominant speaker on every page: ${JSON.stringify(named)}`);
    }, 3000);
  });

  it('the host mutes Bo through the REST API: nobody receives Bo’s audio any more, and Bo’s page shows the mute lock', async () => {
    const { host, ann, bo } = pages as Required<typeof pages>;
    const before = (await sinks(ann)).find((s) => s.slot === 'audio' && s.uuid === uuids.bo);
    assert.ok(before, 'Ann hears Bo before the mute');
    await rest.mute(meeting.number, [uuids.bo], false);
    await bo.locator('#mic[data-muted="true"][data-locked="true"]').waitFor();
    assert.match(await bo.locator('#mic-note').innerText(), /host muted you/);
    for (const page of [host, ann]) {
      await eventually(async () => assert.equal((await sinks(page)).filter((s) => s.uuid === uuids.bo && s.slot === 'audio').length, 0, 'no audio slot carries Bo'));
    }
    // The slot that carried Bo is silent now (nobody else is free to take it in a meeting of three).
    await eventually(async () => {
      const a = (await sinks(ann)).find((s) => s.slot === 'audio' && s.index === before.index)!;
      await sleep(1500);
      const b = (await sinks(ann)).find((s) => s.slot === 'audio' && s.index === before.index)!;
      assert.equal(b.uuid, '', 'the slot is empty');
      assert.equal(b.packets, a.packets, `audio slot ${before.index} is silent`);
    });
    await rest.unmute(meeting.number, [uuids.bo]);
    await bo.locator('#mic[data-locked="false"]').waitFor();
    if ((await bo.getAttribute('#mic', 'data-muted')) === 'true') await bo.click('#mic');
    await eventually(async () => {
      const { first, later } = await flow(ann, 'audio', uuids.bo);
      assert.ok(later.packets > first.packets, 'Ann hears Bo again');
    });
  });

  it('lecturer, then pin: the viewers’ big tile plays that participant from video slot 0; a one-tile layout follows slot 0', async () => {
    const { host, ann, bo } = pages as Required<typeof pages>;
    const bigShows = async (page: Page, uuid: string) => {
      await page.locator(`#stage .tile[data-big="true"][data-uuid="${uuid}"]`).waitFor();
      await eventually(async () => {
        const { first, later } = await flow(page, 'video', uuid);
        assert.equal(first.index, '0', 'the focus comes in video slot 0');
        assert.ok(later.big && later.frames > first.frames, `the big tile plays ${uuid}: ${JSON.stringify(later)}`);
      });
    };
    await rest.setLecturer(meeting.number, uuids.ann);
    for (const page of [host, bo]) await bigShows(page, uuids.ann);
    await ann.locator(`#stage .tile[data-big="true"][data-uuid="${uuids.ann}"] video[data-slot="self"]`).waitFor();

    await rest.pin(meeting.number, uuids.bo);
    for (const page of [host, ann]) await bigShows(page, uuids.bo);
    await rest.unpin(meeting.number);
    await rest.unsetLecturer(meeting.number);
    await host.locator('#stage[data-mode="grid"]').waitFor();

    // One tile for Ann: whoever the SFU puts in her slot 0 fills it.
    await rest.layoutChange(meeting.number, uuids.ann, 1);
    await ann.locator('#stage[data-mode="single"]').waitFor();
    await eventually(async () => {
      const focus = (await ann.locator('#stage').getAttribute('data-focus')) ?? '';
      assert.ok(focus === uuids.host || focus === uuids.bo, `slot 0 has someone: ${focus}`);
      assert.equal(await ann.locator('#stage .tile').count(), 1);
      assert.equal(await ann.locator('#stage .tile').getAttribute('data-uuid'), focus);
      const { first, later } = await flow(ann, 'video', focus);
      assert.ok(later.big && later.frames > first.frames);
    });
    await rest.layoutChange(meeting.number, uuids.ann, 9);
    await ann.locator('#stage[data-mode="grid"]').waitFor();
  });

  it('a text overlay from the REST API appears on every page', async () => {
    await rest.startOverlay(meeting.number, { content: 'Media works', position: 100, enable_scroll: false });
    for (const page of all()) {
      await page.locator('#overlay[data-position="bottom"]').waitFor();
      assert.equal(await page.locator('#overlay-text').innerText(), 'Media works');
    }
    await rest.stopOverlay(meeting.number);
    for (const page of all()) await page.locator('#overlay').waitFor({ state: 'hidden' });
  });

  it('the host records from the host controls: every page shows that the meeting is recorded; no live button for a Normal host', async () => {
    const { host } = pages as Required<typeof pages>;
    assert.equal(await host.locator('#live-toggle').isHidden(), true, 'live streaming is for MeetingOperator and SystemAdmin');
    await host.click('#record-toggle');
    for (const page of all()) await page.locator('#rec-badge:not([hidden])').waitFor({ timeout: 20_000 });
    await host.locator('#record-toggle[data-recording="true"]').waitFor();
    assert.equal(await host.locator('#record-toggle').innerText(), 'Stop recording');
    await host.click('#record-toggle');
    for (const page of all()) await page.locator('#rec-badge').waitFor({ state: 'hidden' });
    const [rec] = (await rest.listRecordings({ meeting_number: meeting.number })).recordings;
    assert.equal(rec?.started_by_name, HOST.username);
  });

  it('Ann shares her screen: the others see it as content, large; stopping removes it', async () => {
    const { host, ann, bo } = pages as Required<typeof pages>;
    await ann.locator('#share:not([hidden])').click();
    await ann.locator('#share[data-sharing="true"]').waitFor();
    await ann.locator(`#stage .tile[data-content="true"][data-uuid="${uuids.ann}"] video[data-slot="local-content"]`).waitFor();
    for (const page of [host, bo]) {
      await page.locator(`#stage .tile.big[data-content="true"][data-uuid="${uuids.ann}"]`).waitFor();
      await eventually(async () => {
        const { first, later } = await flow(page, 'content', uuids.ann);
        assert.ok(later.tile === uuids.ann && later.frames > first.frames, `the content tile plays Ann's screen: ${JSON.stringify(later)}`);
      });
    }
    await ann.click('#share');
    await ann.locator('#share[data-sharing="false"]').waitFor();
    for (const page of [host, bo]) await page.locator('#stage .tile[data-content="true"]').waitFor({ state: 'detached' });
  });

  it('a dropped signalling connection is resumed, and the media are set up again with it', async () => {
    const connects = await Promise.all(all().map(async (p) => Number(await p.locator('#stage').getAttribute('data-media-connects'))));
    // Cut every signalling connection on the server side, as a network failure would.
    for (const socket of t.server.app.websocketServer.clients) socket.terminate();
    for (const [i, page] of all().entries()) {
      await page.locator('body[data-resumes="1"]').waitFor();
      await page.locator(`#stage[data-media="connected"][data-media-connects="${connects[i]! + 1}"]`).waitFor();
    }
    for (const me of Object.keys(uuids) as (keyof typeof uuids)[]) await eventually(() => receives(pages[me]!, others(me).map((o) => uuids[o])));
  });

  it('the media worker dies: every page is told (media.restart), reconnects to its replacement and receives again', async () => {
    const connects = await Promise.all(all().map(async (p) => Number(await p.locator('#stage').getAttribute('data-media-connects'))));
    const [worker, ...more] = mediaWorkerPids();
    assert.ok(worker !== undefined && more.length === 0, 'the one media worker of this server');
    process.kill(worker, 'SIGKILL');
    for (const [i, page] of all().entries()) {
      await page.locator(`#stage[data-media="connected"][data-media-connects="${connects[i]! + 1}"]`).waitFor({ timeout: 30_000 });
    }
    assert.equal(mediaWorkerPids().includes(worker), false, 'a new worker took over');
    for (const me of Object.keys(uuids) as (keyof typeof uuids)[]) await eventually(() => receives(pages[me]!, others(me).map((o) => uuids[o])));
  });

  it('the host removes Bo through the REST API: Bo’s page says so; the others are two', async () => {
    const { host, ann, bo } = pages as Required<typeof pages>;
    await rest.disconnect(meeting.number, [uuids.bo]);
    await bo.locator('#end-screen[data-reason="RemovedFromMeeting"]').waitFor();
    assert.match(await bo.locator('#end-message').innerText(), /host removed you/);
    for (const page of [host, ann]) {
      await page.locator('#participant-count[data-count="2"]').waitFor();
      await eventually(async () => assert.equal((await sinks(page)).filter((s) => s.uuid === uuids.bo).length, 0));
    }
    await bo.context().close();
  });

  it('a participant without a camera joins with audio only: heard by the others, no video slot', async () => {
    const { host, ann } = pages as Required<typeof pages>;
    const cy = await newPage('cy', { noCamera: true });
    await cy.goto(`${t.url}/app/`);
    await cy.locator('body[data-ready="true"]').waitFor();
    await cy.locator('#preview[data-state="ready"][data-camera="false"][data-microphone="true"]').waitFor();
    assert.match(await cy.locator('#preview-note').innerText(), /No camera/);
    assert.equal(await cy.isDisabled('#join-camera'), true);
    assert.equal(await cy.isChecked('#join-camera'), false);
    const uuid = await enter(cy, 'Cy Guest', async (p) => {
      await p.fill('#meeting-number', meeting.number);
      await p.fill('#passcode', meeting.password);
    });
    assert.equal(await cy.getAttribute('#camera', 'data-muted'), 'true');
    assert.equal(await cy.isDisabled('#camera'), true, 'nothing to start');
    await host.locator(`#roster li[data-uuid="${uuid}"] .cam[data-muted="true"]`).waitFor();
    for (const page of [host, ann]) {
      await eventually(async () => {
        const { first, later } = await flow(page, 'audio', uuid);
        assert.ok(later.packets > first.packets, 'Cy is heard');
      });
      assert.equal((await sinks(page)).filter((s) => s.slot === 'video' && s.uuid === uuid).length, 0, 'no video of Cy');
    }
    // Cy still sees and hears the others.
    await eventually(() => receives(cy, [uuids.host, uuids.ann]));
    assert.deepEqual(pageErrors, []);
  });
});

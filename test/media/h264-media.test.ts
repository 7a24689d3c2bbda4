/**
 * H.264 beside VP8: three Chromium pages of the browser app in one meeting, one limited to H.264 (constrained
 * baseline, packetization-mode 1) and one to VP8 by codec preferences (as a Safari-style client or an H.264 room
 * system, and a VP8-only client), one with the browser's defaults. The SFU forwards each publisher's stream in the
 * codec it publishes, to every viewer that negotiated that codec; there is no transcoding.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type AppPage, decodes, framesFrom, joinAppPage } from '../support/app-page.ts';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS, REQUIRE_CHROMIUM, SKIP_WITHOUT_CHROMIUM } from '../support/browser.ts';
import { sleep } from '../support/eventually.ts';
import { instantMeeting } from '../support/live.ts';
import { skipUnlessIsolated, startMediaServer } from '../support/media.ts';
import type { TestServer } from '../support/server.ts';

/** Codec preferences on every video transceiver before each offer and answer: only `mime` (H.264: pm 1, 42e01f). */
function only(mime: 'video/H264' | 'video/VP8'): () => void {
  // Runs in the page: no closure over test variables but the argument, which is inlined below.
  return new Function(`
    const keep = (c) => c.mimeType === '${mime}' && (c.mimeType !== 'video/H264' || /packetization-mode=1/.test(c.sdpFmtpLine || '') && /profile-level-id=42e01f/.test(c.sdpFmtpLine || ''));
    const prefer = (pc) => {
      const codecs = RTCRtpReceiver.getCapabilities('video').codecs.filter(keep);
      for (const t of pc.getTransceivers()) if (t.receiver.track.kind === 'video') t.setCodecPreferences(codecs);
    };
    for (const name of ['createOffer', 'createAnswer']) {
      const native = RTCPeerConnection.prototype[name];
      RTCPeerConnection.prototype[name] = function (...args) { prefer(this); return native.apply(this, args); };
    }
  `) as () => void;
}

/** The codecs (MIME types, lower case) of the video the page decodes, over all its slots. */
const decodedCodecs = (page: Page) =>
  page.evaluate(`Promise.all(globalThis.connections.map(async (pc) => {
    const reports = new Map(); (await pc.getStats()).forEach((r) => reports.set(r.id, r));
    return [...reports.values()].filter((r) => r.type === 'inbound-rtp' && r.kind === 'video' && r.framesDecoded > 0).map((r) => String(reports.get(r.codecId)?.mimeType).toLowerCase());
  })).then((lists) => [...new Set(lists.flat())].sort())`) as Promise<string[]>;

/** Keyframe requests (PLI) the page's camera has received so far, over its publisher connection. */
const pliReceived = (page: Page) =>
  page.evaluate(`Promise.all(globalThis.connections.map(async (pc) => {
    let n = 0; (await pc.getStats()).forEach((r) => { if (r.type === 'outbound-rtp' && r.kind === 'video') n += r.pliCount ?? 0; });
    return n;
  })).then((counts) => counts.reduce((a, b) => a + b, 0))`) as Promise<number>;

describe('H.264 and VP8 in one meeting (Chromium with codec preferences)', { skip: skipUnlessIsolated() || SKIP_WITHOUT_CHROMIUM }, () => {
  let t: TestServer;
  let browser: Browser | undefined;
  let h264: AppPage;
  let vp8: AppPage;
  let both: AppPage;

  before(async () => {
    if (REQUIRE_CHROMIUM) assertChromium();
    t = await startMediaServer();
    await t.createUser('codec-owner', 'Owner-Passw0rd!');
    const token = await t.signIn('codec-owner', 'Owner-Passw0rd!', 'codec-owner-device');
    const created = await instantMeeting(t, token, 'codec-owner-device', 'Mixed codecs');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const url = `${t.url}/app/#key=${created.key}`;
    h264 = await joinAppPage(browser, url, 'Hana H264', only('video/H264'));
    vp8 = await joinAppPage(browser, url, 'Vic Vp8', only('video/VP8'));
    both = await joinAppPage(browser, url, 'Bea Both');
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('a browser that decodes both sees the H.264-only publisher in H.264 and the VP8-only one in VP8', async () => {
    await decodes(both.page, h264.uuid);
    await decodes(both.page, vp8.uuid);
    assert.deepEqual(await decodedCodecs(both.page), ['video/h264', 'video/vp8']);
  });

  it('the H.264-only browser decodes H.264 only; the VP8-only one VP8 only (each publishes in its own codec)', async () => {
    assert.deepEqual(await decodedCodecs(vp8.page), ['video/vp8']);
    await decodes(vp8.page, both.uuid);
    // A browser offering both publishes VP8 (its first preference): nothing the H.264-only page can decode yet.
    assert.deepEqual(await decodedCodecs(h264.page), []);
  });

  it('no transcoding: a viewer gets no picture from a publisher whose codec it did not negotiate (the documented limit)', async () => {
    // Frames decoded over 2 s, not since the page started: a tile's video element may have played someone else's
    // frames on its slot before the slot was given to this publisher (its counter runs on).
    const pairs = [
      [h264.page, vp8.uuid, 'the H.264-only page has no picture of the VP8-only publisher'],
      [h264.page, both.uuid, 'nor of the VP8 publisher that could have sent H.264'],
      [vp8.page, h264.uuid, 'the VP8-only page has no picture of the H.264-only publisher'],
    ] as const;
    await sleep(1000);
    const before = await Promise.all(pairs.map(([page, uuid]) => framesFrom(page, uuid)));
    await sleep(2000);
    for (const [i, [page, uuid, what]] of pairs.entries()) assert.equal((await framesFrom(page, uuid)) - before[i]!, 0, what);
  });

  it('a viewer that cannot take a publisher’s codec does not make the SFU ask that publisher for keyframe after keyframe', async () => {
    // The H.264-only page has a tile for the VP8-only publisher that never gets a picture; were the SFU to wait for a
    // keyframe there as for any switched slot, it would ask for one every second, for the whole meeting.
    const before = await pliReceived(vp8.page);
    await sleep(5000);
    const asked = (await pliReceived(vp8.page)) - before;
    assert.ok(asked <= 1, `keyframe requests to the VP8-only publisher in 5 s: ${asked}`);
  });
});

/**
 * The publisher hop's congestion control with a real Chromium publisher (the browser app): the SFU answers its
 * transport-wide sequence numbers with transport-cc feedback of its own, so the browser's estimator ramps up to the
 * meeting's call rate within seconds on a clean link, and backs off when its uplink is limited (tc tbf on the
 * publisher's UDP port, inside the media tests' network namespace) while its audio still reaches a viewer cleanly.
 * Also what the SFU negotiates for that: Opus in-band FEC and DTX, transport-cc, NACK, as Chromium reads them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type AppPage, decodes, joinAppPage } from '../support/app-page.ts';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS, REQUIRE_CHROMIUM, SKIP_WITHOUT_CHROMIUM } from '../support/browser.ts';
import { sleep } from '../support/eventually.ts';
import { skipUnlessIsolated, startMediaServer } from '../support/media.ts';
import type { TestServer } from '../support/server.ts';

const CALL_RATE_KBPS = 1024;
const LIMIT_KBIT = 600;

/** What the publisher's connection says about its sending, summed over its outbound streams. */
interface SendStats {
  at: number;
  /** Bytes of RTP payload and headers sent, audio and video. */
  bytes: number;
  audioPackets: number;
  /** The estimator's figure for the path (candidate pair), bps. */
  available: number;
  /** What the video encoder is asked for, bps. */
  target: number;
  nacks: number;
}

const sendStats = (page: Page) =>
  page.evaluate(`(async () => {
    const out = { at: Date.now(), bytes: 0, audioPackets: 0, available: 0, target: 0, nacks: 0 };
    for (const pc of globalThis.connections) {
      const reports = []; (await pc.getStats()).forEach((r) => reports.push(r));
      const video = reports.filter((r) => r.type === 'outbound-rtp' && r.kind === 'video');
      if (video.length === 0) continue;
      for (const r of reports) {
        if (r.type === 'outbound-rtp') { out.bytes += r.bytesSent + r.headerBytesSent; if (r.kind === 'audio') out.audioPackets += r.packetsSent; }
        if (r.type === 'outbound-rtp' && r.kind === 'video') { out.target = Math.max(out.target, r.targetBitrate ?? 0); out.nacks += r.nackCount ?? 0; }
        if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') out.available = Math.max(out.available, r.availableOutgoingBitrate ?? 0);
      }
    }
    return out;
  })()`) as Promise<SendStats>;

/** The viewer's received audio, over all its audio slots: samples played and those concealed (lost or late). */
const audioReceived = (page: Page) =>
  page.evaluate(`(async () => {
    const out = { samples: 0, concealed: 0, packetsLost: 0, packets: 0 };
    for (const pc of globalThis.connections) (await pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') { out.samples += r.totalSamplesReceived ?? 0; out.concealed += r.concealedSamples ?? 0; out.packetsLost += r.packetsLost ?? 0; out.packets += r.packetsReceived ?? 0; }
    });
    return out;
  })()`) as Promise<{ samples: number; concealed: number; packetsLost: number; packets: number }>;

/** The publisher connection's local UDP port (of its selected candidate pair). */
const publisherPort = (page: Page) =>
  page.evaluate(`(async () => {
    for (const pc of globalThis.connections) {
      const reports = new Map(); (await pc.getStats()).forEach((r) => reports.set(r.id, r));
      if (![...reports.values()].some((r) => r.type === 'outbound-rtp' && r.kind === 'video')) continue;
      const pair = [...reports.values()].find((r) => r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded');
      return reports.get(pair?.localCandidateId)?.port;
    }
  })()`) as Promise<number | undefined>;

/** The SDP the publisher connection got from the SFU (its answer). */
const publisherAnswer = (page: Page) =>
  page.evaluate(`globalThis.connections.find((pc) => pc.getSenders().some((s) => s.track?.kind === 'video'))?.remoteDescription?.sdp ?? ''`) as Promise<string>;

/**
 * A camera whose pictures cannot be compressed (noise, 640x360 at 20 fps, looped): the encoder then sends what the
 * estimate allows. Chromium's own fake camera draws a pattern VP8 codes in about 240 kbps whatever it is given, so
 * its send rate says nothing about the estimate, and an application-limited sender barely probes for more.
 */
function noiseCamera(dir: string): string {
  const [width, height, frames] = [640, 360, 10];
  const file = join(dir, 'noise.y4m');
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F20:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < frames; i++) parts.push(Buffer.from('FRAME\n'), randomBytes((width * height * 3) / 2));
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

const kbps = (from: SendStats, to: SendStats) => ((to.bytes - from.bytes) * 8) / (to.at - from.at);

describe('publisher bandwidth: transport-cc feedback from the SFU (Chromium)', { skip: skipUnlessIsolated() || SKIP_WITHOUT_CHROMIUM }, () => {
  let t: TestServer;
  let browser: Browser | undefined;
  let viewerBrowser: Browser | undefined;
  let dir = '';
  let publisher: AppPage;
  let viewer: AppPage;
  let shaped = false;
  /** The publisher's stats twice a second from the moment its media connected (its ramp starts there). */
  const samples: SendStats[] = [];
  let sampler: NodeJS.Timeout | undefined;

  before(async () => {
    if (REQUIRE_CHROMIUM) assertChromium();
    t = await startMediaServer();
    await t.createUser('bw-owner', 'Owner-Passw0rd!');
    const token = await t.signIn('bw-owner', 'Owner-Passw0rd!', 'bw-owner-device');
    const r = await t.call('POST', '/api/v1/meeting_schedule', {
      query: { client_id: 'bw-owner-device', token },
      // A reservation open now (an instant meeting takes the default call rate).
      body: { meeting_type: 'reservation', meeting_name: 'Ramp', schedule_start_time: Date.now() + 60_000, schedule_end_time: Date.now() + 3_600_000, time_to_join: -1, meeting_password: '', call_rate_type: `${CALL_RATE_KBPS}K` },
    });
    assert.equal(r.status, 200, r.text);
    const key = new URL(String(r.body.meeting_url)).pathname.split('/').pop()!;
    dir = mkdtempSync(join(tmpdir(), 'convene-bw-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, `--use-file-for-fake-video-capture=${noiseCamera(dir)}`] });
    // The viewer's own camera is Chromium's cheap fake one: only the publisher's encoder should load the machine.
    viewerBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const url = `${t.url}/app/#key=${key}`;
    publisher = await joinAppPage(browser, url, 'Pia Publisher');
    samples.push(await sendStats(publisher.page));
    sampler = setInterval(() => void sendStats(publisher.page).then((s) => samples.push(s), () => {}), 500);
    viewer = await joinAppPage(viewerBrowser, url, 'Vera Viewer');
  });
  after(async () => {
    clearInterval(sampler);
    if (shaped) execFileSync('tc', ['qdisc', 'del', 'dev', 'lo', 'root']);
    await browser?.close();
    await viewerBrowser?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('negotiates Opus in-band FEC and DTX, transport-cc with its header extension, and NACK and PLI for video', async () => {
    const sdp = await publisherAnswer(publisher.page);
    const opus = /a=rtpmap:(\d+) opus\/48000/i.exec(sdp)?.[1];
    assert.ok(opus, 'Opus answered');
    const fmtp = new RegExp(`a=fmtp:${opus} (.*)`).exec(sdp)?.[1] ?? '';
    assert.match(fmtp, /(^|;)useinbandfec=1(;|$)/, fmtp);
    assert.match(fmtp, /(^|;)usedtx=1(;|$)/, fmtp);
    assert.match(sdp, /a=extmap:\d+ http:\/\/www\.ietf\.org\/id\/draft-holmer-rmcat-transport-wide-cc-extensions-01/);
    const vp8 = /a=rtpmap:(\d+) VP8\/90000/.exec(sdp)?.[1];
    for (const fb of ['transport-cc', 'nack', 'nack pli']) assert.ok(sdp.includes(`a=rtcp-fb:${vp8} ${fb}\r\n`), `VP8 has ${fb}`);
    assert.match(sdp, new RegExp(`b=TIAS:${CALL_RATE_KBPS * 1000}`), 'the call rate caps the video');
  });

  it(`ramps up to most of the meeting's ${CALL_RATE_KBPS} kbps within 5 s on a clean link`, async () => {
    await decodes(viewer.page, publisher.uuid);
    const start = samples[0]!.at;
    while (Date.now() - start < 12_000) await sleep(500);
    clearInterval(sampler);
    const line = samples.map((s, i) => `${((s.at - start) / 1000).toFixed(1)}s avail ${Math.round(s.available / 1000)} target ${Math.round(s.target / 1000)} sent ${i > 0 ? Math.round(kbps(samples[i - 1]!, s)) : '-'}`).join('; ');
    console.log(`# clean link, from the publisher's media connecting: ${line}`);
    const reached = samples.find((s) => s.available >= 0.8 * CALL_RATE_KBPS * 1000);
    assert.ok(reached, `the estimate reached 80 % of ${CALL_RATE_KBPS} kbps: ${line}`);
    assert.ok(reached.at - start <= 5_000, `within 5 s: ${line}`);
    const last = samples.at(-1)!;
    const sent = kbps(samples.find((s) => s.at >= last.at - 4_000)!, last);
    assert.ok(sent >= 0.6 * CALL_RATE_KBPS, `and it sends accordingly (the last 4 s: ${Math.round(sent)} kbps): ${line}`);
  });

  it(`backs off under a ${LIMIT_KBIT} kbit/s uplink (tc tbf) and its audio reaches the viewer without gaps`, async () => {
    const port = await publisherPort(publisher.page);
    assert.ok(port, 'the publisher connection has a selected pair');
    // Only the publisher's packets go through the token bucket (class 1:10); everything else on lo takes class 1:20,
    // unlimited. (This kernel has htb and tbf, not prio.)
    const tc = (...args: string[]) => execFileSync('tc', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '20');
    shaped = true;
    tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '1gbit');
    tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '1gbit');
    tc('qdisc', 'add', 'dev', 'lo', 'parent', '1:10', 'handle', '10:', 'tbf', 'rate', `${LIMIT_KBIT}kbit`, 'burst', '6000', 'latency', '200ms');
    tc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'protocol', '17', '0xff', 'match', 'ip', 'sport', String(port), '0xffff', 'flowid', '1:10');
    const limited: SendStats[] = [];
    const start = Date.now();
    let audioFrom: Awaited<ReturnType<typeof audioReceived>> | undefined;
    while (Date.now() - start < 20_000) {
      limited.push(await sendStats(publisher.page));
      if (!audioFrom && Date.now() - start >= 8_000) audioFrom = await audioReceived(viewer.page);
      await sleep(1000);
    }
    const audioTo = await audioReceived(viewer.page);
    const line = limited.map((s, i) => `${Math.round((s.at - start) / 1000)}s avail ${Math.round(s.available / 1000)} target ${Math.round(s.target / 1000)} sent ${i > 0 ? Math.round(kbps(limited[i - 1]!, s)) : '-'}`).join('; ');
    const concealed = (audioTo.concealed - audioFrom!.concealed) / Math.max(1, audioTo.samples - audioFrom!.samples);
    console.log(`# ${LIMIT_KBIT} kbit/s uplink: ${line}; viewer audio from 8 s on: ${(concealed * 100).toFixed(2)} % concealed, ${audioTo.packetsLost - audioFrom!.packetsLost} lost of ${audioTo.packets - audioFrom!.packets}; NACKs the publisher got: ${limited.at(-1)!.nacks - limited[0]!.nacks}`);
    // After the first seconds (the queue the ramp had built drains), the estimate and the rate sit under the limit.
    const settled = limited.slice(8);
    // The estimate probes above the link now and then and falls back when the queue overflows (seen: up to 783 then
    // 436 within 20 s); the link is what it sits at, so its median, not each sample, stays under the limit.
    const estimates = settled.map((s) => s.available).sort((x, y) => x - y);
    const median = estimates[Math.floor(estimates.length / 2)]!;
    assert.ok(median < LIMIT_KBIT * 1000, `the estimate sits under ${LIMIT_KBIT} kbit/s (median ${Math.round(median / 1000)}): ${line}`);
    const sent = kbps(settled[0]!, settled.at(-1)!);
    assert.ok(sent < LIMIT_KBIT, `sent ${Math.round(sent)} kbps: ${line}`);
    assert.ok(sent > LIMIT_KBIT * 0.3, `but it still uses the link (${Math.round(sent)} kbps): ${line}`);
    // A publisher that does not back off fills the bucket's queue and loses audio with its video (measured without
    // the SFU's feedback: 14 packets lost, 2.6 % concealed); concealment alone also counts the machine's own hiccups.
    const lost = audioTo.packetsLost - audioFrom!.packetsLost;
    assert.ok(lost <= 2, `viewer audio packets lost: ${lost}`);
    assert.ok(concealed < 0.03, `viewer audio concealed ${(concealed * 100).toFixed(2)} %`);
    // NACKs from the SFU are logged above, not asserted: when the sender backs off before the bucket overflows
    // nothing is lost and there is nothing to ask for again (seen: 0 and 22 NACKs in runs that both passed the rest).
    // NACK is negotiated (first test) and answered on the viewer hop (rtp-transmitter-media).
  });
});

/**
 * Recording from the SFU with real media (@roamhq/wrtc participants: libwebrtc encoding VP8 and Opus) and Debian's
 * ffmpeg: the host starts and stops through the REST API, the participants are told, and the file is checked the way
 * a user would — ffprobe's duration and streams, every frame decoding, seeking, the picture following the pin — and
 * downloaded with range requests. Loopback-only namespace (scripts/test.ts: unshare -n).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EventOf } from '../../contract/signal/protocol.ts';
import type { RestClient } from '../../sdk/rest-client.ts';
import { RestError } from '../../sdk/rest-client.ts';
import { eventually, sleep } from '../support/eventually.ts';
import { closeAll, instantMeeting, joinAs, restFor } from '../support/live.ts';
import { skipUnlessIsolated, startMediaServer } from '../support/media.ts';
import { brightnessAt, decodeErrors, keyframeTimes, meanVolume, probe, skipWithoutFfmpeg } from '../support/recording.ts';
import type { TestServer } from '../support/server.ts';
import { WrtcParticipant } from '../support/wrtc-peer.ts';

const OWNER = { username: 'rec-owner', password: 'owner-pw-1' };
const DARK = 40;
const BRIGHT = 220;

const refused = async (call: Promise<unknown>, status: number, errorCode: string) => {
  await assert.rejects(call, (e: unknown) => e instanceof RestError && e.status === status && e.errorCode === errorCode);
};

describe('recording a meeting from the SFU (speaker layout)', { skip: skipUnlessIsolated() || skipWithoutFfmpeg() }, () => {
  let t: TestServer;
  let host: RestClient;
  let number = '';
  let passcode = '';
  const peers: WrtcParticipant[] = [];
  const statuses: Array<EventOf<'session.status'>> = [];

  before(async () => {
    // One recording at a time on this server: a second meeting's is refused for want of resources.
    t = await startMediaServer({ CONVENE_MAX_RECORDINGS: '1' });
    await t.createUser(OWNER.username, OWNER.password);
    const token = await t.signIn(OWNER.username, OWNER.password, 'rec-owner-device');
    const meeting = await instantMeeting(t, token, 'rec-owner-device');
    number = meeting.meeting_number;
    passcode = meeting.meeting_password;
    host = restFor(t, 'rec-owner-device', token);
    // Ana talks (the active speaker) in front of a dark background; Ben is silent in front of a bright one.
    const ana = new WrtcParticipant(await joinAs(t, { meeting_number: number, client_id: 'rec-owner-device', display_name: 'Ana', passcode, token }), { shade: DARK, loudness: 0.3 });
    const ben = new WrtcParticipant(await joinAs(t, { meeting_number: number, client_id: 'rec-ben', display_name: 'Ben', passcode }), { shade: BRIGHT, loudness: 0 });
    peers.push(ana, ben);
    ana.signal.on('session.status', (e) => statuses.push(e));
    await Promise.all(peers.map((p) => p.start()));
  });
  after(async () => {
    for (const p of peers) p.close();
    await closeAll(peers.map((p) => p.signal));
    await t?.close();
  });

  it('records what the meeting shows and says: a seekable WebM of the right length, with the pinned participant’s picture after the pin', async () => {
    // Everyone's media flows before the recording starts (the recorder then gets keyframes at once).
    await eventually(async () => assert.ok(((await peers[1]!.inbound()).get(peers[1]!.midOf('video', 'rec-owner-device') ?? '')?.frames ?? 0) > 0));
    const started = Date.now();
    await host.recording(number, true);
    await eventually(() => assert.equal(statuses.at(-1)?.recording_status, 'STARTED', 'participants are told'));
    await refused(host.recording(number, true), 409, '0x0000f006');

    // CONVENE_MAX_RECORDINGS (1) reached: the owner's other meeting is not recorded ("insufficient resources").
    const otherToken = await t.signIn(OWNER.username, OWNER.password, 'rec-owner-laptop');
    const other = await instantMeeting(t, otherToken, 'rec-owner-laptop', 'Another meeting');
    const otherHost = await joinAs(t, { meeting_number: other.meeting_number, client_id: 'rec-owner-laptop', display_name: 'Ana', passcode: other.meeting_password, token: otherToken });
    try {
      await refused(restFor(t, 'rec-owner-laptop', otherToken).recording(other.meeting_number, true), 503, '0x0000f004');
    } finally {
      await closeAll([otherHost]);
    }

    // A participant joining later sees that the meeting is recorded.
    const late = await joinAs(t, { meeting_number: number, client_id: 'rec-late', display_name: 'Lea', passcode });
    try {
      assert.equal(late.events.findLast((e) => e.type === 'session.status')?.recording_status, 'STARTED');
    } finally {
      await closeAll([late]);
    }

    await sleep(5000);
    await host.pin(number, 'rec-ben');
    await sleep(5000);
    await host.recording(number, false);
    const elapsedS = (Date.now() - started) / 1000;
    await eventually(() => assert.equal(statuses.at(-1)?.recording_status, 'NOT_STARTED'));
    await refused(host.recording(number, false), 409, '0x0000f100');

    const list = await eventually(async () => {
      const r = await host.listRecordings({ meeting_number: number });
      assert.equal(r.recordings[0]?.status, 'FINISHED', JSON.stringify(r.recordings[0]));
      return r;
    }, 30_000);
    const rec = list.recordings[0]!;
    assert.equal(list.total_size, 1);
    assert.equal(rec.layout, 'speaker');
    assert.equal(rec.started_by_name, OWNER.username);
    assert.equal(rec.notes, '');

    // The file as a user downloads it.
    const whole = await t.call('GET', rec.file_url, { query: { client_id: 'rec-owner-device', token: host.token! } });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['content-type'], 'video/webm');
    assert.equal(whole.raw.length, rec.size);
    const file = join(t.dataDir, 'downloaded.webm');
    writeFileSync(file, whole.raw);

    const p = probe(file);
    assert.ok(Math.abs(p.durationS - elapsedS) <= elapsedS * 0.1, `duration ${p.durationS} s for ${elapsedS.toFixed(1)} s recorded`);
    assert.ok(Math.abs(rec.duration / 1000 - p.durationS) < 0.1, 'the row says the same duration');
    assert.deepEqual(p.streams.map((s) => `${s.codec_type}/${s.codec_name}`).sort(), ['audio/opus', 'video/vp8']);
    assert.equal(decodeErrors(file), '', 'every frame decodes');
    assert.ok(keyframeTimes(file).length >= 2, 'keyframes to seek to');
    // Ana's tone (amplitude 0.3, about −13 dBFS while it sounds) is heard in the mix.
    assert.ok(meanVolume(file) > -30, `the talk is in the audio: mean ${meanVolume(file)} dBFS`);
    // Before the pin the active speaker (Ana, dark) is the picture; after it, Ben (bright). Seeking gets there.
    assert.ok(brightnessAt(file, 2.5) < 100, `dark picture early on: ${brightnessAt(file, 2.5)}`);
    assert.ok(brightnessAt(file, p.durationS - 1.5) > 150, `bright picture after the pin: ${brightnessAt(file, p.durationS - 1.5)}`);

    // A player's range requests.
    const part = await t.call('GET', rec.file_url, { query: { client_id: 'rec-owner-device', token: host.token! }, headers: { range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 100-199/${rec.size}`);
    assert.deepEqual(part.raw, whole.raw.subarray(100, 200));
    const tail = await t.call('GET', rec.file_url, { query: { client_id: 'rec-owner-device', token: host.token! }, headers: { range: `bytes=${rec.size}-` } });
    assert.equal(tail.status, 416);
    assert.equal(tail.headers['content-range'], `bytes */${rec.size}`);
  });

  it('records the gallery layout: a re-encoded 3×3 grid with both participants in their tiles', async () => {
    await host.recording(number, true, { layout: 'gallery' });
    // The re-encoding ffmpeg can take seconds to start on a loaded machine (2–4 s seen at load average 10 on 2 cores):
    // the recording is timed from when its first part has media in it, as a user would see it running.
    await eventually(async () => {
      const r = (await host.listRecordings({ meeting_number: number })).recordings.find((x) => x.layout === 'gallery');
      assert.ok(r, 'the gallery recording is listed');
      const parts = join(t.dataDir, 'recordings', r.recording_id);
      assert.ok(existsSync(parts) && readdirSync(parts).some((f) => f.endsWith('.webm') && statSync(join(parts, f)).size > 4096), 'ffmpeg is writing');
    }, 30_000, 100);
    await sleep(7000);
    await host.recording(number, false);
    const rec = await eventually(async () => {
      const r = (await host.listRecordings({ meeting_number: number })).recordings.find((x) => x.layout === 'gallery');
      assert.equal(r?.status, 'FINISHED', JSON.stringify(r));
      return r!;
    }, 30_000);
    const file = join(t.dataDir, 'recordings', `${rec.recording_id}.webm`);
    const p = probe(file);
    const video = p.streams.find((s) => s.codec_type === 'video');
    assert.deepEqual([video?.codec_name, video?.width, video?.height], ['vp8', 1278, 720]);
    assert.ok(p.durationS > 4 && p.durationS < 10, `duration ${p.durationS}`);
    assert.equal(decodeErrors(file), '', 'every frame decodes');
    // The first two tiles: Ben (bright, pinned: the large one) and Ana (dark), in either order.
    const tile = (i: number) => brightnessAt(file, p.durationS / 2, { x: i * 426, y: 0, width: 426, height: 240 });
    const [a, b] = [tile(0), tile(1)].sort((x, y) => x - y);
    assert.ok(a! < 100 && b! > 150, `one dark and one bright tile: ${tile(0)}, ${tile(1)}`);
  });
});

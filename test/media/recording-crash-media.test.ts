/**
 * Nothing recorded is lost: a recording goes on after its ffmpeg or its media worker is killed (in a new part, joined
 * when it is finalised), and after the server itself is killed with SIGKILL the next start finalises what was written;
 * a graceful shutdown finishes the file; a full disk stops the recording with its file finished and the meeting going
 * on. Each checked on the finished file with ffprobe and ffmpeg. Loopback-only namespace (scripts/test.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { EventOf } from '../../contract/signal/protocol.ts';
import { clientSecret } from '../../src/accounts/secret.ts';
import { RestClient } from '../../sdk/rest-client.ts';
import { eventually, sleep } from '../support/eventually.ts';
import { closeAll, fetchFor, instantMeeting, joinAs, restFor } from '../support/live.ts';
import { mediaWorkerPids, skipUnlessIsolated, startMediaServer } from '../support/media.ts';
import { decodeErrors, ffmpegPids, probe, skipWithoutFfmpeg } from '../support/recording.ts';
import { ADMIN_PASSWORD, createTestStorage, removeStorage, startServerProcess, startTestServer, type TestServer } from '../support/server.ts';
import { WrtcParticipant } from '../support/wrtc-peer.ts';

const MEDIA_ENV = { CONVENE_MEDIA: 'true', CONVENE_MEDIA_ADDRESS: '127.0.0.1', CONVENE_MEDIA_WORKERS: '1' };

type Recordings = Awaited<ReturnType<RestClient['listRecordings']>>['recordings'];

/** A meeting with one wrtc participant (the owner, talking, camera on) on `t`; returns the host's REST client. */
async function meetingOn(t: TestServer, name: string) {
  await t.createUser(name, `${name}-pw-1`);
  const token = await t.signIn(name, `${name}-pw-1`, `${name}-device`);
  const meeting = await instantMeeting(t, token, `${name}-device`);
  const host = restFor(t, `${name}-device`, token);
  const peer = new WrtcParticipant(
    await joinAs(t, { meeting_number: meeting.meeting_number, client_id: `${name}-device`, display_name: name, passcode: meeting.meeting_password, token }),
  );
  await peer.start();
  return { host, peer, number: meeting.meeting_number };
}

async function finished(host: RestClient, number: string, timeoutMs = 40_000): Promise<Recordings[number]> {
  return eventually(async () => {
    const r = (await host.listRecordings({ meeting_number: number })).recordings[0];
    assert.ok(r && (r.status === 'FINISHED' || r.status === 'FAILED'), JSON.stringify(r));
    return r;
  }, timeoutMs, 500);
}

/** The finished file's length and that it decodes, from the recordings folder. */
function checkFile(dataDir: string, rec: Recordings[number], minS: number, maxS: number): void {
  assert.equal(rec.status, 'FINISHED', rec.notes);
  const file = join(dataDir, 'recordings', `${rec.recording_id}.webm`);
  const p = probe(file);
  assert.ok(p.durationS >= minS && p.durationS <= maxS, `duration ${p.durationS} s, expected ${minS}–${maxS}`);
  assert.deepEqual(p.streams.map((s) => s.codec_type).sort(), ['audio', 'video']);
  assert.equal(decodeErrors(file), '', 'every frame decodes');
  // Seeking into the middle finds a frame.
  const frame = execFileSync('ffmpeg', ['-v', 'error', '-ss', String(p.durationS / 2), '-i', file, '-frames:v', '1', '-f', 'null', '-'], { encoding: 'utf8' });
  assert.equal(frame, '');
}

describe('recordings survive crashes and stops', { skip: skipUnlessIsolated() || skipWithoutFfmpeg() }, () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('a killed ffmpeg is restarted on a new part, and a killed media worker’s recorder starts again on its replacement: one file with both', async () => {
    const t = await startMediaServer();
    cleanup.push(() => t.close());
    const { host, peer, number } = await meetingOn(t, 'crash-a');
    cleanup.push(async () => {
      peer.close();
      await closeAll([peer.signal]);
    });
    const started = Date.now();
    await host.recording(number, true);
    const id = (await host.listRecordings({ meeting_number: number })).recordings[0]!.recording_id;
    await sleep(4000);
    const [first] = ffmpegPids(id);
    assert.ok(first, 'the recorder’s ffmpeg runs');
    process.kill(first, 'SIGKILL');
    await eventually(() => assert.ok(ffmpegPids(id).some((p) => p !== first), 'a new ffmpeg'));
    await sleep(3000);
    const [worker] = mediaWorkerPids();
    process.kill(worker!, 'SIGKILL');
    // The participant reconnects its media, as the apps do on media.restart.
    await eventually(() => assert.ok(peer.signal.events.some((e) => e.type === 'media.restart'), 'media.restart reached the participant'));
    await eventually(() => assert.ok(mediaWorkerPids().some((p) => p !== worker)), 15_000);
    await peer.start();
    await sleep(4000);
    await host.recording(number, false);
    const elapsed = (Date.now() - started) / 1000;
    const rec = await finished(host, number);
    assert.match(rec.notes, /interrupted.*new part.*interrupted.*new part/s, rec.notes);
    // A few seconds are lost at each crash (ffmpeg's restart, a worker's restart); the rest is there.
    checkFile(t.dataDir, rec, elapsed * 0.6, elapsed * 1.1);
  });

  it('after a kill -9 of the server the next start finalises the recording; a graceful stop finishes it; both play', async () => {
    const storage = await createTestStorage('sqlite');
    cleanup.push(() => removeStorage(storage));
    const proc = await startServerProcess(storage, MEDIA_ENV);
    cleanup.push(() => proc.kill());
    // The process's API as a TestServer, enough for the helpers.
    const remote = {
      url: proc.url,
      client: proc.client,
      call: (m: string, p: string, o?: object) => proc.client.call(m, p, o),
      signIn: async (username: string, password: string, clientId: string) =>
        (await proc.client.call('POST', '/api/v1/user/sign_in', { query: { client_id: clientId }, body: { username, secret: clientSecret(password) } })).body.user_token as string,
      async createUser(username: string, password: string) {
        const admin = await remote.signIn('admin', ADMIN_PASSWORD, 'crash-admin');
        await proc.client.call('POST', '/api/v1/user/users', { query: { client_id: 'crash-admin', token: admin }, body: { username, secret: clientSecret(password), role: 'Normal' } });
      },
    } as unknown as TestServer;
    const { host, peer, number } = await meetingOn(remote, 'crash-b');
    cleanup.push(async () => {
      peer.close();
      await closeAll([peer.signal]);
    });
    await host.recording(number, true);
    const id = (await host.listRecordings({ meeting_number: number })).recordings[0]!.recording_id;
    await sleep(6000);
    await proc.kill();
    peer.close();
    await closeAll([peer.signal]);
    // The recorder's ffmpeg finishes its part on its own once nothing feeds it.
    await eventually(() => assert.deepEqual(ffmpegPids(id), []), 15_000);

    const t = await startTestServer('sqlite', MEDIA_ENV, { storage });
    cleanup.push(() => t.close({ keepStorage: true }));
    const admin = restFor(t, 'crash-admin', await t.adminToken());
    const rec = await finished(admin, number);
    assert.match(rec.notes, /server stopped while recording/, rec.notes);
    checkFile(t.dataDir, rec, 4, 7.5);

    // A graceful shutdown (what SIGTERM does) while recording: the file is finished before the server stops.
    const second = await meetingOn(t, 'crash-c');
    await second.host.recording(second.number, true);
    await sleep(4000);
    second.peer.close();
    await t.close({ keepStorage: true });
    const again = await startTestServer('sqlite', {}, { storage });
    cleanup.push(() => again.close({ keepStorage: true }));
    const rows = await restFor(again, 'crash-admin', await again.adminToken()).listRecordings({ meeting_number: second.number });
    const graceful = rows.recordings[0]!;
    assert.equal(graceful.status, 'FINISHED', graceful.notes);
    assert.match(graceful.notes, /meeting ended/);
    checkFile(again.dataDir, graceful, 3, 6);
  });

  it('a full disk stops the recording cleanly: the hosts are told, the file is finished, the meeting goes on', async () => {
    const storage = await createTestStorage('sqlite');
    cleanup.push(() => removeStorage(storage));
    const folder = join(storage.dataDir, 'recordings');
    mkdirSync(folder, { recursive: true });
    // A tiny disk of its own for the recordings (a tmpfs in a mount namespace of the server's own).
    const proc = await startServerProcess(
      storage,
      { ...MEDIA_ENV, CONVENE_RECORDING_MIN_FREE_MB: '1' },
      { wrap: ['unshare', '-m', '--propagation', 'private', 'bash', '-c', `mount -t tmpfs -o size=1100k tmpfs '${folder}' && exec "$0" "$@"`] },
    );
    cleanup.push(() => proc.kill());
    const token = (await proc.client.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'disk-admin' }, body: { username: 'admin', secret: clientSecret(ADMIN_PASSWORD) } })).body.user_token as string;
    const remote = { url: proc.url, client: proc.client } as unknown as TestServer;
    const created = await proc.client.call('POST', '/api/v1/meeting_schedule', { query: { client_id: 'disk-admin', token }, body: { meeting_type: 'instant', meeting_name: 'Disk' } });
    const number = String(created.body.meeting_number);
    const host = new RestClient({ baseUrl: proc.url, clientId: 'disk-admin', token, fetch: fetchFor(remote) });
    const peer = new WrtcParticipant(await joinAs(remote, { meeting_number: number, client_id: 'disk-admin', display_name: 'Admin', passcode: String(created.body.meeting_password), token }), {
      width: 640,
      height: 360,
      fps: 30,
    });
    cleanup.push(async () => {
      peer.close();
      await closeAll([peer.signal]);
    });
    const stopped: Array<EventOf<'recording.stopped'>> = [];
    peer.signal.on('recording.stopped', (e) => stopped.push(e));
    await peer.start();
    await host.recording(number, true);
    await eventually(() => assert.equal(stopped[0]?.reason, 'diskFull'), 60_000, 500);
    await eventually(() => assert.equal(peer.signal.events.findLast((e) => e.type === 'session.status')?.recording_status, 'NOT_STARTED'));
    const rec = await finished(host, number);
    assert.equal(rec.status, 'FINISHED', rec.notes);
    assert.match(rec.notes, /disk was \(nearly\) full/);
    assert.ok(rec.duration > 1000, `something was recorded: ${rec.duration} ms`);
    // The meeting goes on.
    assert.equal((await host.liveMeeting(number)).participants.length, 1);
  });
});

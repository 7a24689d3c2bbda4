/**
 * The recording and streaming benchmark (issue #13): `npm run bench -- recording`, or
 * `node --import tsx bench/recording.ts [--meetings 10,25] [--seconds 10] [--mixed 10]`. Root (unshare -n), like
 * bench/media.ts.
 *
 * 1. Speaker recordings per core. M meetings, each with two synthetic publishers (node-datachannel: a real 20 ms Opus
 *    frame 50 times a second with an RFC 6464 level, and VP8-like video at 60 packets/s of 1100 bytes ≈ 530 kbit/s):
 *    one talks, one is silent — the usual meeting, where the mixer passes the talker's packets through. The CPU of the
 *    media worker and of every recorder ffmpeg over a window with all M recording, minus the worker's CPU over a
 *    window without recording (receiving and forwarding nothing else), divided by M: one recording's cost; its
 *    inverse: recordings per core. Also with both publishers talking (`--mixed` meetings: decode, mix, encode).
 * 2. The baseline in the same run: M ffmpeg processes started outside the server with the same command (the copy into
 *    WebM, src/media/recorder/ffmpeg-args.ts), fed the same synthetic RTP as plain UDP from this process: what the
 *    copy costs by itself.
 * 3. One live stream (HLS: decode VP8, encode H.264 854×480 and AAC) and one gallery recording (nine tiles decoded,
 *    scaled, stacked and encoded as VP8 1278×720) of a meeting with two @roamhq/wrtc publishers (real VP8 320×180 at
 *    15 frames/s, real Opus): the worker's extra CPU plus the recorder's ffmpeg; against the same ffmpeg commands fed
 *    the same kind of RTP from an ffmpeg generating VP8 and Opus (test pattern and tone) outside the server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ffmpegArgs, recorderSdp } from '../src/media/recorder/ffmpeg-args.ts';
import { opusCodecs } from '../src/media/recorder/opus-codec.ts';
import { childPid, HOST_CLIENT_ID, cpuSeconds, ensureIsolated, newMeeting, Peers, prioritise, type Server, signIn, sleep, startServer, stopChild } from './media-support.ts';
import { audioPacket, RtpStream, videoFrame } from './media-rtp.ts';
import { pad, padEnd } from './support.ts';

await ensureIsolated(import.meta.url, 'recording');

const { values: args } = parseArgs({
  options: {
    meetings: { type: 'string', default: '10,25' },
    mixed: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
  },
});
const options = { meetings: args.meetings.split(',').map(Number), mixed: Number(args.mixed), seconds: Number(args.seconds) };
if (options.meetings.some((m) => !(m >= 1))) throw new Error(`--meetings: counts of meetings, comma-separated (got ${args.meetings})`);

const GOAL_PER_CORE = 50;
const VIDEO_PPS = 60;
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');

/** Pids of every ffmpeg whose parent is `parent`. */
function ffmpegChildren(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && stat.includes('(ffmpeg)')) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

/** CPU (share of one core) of `pids` over `seconds`. */
async function cpuOver(pids: () => number[], seconds: number): Promise<number> {
  const before = new Map(pids().map((p) => [p, cpuSeconds(p)]));
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const wall = (Date.now() - t0) / 1000;
  let used = 0;
  for (const p of pids()) {
    const b = before.get(p);
    const now = cpuSeconds(p);
    if (b !== undefined && Number.isFinite(now)) used += now - b;
  }
  return used / wall;
}

async function recording(server: Server, token: string, number: string, start: boolean, layout: 'speaker' | 'gallery' = 'speaker'): Promise<void> {
  const r = await server.http.call(start ? 'POST' : 'DELETE', `/api/v1/meeting/${number}/recording`, { query: { client_id: HOST_CLIENT_ID, token }, body: start ? { layout } : {} });
  if (r.status !== 200) throw new Error(`recording ${start ? 'start' : 'stop'}: ${r.status} ${r.text}`);
}

async function live(server: Server, token: string, number: string, start: boolean): Promise<void> {
  const r = await server.http.call(start ? 'POST' : 'DELETE', `/api/v1/meeting/${number}/live`, { query: { client_id: HOST_CLIENT_ID, token }, body: start ? { live_password: '123456' } : {} });
  if (r.status !== 200) throw new Error(`live ${start ? 'start' : 'stop'}: ${r.status} ${r.text}`);
}

// ---- the baseline: ffmpeg outside the server --------------------------------------------------------------------

interface Outside {
  pids(): number[];
  stop(): Promise<void>;
}

/** Free UDP port pairs on loopback (RTP, RTCP), found by binding. */
async function portPairs(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const port = 30_000 + 2 * Math.floor(Math.random() * 10_000);
    const ok = await Promise.all([port, port + 1].map((p) => new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(p, '127.0.0.1', () => s.close(() => resolve(true)));
    })));
    if (ok.every(Boolean) && !out.includes(port)) out.push(port);
  }
  return out;
}

/** `m` copy recorders (the server's command) fed synthetic RTP from this process at the publishers' rates. */
async function outsideCopies(m: number, dir: string): Promise<Outside> {
  const children: ChildProcess[] = [];
  const sender = createSocket('udp4');
  await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
  const pcm = new Int16Array(960).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / 48_000)));
  const opus = opusCodecs.encoder().encode(pcm);
  const feeds: Array<{ audio: number; video: number; a: RtpStream; v: RtpStream }> = [];
  for (let i = 0; i < m; i++) {
    const [audio, video] = await portPairs(2);
    const sdp = join(dir, `copy-${i}.sdp`);
    writeFileSync(sdp, recorderSdp({ audio: audio!, video: [video!] }));
    const out = join(dir, `copy-${i}`);
    mkdirSync(out, { recursive: true });
    children.push(spawn('ffmpeg', ffmpegArgs('speaker', { kind: 'file', dir: out }, sdp, 0, 3), { stdio: 'ignore' }));
    feeds.push({ audio: audio!, video: video!, a: new RtpStream(1000 + i, 111), v: new RtpStream(2000 + i, 96) });
  }
  await sleep(1000);
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
    for (const f of feeds) {
      sender.send(audioPacket(f.a, undefined, 30, opus), f.audio, '127.0.0.1');
      // About 60 video packets/s (a frame every 20 ms, every fifth of two packets), a keyframe each second.
      for (const p of videoFrame(f.v, ticks % 5 === 0 ? 2 : 1, ticks % 50 === 0)) sender.send(p, f.video, '127.0.0.1');
    }
  }, 20);
  return {
    pids: () => children.map((c) => c.pid!).filter(Boolean),
    async stop() {
      for (const c of children) c.kill('SIGINT');
      await sleep(1500);
      clearInterval(timer);
      for (const c of children) await stopChild(c, 'SIGKILL', 2000);
      sender.close();
    },
  };
}

/** ffmpeg generating real VP8 320×180 at 15 frames/s and Opus, as plain RTP, copied to every port of `video` and to `audio`. */
async function outsideTranscode(layout: 'speaker' | 'gallery', kind: 'file' | 'hls', dir: string): Promise<Outside> {
  const tiles = layout === 'gallery' ? 9 : 1;
  const [audio, ...video] = await portPairs(1 + tiles);
  const [srcAudio, srcVideo] = await portPairs(2);
  const sdp = join(dir, `${layout}-${kind}.sdp`);
  writeFileSync(sdp, recorderSdp({ audio: audio!, video }));
  const out = join(dir, `${layout}-${kind}`);
  mkdirSync(out, { recursive: true });
  const output = kind === 'hls' ? ({ kind: 'hls', dir: out, rtmpUrl: '' } as const) : ({ kind: 'file', dir: out } as const);
  const recorder = spawn('ffmpeg', ffmpegArgs(layout, output, sdp, 0, 3), { stdio: 'ignore' });
  // A relay: the generator's packets to every tile (as the SFU fans a picture out) and the audio.
  const relay = createSocket('udp4');
  const inA = createSocket('udp4');
  const inV = createSocket('udp4');
  await Promise.all([
    new Promise<void>((r) => relay.bind(0, '127.0.0.1', r)),
    new Promise<void>((r) => inA.bind(srcAudio!, '127.0.0.1', r)),
    new Promise<void>((r) => inV.bind(srcVideo!, '127.0.0.1', r)),
  ]);
  inA.on('message', (m) => relay.send(m, audio!, '127.0.0.1'));
  inV.on('message', (m) => {
    for (const port of video) relay.send(m, port, '127.0.0.1');
  });
  await sleep(800);
  const generator = spawn(
    'ffmpeg',
    [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=15', '-re', '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=48000',
      '-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '30', '-payload_type', '96', '-f', 'rtp', `rtp://127.0.0.1:${srcVideo}`,
      '-map', '1:a', '-c:a', 'libopus', '-b:a', '32k', '-payload_type', '111', '-f', 'rtp', `rtp://127.0.0.1:${srcAudio}`,
    ],
    { stdio: 'ignore' },
  );
  return {
    pids: () => [recorder.pid!],
    async stop() {
      recorder.kill('SIGINT');
      await sleep(1500);
      await stopChild(generator, 'SIGKILL', 2000);
      await stopChild(recorder, 'SIGKILL', 2000);
      for (const s of [relay, inA, inV]) s.close();
    },
  };
}

// ---- the run -------------------------------------------------------------------------------------------------------

const root = mkdtempSync(join(tmpdir(), 'convene-recording-bench-'));
const machine = cpus();
console.log(`# ${new Date().toISOString()}  node ${process.version}  ${machine.length} × ${machine[0]?.model ?? 'cpu'}  load average ${loadavg()[0]!.toFixed(1)}  measure: recording`);
let server: Server | undefined;
const peers: Peers[] = [];
const rows: Array<{ label: string; per: number; note: string }> = [];
let exitCode = 0;
try {
  server = await startServer(join(root, 'data'), undefined, { CONVENE_MAX_RECORDINGS: '1000', CONVENE_MAX_LIVE_STREAMS: '10', CONVENE_RECORDING_MIN_FREE_MB: '0', CONVENE_MAX_CALLS: '1000' });
  const token = await signIn(server.http);
  const s = server;
  // The worker now: one lost under load (health pings unanswered for 3 s) is replaced by a new process, and a window
  // that saw the change measured neither (marked "not measured" instead of reading as zero).
  const workerPid = () => childPid(s.pid, 'media/worker/main.ts') ?? s.workerPid;
  const worker = () => [workerPid()];
  const recorders = () => ffmpegChildren(workerPid());
  const lost = (before: number, pids: number[], expected: number) =>
    workerPid() !== before ? 'not measured: the media worker was lost and replaced meanwhile (machine overloaded?)'
    : pids.length < expected ? `not measured: ${pids.length} recorder ffmpeg found, ${expected} expected`
    : undefined;
  const pub = await Peers.start('publishers');
  peers.push(pub);

  // ---- 1. speaker recordings, one talker per meeting, and two -----------------------------------------------------
  const meetings: string[] = [];
  const talkers = new Map<string, boolean>();
  const addMeetings = async (n: number, bothTalk: boolean) => {
    while ([...talkers.values()].filter((b) => b === bothTalk).length < n) {
      const m = await newMeeting(s, token, `Bench recording ${meetings.length + 1}`);
      await pub.call({ cmd: 'publishers', meeting: m, names: [`rec-a-${meetings.length}`, `rec-b-${meetings.length}`], levels: bothTalk ? [30, 30] : [30, 127], opus: true });
      meetings.push(m.meetingNumber);
      talkers.set(m.meetingNumber, bothTalk);
    }
    await pub.call({ cmd: 'send', videoPps: VIDEO_PPS });
  };
  console.log(`\n# speaker recordings: 2 publishers per meeting (Opus 50/s + VP8-like ${VIDEO_PPS} packets/s each), ${options.seconds} s windows`);
  console.log(`${padEnd('', 30)} ${pad('worker %', 9)} ${pad('ffmpeg %', 9)} ${pad('extra %', 8)} ${pad('% each', 7)} ${pad('per core', 9)}`);
  for (const [label, counts, both] of [['one talker', options.meetings, false], ['both talking (mixed)', options.mixed > 0 ? [options.mixed] : [], true]] as const) {
    for (const m of counts) {
      await addMeetings(m, both);
      const chosen = [...talkers].filter(([, b]) => b === both).slice(0, m).map(([n]) => n);
      prioritise([s.pid, s.workerPid, pub.pid, process.pid]);
      await sleep(2000);
      const before = workerPid();
      const idle = await cpuOver(worker, options.seconds);
      for (const n of chosen) await recording(s, token, n, true);
      await sleep(3000);
      prioritise(recorders());
      const pids = recorders();
      const [workerCpu, ffmpegCpu] = await Promise.all([cpuOver(worker, options.seconds), cpuOver(() => pids, options.seconds)]);
      for (const n of chosen) await recording(s, token, n, false);
      const extra = workerCpu - idle + ffmpegCpu;
      const invalid = lost(before, pids, m);
      const each = invalid ? NaN : extra / m;
      console.log(`${padEnd(`${label}, ${m} recordings`, 30)} ${pad(f1(100 * workerCpu), 9)} ${pad(f1(100 * ffmpegCpu), 9)} ${pad(f1(100 * extra), 8)} ${pad(f2(100 * each), 7)} ${pad(f1(1 / each), 9)}`);
      rows.push({ label: `convene, ${label}, ${m} at once`, per: each, note: invalid ?? `worker ${f1(100 * (workerCpu - idle))} % more than without, ${pids.length} ffmpeg ${f1(100 * ffmpegCpu)} %` });
      await sleep(4000);
    }
  }
  const copies = options.meetings.at(-1)!;
  const outside = await outsideCopies(copies, root);
  await sleep(2000);
  const baseline = (await cpuOver(outside.pids, options.seconds)) / copies;
  await outside.stop();
  rows.push({ label: `ffmpeg alone, the same copy, ${copies} at once`, per: baseline, note: 'fed the same synthetic RTP from outside the server' });
  await pub.call({ cmd: 'close' });

  // ---- 3. one live stream and one gallery recording, real VP8 ----------------------------------------------------
  const m = await newMeeting(s, token, 'Bench transcoding');
  await pub.call({ cmd: 'wrtcPublishers', meeting: m, names: ['wrtc-a', 'wrtc-b'] });
  await sleep(3000);
  for (const [label, start, stop] of [
    ['live stream (HLS 854×480 H.264 + AAC)', () => live(s, token, m.meetingNumber, true), () => live(s, token, m.meetingNumber, false)],
    ['gallery recording (1278×720 VP8)', () => recording(s, token, m.meetingNumber, true, 'gallery'), () => recording(s, token, m.meetingNumber, false)],
  ] as const) {
    const before = workerPid();
    const idle = await cpuOver(worker, options.seconds);
    await start();
    await sleep(4000);
    const pids = recorders();
    const [workerCpu, ffmpegCpu] = await Promise.all([cpuOver(worker, options.seconds), cpuOver(() => pids, options.seconds)]);
    await stop();
    const invalid = lost(before, pids, 1);
    rows.push({ label: `convene, ${label}`, per: invalid ? NaN : workerCpu - idle + ffmpegCpu, note: invalid ?? `ffmpeg ${f1(100 * ffmpegCpu)} %, worker ${f1(100 * (workerCpu - idle))} % more` });
    await sleep(4000);
  }
  for (const [label, layout, kind] of [
    ['ffmpeg alone, the same HLS', 'speaker', 'hls'],
    ['ffmpeg alone, the same gallery', 'gallery', 'file'],
  ] as const) {
    const o = await outsideTranscode(layout, kind, root);
    await sleep(4000);
    rows.push({ label, per: await cpuOver(o.pids, options.seconds), note: 'VP8 320×180 15 frames/s and Opus from an ffmpeg generator' });
    await o.stop();
  }

  console.log(`\n${padEnd('', 58)} ${pad('CPU % of a core', 16)} ${pad('per core', 9)}`);
  for (const r of rows) console.log(`${padEnd(r.label, 58)} ${pad(f2(100 * r.per), 16)} ${pad(f1(1 / r.per), 9)}  ${r.note}`);
  const best = rows.filter((r) => r.label.startsWith('convene, one talker') && Number.isFinite(r.per)).map((r) => 1 / r.per);
  console.log(`# goal ≥ ${GOAL_PER_CORE} speaker recordings per core: ${best.some((b) => b >= GOAL_PER_CORE) ? 'met' : 'NOT met'} (${best.map(f1).join(', ')})`);
} catch (e) {
  console.error(e);
  exitCode = 1;
} finally {
  for (const p of peers) await p.stop();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
}
process.exit(exitCode);

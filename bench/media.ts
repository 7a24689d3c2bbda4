/**
 * The SFU benchmark (issue #5): `npm run bench -- media`, or `node --import tsx bench/media.ts [options]`.
 *
 * Everything runs in a network namespace with only `lo` (WebRTC stacks gather candidates on every interface and
 * send checks to them). When this process is not in one, it runs itself again under
 * `unshare -n bash -c 'ip link set lo up && exec …'` (root only); otherwise it says so and exits with status 3.
 *
 * Processes: the server (`node bin/convene.js serve`, CONVENE_MEDIA=true, one media worker, WebRTC on 127.0.0.1),
 * whose media worker is the process measured; publishers and receivers in two further processes
 * (bench/media-peers.ts); the baseline relay in its own (bench/media-relay.ts). CPU times come from
 * /proc/<pid>/stat (utime + stime).
 *
 * 1. Forwarding: R node-datachannel receivers that only subscribe, then P synthetic publishers (node-datachannel
 *    sending raw RTP: audio 50 packets/s, VP8-like video at a rate stepped up); every receiver gets every
 *    publisher's audio and video (P ≤ 3). Per step: packets received per second (at the receivers), the worker's CPU,
 *    packets per CPU-second (= per core) and loss (sequence gaps per received stream). The saturation rate is the
 *    most packets/s delivered at any step; then a longer run at 80 % of it.
 * 2. The baseline at that same offered load: the same packets as plain RTP through a node:dgram relay that sends each
 *    one to the R receivers' sockets; the SFU's packets per CPU-second as a ratio of the relay's.
 * 3. Join latency: two @roamhq/wrtc publishers (real VP8/Opus encoders), then `joins` new participants one after the
 *    other, each joining, subscribing and publishing in the web app's order: from sending `join` to the first remote
 *    video frame decoded (wrtc joiners) or the first keyframe received whole (node-datachannel joiners); a few joiners
 *    that only subscribe; against the same two WebRTC stacks connected directly, with no server (direct).
 *
 * Every process of the measure runs at nice −10 (root), so that unrelated jobs on a shared machine disturb it less;
 * `wait %` shows how long the worker still waited for a CPU.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { JoinSample } from './media-peers.ts';
import { cpuSeconds, ensureIsolated, newMeeting, Peers, PRIORITY, prioritise, type Relay, runQueueSeconds, type Server, signIn, startRelay, startServer, stopChild, udpDrops, until } from './media-support.ts';
import { AUDIO_PPS, windowCounts } from './media-rtp.ts';
import { summariseProfile } from './profile.ts';
import { quantile } from './scheduling.ts';
import { pad, padEnd } from './support.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '..');
/** Video paused between the last step and the 80 % run (audio goes on). */
const DRAIN_MS = 4000;
/** Issue #5's goal: forwarded packets per second per core. */
const GOAL_PER_CORE = 30_000;

const { values: args } = parseArgs({
  options: {
    publishers: { type: 'string', default: '2' },
    receivers: { type: 'string', default: '20' },
    steps: { type: 'string', default: '100,200,300,400,500,600,700,800,900,1000' },
    'step-seconds': { type: 'string', default: '5' },
    'settle-seconds': { type: 'string', default: '2' },
    'load-seconds': { type: 'string', default: '10' },
    joins: { type: 'string', default: '15' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const options = {
  publishers: Number(args.publishers),
  receivers: Number(args.receivers),
  /** Video packets/s per publisher, one step each. */
  steps: args.steps.split(',').map(Number),
  stepSeconds: Number(args['step-seconds']),
  settleSeconds: Number(args['settle-seconds']),
  loadSeconds: Number(args['load-seconds']),
  joins: Number(args.joins),
  cpuProf: args['cpu-prof'],
};
if (!Number.isInteger(options.publishers) || options.publishers < 1 || options.publishers > 3) {
  throw new Error('--publishers: 1 to 3 (every receiver then gets every publisher: 3 audio slots)');
}
if (!Number.isInteger(options.receivers) || options.receivers < 1) throw new Error(`--receivers: a whole number ≥ 1 (got ${options.receivers})`);
if (!Number.isInteger(options.joins) || options.joins < 0) throw new Error(`--joins: a whole number ≥ 0 (got ${options.joins}; 0 = no join measure)`);
if (options.steps.some((s) => !(s > 0))) throw new Error(`--steps: video packets/s per publisher, comma-separated (got ${args.steps})`);

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the namespace ---------------------------------------------------------------------------------------------

await ensureIsolated(import.meta.url, 'media');

// ---- measuring ----------------------------------------------------------------------------------------------------

interface Window {
  seconds: number;
  /** Packets received by all receivers, per second. */
  pps: number;
  /** Packets the publishers sent, per second. */
  sentPps: number;
  received: number;
  lost: number;
  expected: number;
  streams: number;
  /** Packets received again (retransmissions after a NACK, duplicates): not in `received` nor `pps`. */
  duplicates: number;
  /** CPU of the process under test (the worker, or the relay), all its threads, share of one core. */
  cpu: number;
  /** … of its main thread alone (where the JavaScript runs: the bottleneck). */
  mainCpu: number;
  /** CPU of the server's main process, of the receivers' and of the publishers' processes, share of one core. */
  serverCpu: number;
  receiverCpu: number;
  publisherCpu: number;
  /** Share of the time the process under test was runnable but had no CPU (the machine was busy with others). */
  waiting: number;
  /** Datagrams dropped by the kernel at full receive buffers: of the process under test's sockets, of the receivers'. */
  drops: number;
  receiverDrops: number;
}

const lossPct = (w: { lost: number; expected: number }) => (w.expected > 0 ? (100 * w.lost) / w.expected : 0);
const perCpuSecond = (w: Window) => (w.cpu > 0 ? w.pps / w.cpu : 0);

/** Counters of every receiver and the CPU of the processes, over `seconds`. */
async function measureWindow(seconds: number, underTest: number, server: number | undefined, pub: Peers, rcv: Peers): Promise<Window> {
  const pids = [underTest, server ?? -1, rcv.pid, pub.pid];
  const snap = async () => {
    const [r, p] = await Promise.all([rcv.call({ cmd: 'snapshot' }), pub.call({ cmd: 'snapshot' })]);
    const main = cpuSeconds(underTest, underTest);
    return { at: now(), streams: r.streams, sent: p.sent, cpu: pids.map((pid) => (pid < 0 ? 0 : cpuSeconds(pid))), main, drops: udpDrops([underTest, rcv.pid]), waited: runQueueSeconds(underTest) };
  };
  const a = await snap();
  await sleep(seconds * 1000);
  const b = await snap();
  const wall = (b.at - a.at) / 1000;
  const counts = windowCounts(a.streams, b.streams);
  const cpu = b.cpu.map((c, i) => (c - a.cpu[i]!) / wall);
  return {
    seconds: wall,
    pps: counts.received / wall,
    sentPps: (b.sent - a.sent) / wall,
    ...counts,
    cpu: cpu[0]!,
    mainCpu: (b.main - a.main) / wall,
    serverCpu: cpu[1]!,
    receiverCpu: cpu[2]!,
    publisherCpu: cpu[3]!,
    waiting: (b.waited - a.waited) / wall,
    drops: b.drops[0]! - a.drops[0]!,
    receiverDrops: b.drops[1]! - a.drops[1]!,
  };
}

/** Packets/s the receivers get in all when each of P publishers sends audio and `videoPps` of video. */
const offeredPps = (videoPps: number) => options.receivers * options.publishers * (AUDIO_PPS + videoPps);
/** The video rate per publisher that offers `pps` forwarded packets per second. */
const videoRateFor = (pps: number) => Math.max(0, pps / (options.receivers * options.publishers) - AUDIO_PPS);

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toString() : '—');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
const pct = (share: number) => f0(100 * share);
const lossText = (w: { lost: number; expected: number }) => (w.lost === 0 ? '0' : lossPct(w) < 0.01 ? '<0.01' : lossPct(w).toFixed(2));

interface Step {
  videoPps: number;
  offered: number;
  w: Window;
}

const STEP_HEADER =
  `${padEnd('', 24)} ${pad('offered', 8)} ${pad('pkts/s', 8)} ${pad('CPU %', 6)} ${pad('main %', 6)} ${pad('wait %', 6)} ${pad('pkts/CPU-s', 11)} ${pad('loss %', 7)}` +
  ` ${pad('drops', 11)} ${pad('streams', 7)} ${pad('srv %', 6)} ${pad('rcv %', 6)} ${pad('pub %', 6)}`;
const stepRow = (label: string, offered: number, w: Window) =>
  `${padEnd(label, 24)} ${pad(f0(offered), 8)} ${pad(f0(w.pps), 8)} ${pad(pct(w.cpu), 6)} ${pad(pct(w.mainCpu), 6)} ${pad(pct(w.waiting), 6)} ${pad(f0(perCpuSecond(w)), 11)} ${pad(lossText(w), 7)}` +
  ` ${pad(`${w.drops} / ${w.receiverDrops}`, 11)} ${pad(w.streams, 7)} ${pad(pct(w.serverCpu), 6)} ${pad(pct(w.receiverCpu), 6)} ${pad(pct(w.publisherCpu), 6)}` +
  (w.waiting > STARVED ? '  ← starved: other processes (peers included) held the CPUs' : '');
/** A window in which the process under test waited this share of the time for a CPU says more about the machine. */
const STARVED = 0.15;
/** The worker's JavaScript thread is out of CPU, or the worker no longer delivers what is offered. */
const saturatedStep = (s: Step) => s.w.mainCpu >= 0.95 || s.w.pps < 0.9 * s.offered;

// ---- the run -------------------------------------------------------------------------------------------------------

const root = mkdtempSync(join(tmpdir(), 'convene-media-bench-'));
const profileDir = options.cpuProf ? resolve(ROOT, '.tmp/bench-profiles/media') : undefined;
if (profileDir) {
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
}
const started = Date.now();
const machine = cpus();
console.log(
  `# ${new Date().toISOString()}  node ${process.version}  ${machine.length} × ${machine[0]?.model ?? 'cpu'}  load average ${loadavg()[0]!.toFixed(1)}` +
    '  measure: media (network namespace with only lo)',
);
console.log(
  `# 1 media worker; ${options.receivers} node-datachannel receivers (subscribe only), ${options.publishers} synthetic publisher(s)` +
    ` (node-datachannel, raw RTP: audio ${AUDIO_PPS} packets/s + VP8-like video, 1100-byte packets); per step ${options.settleSeconds} s settling` +
    ` + ${options.stepSeconds} s measured; ${options.loadSeconds} s at 80 %; every process of the measure at nice ${PRIORITY}${options.cpuProf ? '; --cpu-prof: the worker is profiled (slower than without)' : ''}`,
);

let server: Server | undefined;
/** The forwarding measure's span (µs, monotonic clock), for the worker's profile. */
const forwarding = { from: 0, to: 0 };
const peers: Peers[] = [];
let relay: Relay | undefined;
let exitCode = 0;
try {
  server = await startServer(join(root, 'data'), profileDir);
  const token = await signIn(server.http);
  const pub = await Peers.start('publishers');
  const rcv = await Peers.start('receivers');
  peers.push(pub, rcv);

  // ---- 1. forwarding -------------------------------------------------------------------------------------------
  const meeting = await newMeeting(server, token, 'Bench media meeting');
  // Receivers first, then the publishers: a publish recomputes every viewer's slots, while a subscribe alone does not
  // (bench/README.md: a receive-only participant who subscribes after the last change gets no media).
  const setup = await rcv.call({ cmd: 'receivers', meeting, names: names('bench-rcv', options.receivers), concurrency: 5 });
  const published = await pub.call({ cmd: 'publishers', meeting, names: names('bench-pub', options.publishers) });
  if (!published.audioLevel) console.log('# note: the SFU did not negotiate the audio-level extension; audio goes without it');
  await pub.call({ cmd: 'send', videoPps: options.steps[0]! });
  const expectedStreams = options.receivers * options.publishers * 2;
  await until(`media on all ${expectedStreams} receiver streams`, 20_000, async () => {
    const n = Object.keys((await rcv.call({ cmd: 'snapshot' })).streams).length;
    return n >= expectedStreams ? n : undefined;
  }).catch((e: unknown) => console.log(`# warning: ${e instanceof Error ? e.message : String(e)}`));
  prioritise([server.pid, server.workerPid, pub.pid, rcv.pid, process.pid]);
  console.log(`# ${options.receivers} receivers subscribed in ${f0(setup.setupMs)} ms; worker pid ${server.workerPid}, server pid ${server.pid}`);
  console.log('\n# forwarding: video packets/s per publisher stepped up; offered = receivers × publishers × (audio + video packets/s)');
  console.log(STEP_HEADER);

  forwarding.from = now() * 1000;
  const steps: Step[] = [];
  for (const videoPps of options.steps) {
    await pub.call({ cmd: 'send', videoPps });
    await sleep(options.settleSeconds * 1000);
    const step = { videoPps, offered: offeredPps(videoPps), w: await measureWindow(options.stepSeconds, server.workerPid, server.pid, pub, rcv) };
    steps.push(step);
    console.log(stepRow(`step: video ${videoPps}/s`, step.offered, step.w));
    if (saturatedStep(step)) break;
  }
  const best = steps.reduce((a, b) => (b.w.pps > a.w.pps ? b : a));
  const saturated = saturatedStep(steps.at(-1)!);
  const rate80 = videoRateFor(0.8 * best.w.pps);
  // A saturated step leaves a backlog in the worker's receive buffers (2 MiB per publisher, see sfu-peer.ts): video
  // pauses until it is forwarded, so that the 80 % window measures 80 % and not the catching up.
  await pub.call({ cmd: 'send', videoPps: 0 });
  await sleep(DRAIN_MS);
  await pub.call({ cmd: 'send', videoPps: rate80 });
  await sleep(options.settleSeconds * 1000);
  const sfu = await measureWindow(options.loadSeconds, server.workerPid, server.pid, pub, rcv);
  forwarding.to = now() * 1000;
  console.log(stepRow(`80 %: video ${f0(rate80)}/s`, offeredPps(rate80), sfu));
  const pubStats = await pub.call({ cmd: 'snapshot' });
  await pub.call({ cmd: 'close' });
  await rcv.call({ cmd: 'close' });

  // ---- 2. the raw UDP relay at the same offered load ---------------------------------------------------------------
  relay = await startRelay();
  prioritise([relay.child.pid!, pub.pid, rcv.pid]);
  const { ports } = await rcv.call({ cmd: 'udpReceivers', count: options.receivers });
  await relay.setTargets(ports);
  await pub.call({ cmd: 'udpPublishers', count: options.publishers, relayPort: relay.port });
  await pub.call({ cmd: 'send', videoPps: rate80 });
  await sleep(options.settleSeconds * 1000);
  const raw = await measureWindow(options.loadSeconds, relay.child.pid!, undefined, pub, rcv);
  console.log(stepRow(`relay: video ${f0(rate80)}/s`, offeredPps(rate80), raw));
  await pub.call({ cmd: 'close' });
  await rcv.call({ cmd: 'close' });
  await stopChild(relay.child);
  relay = undefined;
  console.log(
    '# offered: packets/s the receivers should get in all; pkts/s: what they got; CPU %: the worker (relay: the relay) process, of one core;' +
      ' main %: its main thread alone (the JavaScript); wait %: share of the time the main thread was runnable but got no CPU;' +
      ' pkts/CPU-s = pkts/s ÷ CPU (per core); loss: sequence gaps per received stream; drops: datagrams the kernel dropped at a full' +
      ' socket receive buffer, of the worker (relay) / of the receivers; streams: streams counted;' +
      " srv / rcv / pub %: CPU of the server's main process, of the receivers' and of the publishers' processes",
  );
  console.log(`# publishers over WebRTC: ${pubStats.keyframeRequests} keyframe requests (PLI) answered, ${pubStats.failedSends} failed sends`);

  // ---- 3. join latency ------------------------------------------------------------------------------------------------
  /** Each with the samples of its floor: the same two WebRTC stacks connected directly. */
  let joins: { label: string; samples: JoinSample[]; direct: JoinSample[] }[] = [];
  if (options.joins > 0) {
    const joinMeeting = await newMeeting(server, token, 'Bench media joins');
    const wrtc = await Peers.start('wrtc publishers');
    peers.push(wrtc);
    await wrtc.call({ cmd: 'wrtcPublishers', meeting: joinMeeting, names: names('bench-wrtc', 2) });
    prioritise([wrtc.pid, rcv.pid, server.pid, server.workerPid]);
    await sleep(2000);
    const browserLike = await rcv.call({ cmd: 'wrtcJoinLatency', meeting: joinMeeting, count: options.joins, timeoutMs: 10_000, pauseMs: 300 });
    const webApp = await rcv.call({ cmd: 'joinLatency', meeting: joinMeeting, count: options.joins, publish: true, timeoutMs: 10_000, pauseMs: 300 });
    const receiveOnly = await rcv.call({ cmd: 'joinLatency', meeting: joinMeeting, count: Math.min(3, options.joins), publish: false, timeoutMs: 5_000, pauseMs: 300 });
    await wrtc.stop();
    const wrtcDirect = await rcv.call({ cmd: 'wrtcDirectLatency', count: options.joins, timeoutMs: 10_000, pauseMs: 300 });
    const direct = await rcv.call({ cmd: 'directLatency', count: options.joins, pauseMs: 300 });
    joins = [
      { label: 'convene, wrtc, sub + pub', samples: browserLike.samples, direct: wrtcDirect.samples },
      { label: 'direct wrtc → wrtc', samples: wrtcDirect.samples, direct: wrtcDirect.samples },
      { label: 'convene, ndc, sub + pub', samples: webApp.samples, direct: direct.samples },
      { label: 'convene, ndc, subscribe only', samples: receiveOnly.samples, direct: direct.samples },
      { label: 'direct ndc → ndc', samples: direct.samples, direct: direct.samples },
    ];
  }

  // ---- results -------------------------------------------------------------------------------------------------------
  const perCore = perCpuSecond(sfu);
  const rawPerCore = perCpuSecond(raw);
  console.log(`\n${padEnd('forwarding', 34)} ${pad('pkts/s', 8)} ${pad('CPU %', 6)} ${pad('pkts/CPU-s', 11)} ${pad('loss %', 7)} ${pad('vs relay', 9)}`);
  const row = (label: string, w: Window) =>
    console.log(
      `${padEnd(label, 34)} ${pad(f0(w.pps), 8)} ${pad(pct(w.cpu), 6)} ${pad(f0(perCpuSecond(w)), 11)} ${pad(lossText(w), 7)}` +
        ` ${pad((perCpuSecond(w) / rawPerCore).toFixed(2), 9)}`,
    );
  row(`convene SFU, saturation step`, best.w);
  row(`convene SFU, 80 %`, sfu);
  row('raw UDP relay, same load as 80 %', raw);
  console.log(
    `# saturation: at most ${f0(best.w.pps)} packets/s delivered (step video ${best.videoPps}/s, worker CPU ${pct(best.w.cpu)} %, main thread ${pct(best.w.mainCpu)} %)` +
      `${saturated ? '' : ' — the worker was NOT saturated by the last step: raise --steps'}; vs relay: packets per CPU-second ÷ the relay's at the 80 % load`,
  );
  console.log(
    `# goal ≥ ${GOAL_PER_CORE} forwarded packets/s per core: ${perCore >= GOAL_PER_CORE ? 'met' : 'NOT met'} (${f0(perCore)} at 80 %, ${f0(perCpuSecond(best.w))} at saturation);` +
      ` no loss at 80 % of saturation: ${sfu.lost === 0 ? 'met' : `NOT met (${lossText(sfu)} %: ${sfu.lost} of ${sfu.expected})`}` +
      `; packets received twice (not counted above): ${sfu.duplicates} at 80 %, ${best.w.duplicates} at saturation`,
  );

  if (joins.length > 0) {
    console.log(
      `\n${padEnd('join → first video frame', 30)} ${pad('video', 7)} ${pad('p50 ms', 7)} ${pad('p95 ms', 7)} ${pad('max', 7)} ${pad('vs direct', 10)}` +
        '   p50 ms of: admitted / answered / connected / first video',
    );
    const q = (s: JoinSample[], pick: (x: JoinSample) => number, p: number) => {
      const v = s.map(pick).filter(Number.isFinite);
      return v.length > 0 ? quantile(v, p) : NaN;
    };
    for (const { label, samples: s, direct } of joins) {
      const directP50 = q(direct, (x) => x.keyframe, 0.5);
      const ok = s.filter((x) => Number.isFinite(x.keyframe)).length;
      const p50 = q(s, (x) => x.keyframe, 0.5);
      console.log(
        `${padEnd(label, 30)} ${pad(`${ok}/${s.length}`, 7)} ${pad(f1(p50), 7)} ${pad(f1(q(s, (x) => x.keyframe, 0.95)), 7)}` +
          ` ${pad(f1(q(s, (x) => x.keyframe, 1)), 7)} ${pad(Number.isFinite(p50) ? (p50 / directP50).toFixed(2) : '—', 10)}` +
          `   ${[q(s, (x) => x.admitted, 0.5), q(s, (x) => x.answered, 0.5), q(s, (x) => x.connected, 0.5), q(s, (x) => x.firstVideo, 0.5)].map(f1).join(' / ')}`,
      );
    }
    console.log(
      '# ms from sending join (direct: from creating the offer; no server, no signalling) to the first remote video frame decoded (wrtc: @roamhq/wrtc, libwebrtc)' +
        ' or the last packet of the first keyframe on any video slot (ndc: node-datachannel), in a meeting with 2 wrtc publishers' +
        ' (320×180, 15 frames/s); video: joins that got it in time (10 s; subscribe only: 5 s); sub + pub: the web app\'s order' +
        ' (subscribe and send the answer, then publish a synthetic camera and microphone); ndc receivers send a PLI like a browser' +
        ` while a slot has video but no keyframe (median PLIs per join: ${q(joins[2]!.samples, (x) => x.plisSent, 0.5)}); vs direct: p50 ÷ p50 of the same stacks direct`,
    );
  }
} catch (e) {
  console.error(e);
  exitCode = 1;
} finally {
  for (const p of peers) await p.stop();
  if (relay) await stopChild(relay.child);
  const workerPid = server?.workerPid;
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
  if (profileDir && workerPid) {
    // Written at exit; the main thread's file ends in .<pid>.0.<n>.cpuprofile.
    const file = readdirSync(profileDir).find((f) => f.includes(`.${workerPid}.0.`) && f.endsWith('.cpuprofile'));
    if (file && forwarding.to > 0) {
      console.log(`\n# profile of the media worker, forwarding steps and the 80 % run only, shares of its busy time: ${join(profileDir, file)}`);
      for (const l of summariseProfile(join(profileDir, file), 25, forwarding)) console.log(l);
    } else {
      console.log(`\n# no profile of the media worker (pid ${workerPid}) in ${profileDir}`);
    }
  }
  console.log(`# total ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
process.exit(exitCode);

/**
 * Media peers for bench/media.ts, in a process of their own (`node --import tsx bench/media-peers.ts`), driven over
 * IPC, so that neither the SFU worker nor the server shares an event loop with them. Commands (parent → child), each
 * answered with one message carrying the same `cmd` (or `{ cmd, error }`):
 * - `publishers`: join the meeting as guests and publish synthetic media over node-datachannel (bench/media-peer.ts);
 *   `send` sets their video rate (audio is always 50 packets/s).
 * - `receivers`: join as guests and subscribe (publishing nothing), `concurrency` at a time.
 * - `snapshot`: per-stream receive counters of every receiver here (UDP ones included) and packets sent.
 * - `udpReceivers` / `udpPublishers`: the raw UDP relay baseline: plain sockets receiving, and the same synthetic
 *   packets sent as plain RTP to the relay (bench/media-relay.ts).
 * - `joinLatency`: `count` sequential joins of one new participant each (join → subscribe [→ publish] → first
 *   keyframe), leaving after each; `wrtcJoinLatency`: the same with @roamhq/wrtc (first frame decoded);
 *   `directLatency` / `wrtcDirectLatency`: the same WebRTC set-up between two node-datachannel (wrtc) peers in this
 *   process, no server.
 * - `wrtcPublishers`: @roamhq/wrtc publishers (libwebrtc encoding VP8 and Opus; test/support/wrtc-peer.ts).
 * - `close`: closes every peer here; `stop`: exits (also when the parent goes away).
 */
import { createSocket, type Socket } from 'node:dgram';
import { WebSocket } from 'ws';
import { SignalClient } from '../sdk/signal-client.ts';
import { connected, gathered, SyntheticMedia, SyntheticPublisher, SyntheticReceiver, type ReceiverTimes } from './media-peer.ts';
import { type StreamSnapshot, StreamCounter } from './media-rtp.ts';
import { opusCodecs } from '../src/media/recorder/opus-codec.ts';

export interface Meeting {
  /** wss://…/api/v1/signal */
  url: string;
  meetingNumber: string;
  passcode: string;
}

export type PeersCommand =
  /** `levels`: each publisher's RFC 6464 level (default 20, 30, …); `opus`: real Opus frames as audio payload. */
  | { cmd: 'publishers'; meeting: Meeting; names: string[]; levels?: number[]; opus?: boolean }
  | { cmd: 'send'; videoPps: number }
  | { cmd: 'receivers'; meeting: Meeting; names: string[]; concurrency: number }
  | { cmd: 'snapshot' }
  | { cmd: 'udpReceivers'; count: number }
  | { cmd: 'udpPublishers'; count: number; relayPort: number }
  | { cmd: 'joinLatency'; meeting: Meeting; count: number; publish: boolean; timeoutMs: number; pauseMs: number }
  | { cmd: 'wrtcJoinLatency'; meeting: Meeting; count: number; timeoutMs: number; pauseMs: number }
  | { cmd: 'wrtcDirectLatency'; count: number; timeoutMs: number; pauseMs: number }
  | { cmd: 'directLatency'; count: number; pauseMs: number }
  | { cmd: 'wrtcPublishers'; meeting: Meeting; names: string[] }
  | { cmd: 'close' }
  | { cmd: 'stop' };

/**
 * One join's times (ms) from sending `join`: admitted (connected status), subscriber answer acknowledged, subscriber
 * connection up, first video packet, first keyframe whole (wrtc: first frame decoded); NaN = not reached.
 */
export interface JoinSample {
  admitted: number;
  answered: number;
  connected: number;
  firstVideo: number;
  keyframe: number;
  plisSent: number;
}

export type PeersReply =
  | { cmd: 'publishers'; audioLevel: boolean }
  | { cmd: 'send' }
  | { cmd: 'receivers'; setupMs: number }
  | { cmd: 'snapshot'; streams: Record<string, StreamSnapshot>; sent: number; failedSends: number; keyframeRequests: number }
  | { cmd: 'udpReceivers'; ports: number[] }
  | { cmd: 'udpPublishers' }
  | { cmd: 'joinLatency'; samples: JoinSample[] }
  | { cmd: 'wrtcJoinLatency'; samples: JoinSample[] }
  | { cmd: 'wrtcDirectLatency'; samples: JoinSample[] }
  | { cmd: 'directLatency'; samples: JoinSample[] }
  | { cmd: 'wrtcPublishers' }
  | { cmd: 'close' }
  | { cmd: PeersCommand['cmd']; error: string };

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const reply = (r: PeersReply): void => void process.send?.(r);
/** Video a joiner that publishes sends (about a 320×180 camera at 15 frames/s). */
const JOINER_VIDEO_PPS = 30;

const signals: SignalClient[] = [];
const publishers: SyntheticPublisher[] = [];
const receivers: SyntheticReceiver[] = [];
const media: SyntheticMedia[] = [];
const sockets: Socket[] = [];
const udpCounters = new Map<string, StreamCounter>();
const closers: (() => void)[] = [];

function signalClient(url: string): SignalClient {
  return new SignalClient({ url, WebSocket, webSocketOptions: { rejectUnauthorized: false } });
}

async function join(meeting: Meeting, name: string): Promise<SignalClient> {
  const signal = signalClient(meeting.url);
  await signal.join({ meeting_number: meeting.meetingNumber, client_id: name, display_name: name, passcode: meeting.passcode });
  signals.push(signal);
  return signal;
}

/** Runs `work` over `items`, at most `concurrency` at once. */
async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function startPublishers(meeting: Meeting, names: string[], levels?: number[], opus?: boolean): Promise<PeersReply> {
  let audioLevel = true;
  for (const [i, name] of names.entries()) {
    const signal = await join(meeting, name);
    // Different constant levels, so the speaker ranking is stable (a loud one and quieter ones).
    const p = new SyntheticPublisher(name, levels?.[i] ?? 20 + 10 * i);
    if (opus) p.media.audioPayload = opusFrame();
    publishers.push(p);
    media.push(p.media);
    await p.publish((offer) => signal.publish(offer));
    audioLevel &&= p.media.levelId !== undefined;
    p.media.send(0);
  }
  return { cmd: 'publishers', audioLevel };
}

let frame: Uint8Array | undefined;
/** One real 20 ms Opus frame of a tone, encoded once (a decoder decodes it like any other). */
function opusFrame(): Uint8Array {
  if (!frame) {
    const pcm = new Int16Array(960);
    for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / 48_000));
    frame = opusCodecs.encoder().encode(pcm);
  }
  return frame;
}

async function startReceivers(meeting: Meeting, names: string[], concurrency: number): Promise<PeersReply> {
  const t0 = now();
  await pool(names, concurrency, async (name) => {
    const signal = await join(meeting, name);
    const r = new SyntheticReceiver(name);
    receivers.push(r);
    await r.subscribe(signal);
  });
  return { cmd: 'receivers', setupMs: now() - t0 };
}

function snapshot(): PeersReply {
  const streams: Record<string, StreamSnapshot> = {};
  for (const r of receivers) r.snapshot(streams);
  for (const [key, c] of udpCounters) if (c.received > 0) streams[key] = { received: c.received, highest: c.highest };
  return {
    cmd: 'snapshot',
    streams,
    sent: media.reduce((n, m) => n + m.packetsSent, 0),
    failedSends: publishers.reduce((n, p) => n + p.failedSends, 0),
    keyframeRequests: media.reduce((n, m) => n + m.keyframeRequests, 0),
  };
}

async function udpReceivers(count: number): Promise<PeersReply> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const socket = createSocket('udp4');
    sockets.push(socket);
    const counters = new Map<number, StreamCounter>();
    socket.on('message', (buf) => {
      if (buf.length < 12) return;
      const ssrc = buf.readUInt32BE(8);
      let c = counters.get(ssrc);
      if (!c) {
        counters.set(ssrc, (c = new StreamCounter()));
        udpCounters.set(`udp${i}/${ssrc}`, c);
      }
      c.add(buf.readUInt16BE(2), now());
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    ports.push(socket.address().port);
  }
  return { cmd: 'udpReceivers', ports };
}

async function udpPublishers(count: number, relayPort: number): Promise<PeersReply> {
  for (let i = 0; i < count; i++) {
    const socket = createSocket('udp4');
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    socket.connect(relayPort, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const m = new SyntheticMedia((_kind, packet) => socket.send(packet), 20 + 10 * i);
    // The same audio-level extension as over WebRTC (the id the SFU's answer gives it), so the bytes match.
    m.levelId = 1;
    media.push(m);
    m.send(0);
  }
  return { cmd: 'udpPublishers' };
}

/**
 * `count` joins one after the other, each a new guest that leaves again afterwards. `publish` false: it only
 * subscribes (join → subscribe → answer → connected → first keyframe). `publish` true: it does what the web app does
 * (web/webrtc-media.ts): subscribe and send the answer, then publish its own synthetic camera and microphone without
 * waiting for the subscriber connection. A join with no keyframe within `timeoutMs` is a sample with NaN times.
 */
async function joinLatency(meeting: Meeting, count: number, publish: boolean, timeoutMs: number, pauseMs: number): Promise<PeersReply> {
  const samples: JoinSample[] = [];
  for (let i = 0; i < count; i++) {
    const name = `bench-join-${publish ? 'p' : 'r'}${i + 1}-${process.pid}`;
    const signal = signalClient(meeting.url);
    const r = new SyntheticReceiver(name);
    const own = publish ? new SyntheticPublisher(`${name}-pub`, 60) : undefined;
    try {
      const t0 = now();
      await signal.join({ meeting_number: meeting.meetingNumber, client_id: name, display_name: name, passcode: meeting.passcode });
      const admitted = now() - t0;
      await signal.accept(await r.answer(await signal.subscribe()));
      r.times.answered = now();
      if (own) {
        await own.publish((offer) => signal.publish(offer));
        own.media.send(JOINER_VIDEO_PPS);
      }
      await r.connect();
      // No keyframe in time: the sample keeps keyframe (and first video) NaN.
      await r.firstKeyframe(Math.max(0, timeoutMs - (now() - t0))).catch(() => undefined);
      samples.push(sample(r.times, t0, admitted, r.plisSent));
    } finally {
      own?.close();
      r.close();
      await signal.leave().catch(() => signal.close());
    }
    await sleep(pauseMs);
  }
  return { cmd: 'joinLatency', samples };
}

/**
 * The same joins with @roamhq/wrtc (libwebrtc, the browser's WebRTC stack) in the web app's order: subscribe and send
 * the answer, then publish a small synthetic camera and microphone without waiting for the subscriber connection.
 * The time is the first remote video frame *decoded* (inbound-rtp framesDecoded, polled every 10 ms).
 */
async function wrtcJoinLatency(meeting: Meeting, count: number, timeoutMs: number, pauseMs: number): Promise<PeersReply> {
  const { WrtcParticipant } = await import('../test/support/wrtc-peer.ts');
  const samples: JoinSample[] = [];
  for (let i = 0; i < count; i++) {
    const name = `bench-join-w${i + 1}-${process.pid}`;
    const signal = signalClient(meeting.url);
    const p = new WrtcParticipant(signal, { width: 160, height: 90, fps: 10 });
    try {
      const t0 = now();
      await signal.join({ meeting_number: meeting.meetingNumber, client_id: name, display_name: name, passcode: meeting.passcode });
      const admitted = now() - t0;
      // WrtcParticipant.subscribe() resolves once connected; the web app publishes as soon as its answer is sent.
      let answered!: () => void;
      const answer = new Promise<void>((resolve) => (answered = resolve));
      const accept = signal.accept.bind(signal);
      signal.accept = async (sdp: string) => {
        const ack = await accept(sdp);
        answered();
        return ack;
      };
      const subscribed = p.subscribe().then(() => now() - t0);
      const decoded = firstDecoded(p, t0, timeoutMs);
      await answer;
      const answeredAt = now() - t0;
      await p.publish();
      const connected = await subscribed;
      samples.push({ admitted, answered: answeredAt, connected, firstVideo: NaN, keyframe: await decoded, plisSent: NaN });
    } finally {
      p.close();
      await signal.leave().catch(() => signal.close());
    }
    await sleep(pauseMs);
  }
  return { cmd: 'wrtcJoinLatency', samples };
}

/** Polls until a video slot of `p` has decoded a frame: ms since `t0`, or NaN after `timeoutMs`. */
async function firstDecoded(p: { inbound(): Promise<Map<string, { kind: string; frames: number }>> }, t0: number, timeoutMs: number): Promise<number> {
  for (const end = t0 + timeoutMs; now() < end; await sleep(10)) {
    if ([...(await p.inbound()).values()].some((s) => s.kind === 'video' && s.frames > 0)) return now() - t0;
  }
  return NaN;
}

/**
 * The floor of the wrtc join measure: a wrtc publisher (the same camera as the meeting's publishers) connected straight
 * to a wrtc receiver, no server: from creating the offer to the first frame decoded. The two WrtcParticipants talk
 * through a stand-in for the SignalClient that hands the publisher's offer to the receiver and its answer back.
 */
async function wrtcDirectLatency(count: number, timeoutMs: number, pauseMs: number): Promise<PeersReply> {
  const { WrtcParticipant } = await import('../test/support/wrtc-peer.ts');
  const samples: JoinSample[] = [];
  for (let i = 0; i < count; i++) {
    let offered!: (sdp: string) => void;
    let answered!: (sdp: string) => void;
    const offer = new Promise<string>((resolve) => (offered = resolve));
    const answer = new Promise<string>((resolve) => (answered = resolve));
    const on = () => () => undefined;
    const publisherSide = { on, publish: (sdp: string) => (offered(sdp), answer) };
    const receiverSide = {
      on,
      subscribe: async () => ({ sdp: await offer, audio: ['0'], video: ['1'], content: '2' }),
      accept: async (sdp: string) => answered(sdp),
    };
    const pub = new WrtcParticipant(publisherSide as unknown as SignalClient, { width: 320, height: 180, fps: 15 });
    const rcv = new WrtcParticipant(receiverSide as unknown as SignalClient);
    try {
      const t0 = now();
      const decoded = firstDecoded(rcv, t0, timeoutMs);
      await Promise.all([pub.publish(), rcv.subscribe()]);
      const connected = now() - t0;
      samples.push({ admitted: NaN, answered: NaN, connected, firstVideo: NaN, keyframe: await decoded, plisSent: NaN });
    } finally {
      pub.close();
      rcv.close();
    }
    await sleep(pauseMs);
  }
  return { cmd: 'wrtcDirectLatency', samples };
}

function sample(times: Partial<ReceiverTimes>, t0: number, admitted: number, plisSent: number): JoinSample {
  const at = (t: number | undefined) => (t === undefined ? NaN : t - t0);
  return { admitted, answered: at(times.answered), connected: at(times.connected), firstVideo: at(times.firstVideo), keyframe: at(times.keyframeDone), plisSent };
}

/**
 * The floor of the join measure: the same two kinds of peer connected directly (a synthetic publisher that starts
 * sending once connected, a receiver), no server, no signalling: ICE, DTLS, first keyframe.
 */
async function directLatency(count: number, pauseMs: number): Promise<PeersReply> {
  const samples: JoinSample[] = [];
  for (let i = 0; i < count; i++) {
    const pub = new SyntheticPublisher(`direct-pub-${i}`, 30);
    const r = new SyntheticReceiver(`direct-rcv-${i}`);
    try {
      const t0 = now();
      await pub.publish((offer) => r.answer({ sdp: offer, audio: ['0'], video: ['1'], content: '2' }));
      pub.media.send(100);
      await r.connect();
      await r.firstKeyframe();
      samples.push(sample(r.times, t0, 0, r.plisSent));
    } finally {
      pub.close();
      r.close();
    }
    await sleep(pauseMs);
  }
  return { cmd: 'directLatency', samples };
}

async function wrtcPublishers(meeting: Meeting, names: string[]): Promise<PeersReply> {
  // Loaded only here: the module loads libwebrtc and installs its exit workaround.
  const { WrtcParticipant } = await import('../test/support/wrtc-peer.ts');
  for (const name of names) {
    const p = new WrtcParticipant(await join(meeting, name), { width: 320, height: 180, fps: 15 });
    closers.push(() => p.close());
    await p.publish();
  }
  return { cmd: 'wrtcPublishers' };
}

async function closeAll(): Promise<void> {
  for (const m of media) m.stop();
  for (const p of publishers) p.close();
  for (const r of receivers) r.close();
  for (const c of closers) c();
  for (const s of sockets) s.close();
  await Promise.all(signals.map((s) => (s.connected ? s.leave().catch(() => s.close()) : s.close())));
  publishers.length = receivers.length = media.length = sockets.length = signals.length = closers.length = 0;
  udpCounters.clear();
}

async function handle(c: PeersCommand): Promise<PeersReply> {
  switch (c.cmd) {
    case 'publishers':
      return startPublishers(c.meeting, c.names, c.levels, c.opus);
    case 'send':
      for (const m of media) m.send(c.videoPps);
      return { cmd: 'send' };
    case 'receivers':
      return startReceivers(c.meeting, c.names, c.concurrency);
    case 'snapshot':
      return snapshot();
    case 'udpReceivers':
      return udpReceivers(c.count);
    case 'udpPublishers':
      return udpPublishers(c.count, c.relayPort);
    case 'joinLatency':
      return joinLatency(c.meeting, c.count, c.publish, c.timeoutMs, c.pauseMs);
    case 'wrtcJoinLatency':
      return wrtcJoinLatency(c.meeting, c.count, c.timeoutMs, c.pauseMs);
    case 'wrtcDirectLatency':
      return wrtcDirectLatency(c.count, c.timeoutMs, c.pauseMs);
    case 'directLatency':
      return directLatency(c.count, c.pauseMs);
    case 'wrtcPublishers':
      return wrtcPublishers(c.meeting, c.names);
    case 'close':
      await closeAll();
      return { cmd: 'close' };
    case 'stop':
      return stop();
  }
}

function stop(): never {
  // process.exit, not a natural exit: libwebrtc (wrtc) crashes in its teardown at a natural exit.
  process.exit(0);
}

process.on('message', (c: PeersCommand) => {
  handle(c).then(reply, (e: unknown) => reply({ cmd: c.cmd, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
});
process.on('disconnect', stop);

/**
 * Cheap headless media peers for the media benchmark (bench/media.ts), on node-datachannel (libdatachannel: native
 * ICE, DTLS and SRTP; the Track API hands over raw RTP): a synthetic publisher that sends the packets of
 * bench/media-rtp.ts at a controlled rate, and a receiver that subscribes to the SFU's slots and counts what arrives
 * per stream. Both negotiate exactly as the browser app does, over the SDK's SignalClient: the publisher offers
 * audio, camera video and content video (in that order) and the SFU answers; for the receiver the SFU offers its
 * slots and the receiver answers. Only inside a loopback-only network namespace (bindAddress 127.0.0.1: without it
 * libjuice gathers no candidate there; docs/media-notes.md).
 */
import ndc, { type PeerConnection, type Track } from 'node-datachannel';
import type { SignalClient } from '../sdk/signal-client.ts';
import { AUDIO_PPS, audioPacket, isKeyframeStart, OPUS_PT, RtpStream, type StreamSnapshot, StreamCounter, VIDEO_FPS, VP8_PT, videoFrame } from './media-rtp.ts';

const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
const CONNECT_TIMEOUT_MS = 15_000;
/** A receiver that has video on a slot but no keyframe yet asks again (PLI) this often, like a browser. */
const RECEIVER_PLI_MS = 250;
/** Pacing tick: packets due are sent every this many ms (video frames are spread over ticks, not sent in bursts). */
const TICK_MS = 5;

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function peerConnection(name: string): PeerConnection {
  return new ndc.PeerConnection(name, { iceServers: [], bindAddress: '127.0.0.1' });
}

/** Resolves once ICE gathering is complete (the SDP then carries every candidate: no trickling). */
export function gathered(pc: PeerConnection, timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
  return poll(() => pc.gatheringState() === 'complete', timeoutMs, 'ICE gathering', 2);
}

export function connected(pc: PeerConnection, timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
  return poll(
    () => {
      const s = pc.state();
      if (s === 'failed' || s === 'closed') throw new Error(`WebRTC connection ${s}`);
      return s === 'connected';
    },
    timeoutMs,
    'WebRTC connection',
    2,
  );
}

async function poll(done: () => boolean, timeoutMs: number, what: string, everyMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`${what}: timed out after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** Does `buf` (an RTCP compound packet) contain a PLI (PT 206, FMT 1)? */
function hasPli(buf: Buffer): boolean {
  let i = 0;
  while (i + 4 <= buf.length) {
    const fmt = buf[i]! & 0x1f;
    const pt = buf[i + 1]!;
    if (pt === 206 && fmt === 1) return true;
    i += 4 * (buf.readUInt16BE(i + 2) + 1);
  }
  return false;
}

/** The header extension id the answer gives `uri` in its first `m=kind` section. */
function extensionId(sdp: string, kind: 'audio' | 'video', uri: string): number | undefined {
  const section = sdp.split(/\r?\nm=/).find((s) => s.startsWith(kind) || s.startsWith(`m=${kind}`));
  const m = section && new RegExp(`a=extmap:(\\d+)(?:/\\w+)? ${uri.replace(/[.:-]/g, '\\$&')}`).exec(section);
  return m ? Number(m[1]) : undefined;
}

let ssrcSerial = 0;
/** SSRCs unique across the peer processes of a run: the pid in the high half. */
const newSsrc = (): number => (((process.pid & 0xffff) << 16) | ((++ssrcSerial * 7919) & 0xffff)) >>> 0;

/**
 * The packets of one synthetic publisher, paced: Opus-like audio (50 packets/s with an audio level) and VP8-like
 * video at `videoPps` packets/s (30 frames/s; frames spread over the 5 ms ticks, not sent in bursts). Like a
 * browser's encoder it sends a keyframe first and then only when asked (`requestKeyframe`, on a PLI), unless
 * `keyframeEveryMs` is set. `out` puts one packet on the wire.
 */
export class SyntheticMedia {
  readonly audio = new RtpStream(newSsrc(), OPUS_PT);
  readonly video = new RtpStream(newSsrc(), VP8_PT);
  /** The negotiated audio-level extension id (none: audio goes without it). */
  levelId: number | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private videoPps = 0;
  private keyframeDue = true;
  private lastKeyframe = 0;
  /** Packets due but not yet sent, per stream (fractions carry over between ticks). */
  private audioDue = 0;
  private videoDue = 0;
  private frame: Buffer[] = [];
  private last = 0;
  keyframeRequests = 0;
  /** A real Opus frame sent as every audio packet's payload (undefined: filler of Opus size). */
  audioPayload: Uint8Array | undefined;

  constructor(
    private readonly out: (kind: 'audio' | 'video', packet: Buffer) => void,
    /** RFC 6464 level (0 loud … 127 silent) this publisher "speaks" at. */
    private readonly level: number,
    /** Periodic keyframes besides those asked for (0 = none). */
    private readonly keyframeEveryMs = 0,
  ) {}

  get packetsSent(): number {
    return this.audio.sent + this.video.sent;
  }

  requestKeyframe(): void {
    this.keyframeRequests++;
    this.keyframeDue = true;
  }

  /** Starts (or changes) sending: audio at 50 packets/s, video at `videoPps` (0 = audio only). */
  send(videoPps: number): void {
    this.videoPps = videoPps;
    if (this.timer) return;
    this.last = now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const t = now();
    const dt = Math.min(t - this.last, 100) / 1000;
    this.last = t;
    this.audioDue += dt * AUDIO_PPS;
    for (; this.audioDue >= 1; this.audioDue--) this.out('audio', audioPacket(this.audio, this.levelId, this.level, this.audioPayload));
    if (this.videoPps <= 0) return;
    this.videoDue += dt * this.videoPps;
    const perFrame = Math.max(1, Math.round(this.videoPps / VIDEO_FPS));
    for (; this.videoDue >= 1; this.videoDue--) {
      if (this.frame.length === 0) {
        const key = this.keyframeDue || (this.keyframeEveryMs > 0 && t - this.lastKeyframe >= this.keyframeEveryMs);
        if (key) {
          this.keyframeDue = false;
          this.lastKeyframe = t;
        }
        this.frame = videoFrame(this.video, perFrame, key).reverse();
      }
      this.out('video', this.frame.pop()!);
    }
  }
}

/**
 * A WebRTC publisher of SyntheticMedia over node-datachannel: offers audio, camera video and content video (the SFU
 * expects three m-lines in that order; nothing is sent on the content one) and sends the raw RTP on its tracks, which
 * libdatachannel SRTP-encrypts. A PLI on the video track asks the media for a keyframe.
 */
export class SyntheticPublisher {
  readonly pc: PeerConnection;
  readonly media: SyntheticMedia;
  private audioTrack: Track | undefined;
  private videoTrack: Track | undefined;
  failedSends = 0;

  constructor(
    readonly name: string,
    level: number,
    keyframeEveryMs = 0,
  ) {
    this.pc = peerConnection(name);
    this.media = new SyntheticMedia((kind, packet) => this.out(kind === 'audio' ? this.audioTrack! : this.videoTrack!, packet), level, keyframeEveryMs);
  }

  /** Negotiates (`answerFor` takes the offer SDP and gives the answer: the SFU's, over signalling) and connects. */
  async publish(answerFor: (offer: string) => Promise<string>): Promise<void> {
    const pc = this.pc;
    const { audio: a, video: v } = this.media;
    const audio = new ndc.Audio('0', 'SendOnly');
    audio.addOpusCodec(OPUS_PT);
    audio.addSSRC(a.ssrc, this.name, `${this.name}-stream`, `${this.name}-audio`);
    audio.parseSdpLine(`a=extmap:1 ${AUDIO_LEVEL_URI}`);
    this.audioTrack = pc.addTrack(audio);
    const video = new ndc.Video('1', 'SendOnly');
    video.addVP8Codec(VP8_PT);
    video.addSSRC(v.ssrc, this.name, `${this.name}-stream`, `${this.name}-video`);
    this.videoTrack = pc.addTrack(video);
    const content = new ndc.Video('2', 'SendOnly');
    content.addVP8Codec(VP8_PT);
    pc.addTrack(content);
    // A PLI (a new viewer's slot waits for a keyframe) reaches the sending track as RTCP.
    this.videoTrack.onMessage((buf) => {
      if (buf.length >= 8 && buf[1]! >= 192 && buf[1]! <= 223 && hasPli(buf)) this.media.requestKeyframe();
    });
    pc.setLocalDescription();
    await gathered(pc);
    const answer = await answerFor(pc.localDescription()!.sdp);
    this.media.levelId = extensionId(answer, 'audio', AUDIO_LEVEL_URI);
    pc.setRemoteDescription(answer, 'answer');
    await connected(pc);
    await poll(() => this.audioTrack!.isOpen() && this.videoTrack!.isOpen(), CONNECT_TIMEOUT_MS, 'publisher tracks open', 2);
  }

  private out(track: Track, packet: Buffer): void {
    try {
      if (!track.sendMessageBinary(packet)) this.failedSends++;
    } catch {
      this.failedSends++;
    }
  }

  close(): void {
    this.media.stop();
    this.pc.close();
  }
}

/** Times of one receiver's subscription, ms on the monotonic clock (process.hrtime). */
export interface ReceiverTimes {
  offer: number;
  answered: number;
  connected: number;
  firstVideo: number;
  /** The first packet of the first keyframe on any video slot. */
  keyframeStart: number;
  /** The last packet (marker) of that keyframe: the first picture could be decoded now. */
  keyframeDone: number;
}

/**
 * A subscriber: answers the SFU's slot offer and counts the RTP on every slot (per mid) with a StreamCounter; notes
 * when the first keyframe starts and completes. It publishes nothing. With `askForKeyframes` it behaves like a
 * browser's receiver (libwebrtc asks for a keyframe when a stream starts with a frame it cannot decode): while a
 * video slot carries packets but has had no keyframe yet, it sends a PLI at once and then every 250 ms.
 */
export class SyntheticReceiver {
  readonly pc: PeerConnection;
  private readonly counters = new Map<string, StreamCounter>();
  private readonly tracks: Track[] = [];
  private kinds = new Map<string, 'audio' | 'video'>();
  times: Partial<ReceiverTimes> = {};
  private keyframe: { mid: string; timestamp: number } | undefined;
  private onKeyframe: (() => void) | undefined;
  /** Video slots that have had a keyframe start. */
  private readonly decodable = new Set<string>();
  plisSent = 0;

  constructor(
    readonly name: string,
    private readonly askForKeyframes = true,
  ) {
    this.pc = peerConnection(name);
  }

  /** Joined over signalling: asks the SFU for its slot offer, answers it and connects. */
  async subscribe(signal: SignalClient): Promise<void> {
    const offer = await signal.subscribe();
    const answer = await this.answer(offer);
    await signal.accept(answer);
    this.times.answered = now();
    await this.connect();
  }

  /** Takes an offer (mids per kind), answers it (auto-negotiation) and returns the answer once gathered. */
  async answer(offer: { sdp: string; audio: readonly string[]; video: readonly string[]; content: string }): Promise<string> {
    this.times.offer = now();
    for (const mid of offer.audio) this.kinds.set(mid, 'audio');
    for (const mid of [...offer.video, offer.content]) this.kinds.set(mid, 'video');
    this.pc.onTrack((track) => {
      this.tracks.push(track);
      const mid = track.mid();
      const counter = new StreamCounter();
      this.counters.set(mid, counter);
      const video = this.kinds.get(mid) === 'video';
      track.setMediaHandler(new ndc.RtcpReceivingSession());
      let lastPli = -Infinity;
      track.onMessage((buf) => {
        if (buf.length < 12) return;
        const at = now();
        counter.add(buf.readUInt16BE(2), at);
        if (!video) return;
        if (this.times.keyframeDone === undefined) this.watchKeyframe(mid, buf, at);
        if (this.decodable.has(mid)) return;
        if (isKeyframeStart(buf)) this.decodable.add(mid);
        else if (this.askForKeyframes && at - lastPli >= RECEIVER_PLI_MS) {
          lastPli = at;
          if (track.requestKeyframe()) this.plisSent++;
        }
      });
    });
    this.pc.setRemoteDescription(offer.sdp, 'offer');
    await gathered(this.pc);
    return this.pc.localDescription()!.sdp;
  }

  async connect(): Promise<void> {
    await connected(this.pc);
    this.times.connected = now();
  }

  private watchKeyframe(mid: string, buf: Buffer, at: number): void {
    this.times.firstVideo ??= at;
    const timestamp = buf.readUInt32BE(4);
    if (!this.keyframe && isKeyframeStart(buf)) {
      this.keyframe = { mid, timestamp };
      this.times.keyframeStart = at;
    }
    // The marker bit ends the frame (same slot, same timestamp).
    if (this.keyframe && this.keyframe.mid === mid && this.keyframe.timestamp === timestamp && buf[1]! & 0x80) {
      this.times.keyframeDone = at;
      this.onKeyframe?.();
    }
  }

  /** Resolves when the first keyframe has arrived whole on some video slot. */
  firstKeyframe(timeoutMs = 10_000): Promise<void> {
    if (this.times.keyframeDone !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no keyframe within ${timeoutMs} ms`)), timeoutMs);
      this.onKeyframe = () => {
        clearTimeout(timer);
        this.onKeyframe = undefined;
        resolve();
      };
    });
  }

  /** Per slot (`<name>/<mid>`): packets received and highest extended sequence number. */
  snapshot(into: Record<string, StreamSnapshot> = {}): Record<string, StreamSnapshot> {
    for (const [mid, c] of this.counters) if (c.received > 0) into[`${this.name}/${mid}`] = { received: c.received, highest: c.highest, duplicates: c.duplicates };
    return into;
  }

  close(): void {
    for (const t of this.tracks) {
      try {
        t.close();
      } catch {
        // already closed with the connection
      }
    }
    this.pc.close();
  }
}

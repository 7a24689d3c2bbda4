import { randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { RtpLegSettings } from '../engine.ts';
import { AudioMixer, FRAME_SAMPLES, type MixedFrame, OPUS_SILENCE } from '../mixer/audio-mixer.ts';
import { MixerFeed } from '../recorder/mixer-feed.ts';
import { ticker } from '../mixer/ticker.ts';
import { opusCodecs } from '../recorder/opus-codec.ts';
import type { HiddenViewerMedia } from '../sfu/sfu-room.ts';
import { type Sink, Source, type SourceKind } from '../sfu/source.ts';
import { g711Decode, g711Encode } from './g711.ts';
import { audioLevel, downsample, Upsampler } from './pcm.ts';
import { type LegOffer, readLegOffer, writeLegAnswer, writeLegOffer } from './rtp-sdp.ts';
import { rtpPacket } from './rtp-packet.ts';

type Report = (error: unknown, context: string) => void;

/** Narrowband samples per 20 ms. */
const NARROW_FRAME = 160;
/** Largest RTP datagram taken (an audio frame is far smaller; anything bigger is not ours). */
const MAX_DATAGRAM = 1500;

/**
 * A participant whose device speaks plain RTP (RFC 3550 over UDP: no ICE, no DTLS, no SRTP), as a SIP phone or room
 * system does: the media half of a SIP call, in the media worker beside the WebRTC participants.
 *
 * In: the device's audio (Opus, or G.711 decoded, brought to 48 kHz and encoded as Opus in 20 ms frames) is published
 * as this participant's `audio` Source, so browsers receive it in their audio slots like anyone's, with its RFC 6464
 * level for the speaker detection. Out: the leg is a viewer that hears every allowed publisher but itself (the room
 * plans it so), mixed by an AudioMixer and sent in the device's codec every 20 ms, silence included (the device and
 * any NAT on the way see a steady stream). The device's address comes from its SDP, then from where its RTP really
 * comes from (symmetric RTP: a device behind NAT is reached at its public port).
 */
export class RtpLeg {
  readonly transport = 'rtp';
  /** A leg takes one picture at most (audio only for now: video is not done). */
  readonly tiles = 1;
  readonly sources = new Map<SourceKind, Source>();
  private readonly mixer = new AudioMixer(opusCodecs);
  private readonly encoder = opusCodecs.encoder();
  private readonly decoder = opusCodecs.decoder();
  private readonly upsampler = new Upsampler();
  private narrow: Int16Array = new Int16Array(0);
  private readonly inSsrc = randomInt(1, 2 ** 32);
  private inSeq = randomInt(0, 65_536);
  private inTimestamp = randomInt(0, 2 ** 32);
  private readonly outSsrc = randomInt(1, 2 ** 32);
  private outSeq = randomInt(0, 65_536);
  private outTimestamp = randomInt(0, 2 ** 32);
  /** Where the device is; undefined while an offer of ours awaits its answer (nothing is sent meanwhile). */
  private remote: { address: string; port: number } | undefined;
  /** The negotiation's outcome; undefined while an offer of ours awaits its answer. */
  private offer: LegOffer | undefined;
  private latched = false;
  private readonly feedMixer = new MixerFeed(this.mixer);
  private readonly unticks: () => void;
  private closed = false;
  /** Packets taken from the device and sent to it (diagnostics, tests). */
  readonly counts = { received: 0, sent: 0 };
  /** When the device was last heard from (any RTP or RTCP), or the negotiation ended; for the media timeout. */
  private lastHeard = Date.now();
  private silence: { afterMs: number; then: () => void } | undefined;

  private constructor(
    readonly id: string,
    private readonly socket: Socket,
    offer: LegOffer | undefined,
    private readonly report: Report,
  ) {
    const audio = new Source(id, 'audio', report);
    this.sources.set('audio', audio);
    socket.on('message', (msg, from) => this.receive(msg, from));
    if (offer) this.negotiated(offer);
    this.unticks = ticker.add((now) => {
      try {
        this.mixer.tick(now);
      } catch (error) {
        this.report(error, `mixing for ${this.id}`);
      }
      this.checkSilence(now);
    });
  }

  /** What the negotiation settled: the codec and where the device is; the mixer's output follows the codec. */
  private negotiated(offer: LegOffer): void {
    this.offer = offer;
    this.lastHeard = Date.now();
    this.remote = offer.remote;
    this.mixer.removeOutput('device');
    this.mixer.addOutput('device', { passThrough: offer.codec.name === 'opus', deliver: (frame) => this.send(frame) });
  }

  /**
   * Opens a leg that offers first (dial-out: the SFU calls the device): a UDP socket on `address`, and the SDP offer
   * that names it; the device's answer comes through accept().
   */
  static async offer(id: string, address: string, report: Report, kbps?: number): Promise<{ leg: RtpLeg; offer: string }> {
    const socket = await bound(address);
    const leg = new RtpLeg(id, socket, undefined, report);
    return { leg, offer: writeLegOffer(address, socket.address().port, kbps) };
  }

  /**
   * Calls `then` when the device has sent nothing (RTP or RTCP) for `afterMs` since the negotiation, and again after
   * each further `afterMs` of silence: a device that went away without a BYE (0: never).
   */
  watchSilence(afterMs: number, then: () => void): void {
    this.silence = afterMs > 0 ? { afterMs, then } : undefined;
  }

  private checkSilence(now: number): void {
    const silence = this.silence;
    if (!silence || !this.offer || now - this.lastHeard < silence.afterMs) return;
    // Told again after each further timeout: a call kept on hold is still watched once it is resumed.
    this.lastHeard = now;
    silence.then();
  }

  /** The device's answer to our offer (BadMediaRequest when it cannot be served, as for an offer). */
  accept(answerSdp: string): void {
    this.negotiated(readLegOffer(answerSdp));
  }

  /**
   * Opens a leg for the device's offer: a UDP socket on `address` (any free port), and the SDP answer that names it.
   * Rejects with a BadMediaRequest when the offer cannot be served (see readLegOffer).
   */
  static async open(id: string, offerSdp: string, settings: RtpLegSettings, report: Report): Promise<{ leg: RtpLeg; answer: string }> {
    const offer = readLegOffer(offerSdp);
    const socket = await bound(settings.address, settings.port ?? 0);
    const leg = new RtpLeg(id, socket, offer, report);
    return { leg, answer: writeLegAnswer(offerSdp, offer, settings.address, socket.address().port, settings.kbps) };
  }

  /** The codec negotiated with the device (undefined while our offer awaits its answer). */
  get codec(): LegOffer['codec'] | undefined {
    return this.offer?.codec;
  }

  /** Always a viewer: it hears the meeting from the moment it is set up. */
  get subscribed(): boolean {
    return true;
  }

  allSlots(): [] {
    return [];
  }

  /** What the room's plan gives this leg: the allowed microphones but its own, to mix (pictures are ignored). */
  feed(media: HiddenViewerMedia): void {
    this.feedMixer.follow(media.audio.filter((s) => s.owner !== this.id));
  }

  tick(): void {
    // The mixer keeps its own 20 ms pace (the shared ticker).
  }

  stats(): Record<string, number> {
    return { ...this.counts };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.feed({ audio: [], video: [], content: null });
    this.unticks();
    for (const s of this.sources.values()) s.close();
    this.sources.clear();
    this.socket.close();
  }

  private receive(msg: Buffer, from: RemoteInfo): void {
    if (this.closed || msg.length < 12 || msg.length > MAX_DATAGRAM || msg[0]! >> 6 !== 2) return;
    const payloadType = msg[1]! & 0x7f;
    this.lastHeard = Date.now();
    // RTCP shares the port when the device muxes it (payload types 72..76 read as RTCP packet types 200..204).
    if (payloadType >= 72 && payloadType <= 76) return;
    const offer = this.offer;
    if (!offer || payloadType !== offer.codec.payloadType) return; // telephone-event, comfort noise: not forwarded
    if (!this.latched || from.address !== this.remote?.address || from.port !== this.remote.port) {
      // Symmetric RTP: answer where the device really sends from (behind NAT, not what its SDP says).
      this.remote = { address: from.address, port: from.port };
      this.latched = true;
    }
    this.counts.received++;
    const payload = rtpPayload(msg);
    if (!payload) return;
    const source = this.sources.get('audio');
    if (!source) return;
    if (offer.codec.name === 'opus') {
      let level: number | undefined;
      try {
        level = audioLevel(this.decoder.decode(payload));
      } catch {
        level = undefined;
      }
      source.receive({ ssrc: msg.readUInt32BE(8), sequenceNumber: msg.readUInt16BE(2), timestamp: msg.readUInt32BE(4), marker: (msg[1]! & 0x80) !== 0 }, payload, 'opus', level);
      return;
    }
    this.narrow = concat(this.narrow, g711Decode(offer.codec.name, payload));
    // Bounded: a device sending faster than real time loses what piles up beyond a few frames.
    if (this.narrow.length > NARROW_FRAME * 10) this.narrow = this.narrow.slice(this.narrow.length - NARROW_FRAME * 10);
    while (this.narrow.length >= NARROW_FRAME) {
      const frame = this.narrow.subarray(0, NARROW_FRAME);
      this.narrow = this.narrow.slice(NARROW_FRAME);
      const wide = this.upsampler.up(frame);
      const opus = Buffer.from(this.encoder.encode(wide));
      source.receive({ ssrc: this.inSsrc, sequenceNumber: this.inSeq, timestamp: this.inTimestamp >>> 0, marker: false }, opus, 'opus', audioLevel(frame));
      this.inSeq = (this.inSeq + 1) & 0xffff;
      this.inTimestamp = (this.inTimestamp + FRAME_SAMPLES) >>> 0;
    }
  }

  private send(frame: MixedFrame): void {
    if (this.closed || !this.offer || !this.remote) return;
    const { codec } = this.offer;
    let payload: Uint8Array;
    let samples: number;
    if (codec.name === 'opus') {
      payload = frame.kind === 'opus' ? frame.payload : frame.kind === 'pcm' ? this.encoder.encode(frame.pcm) : OPUS_SILENCE;
      samples = FRAME_SAMPLES;
    } else {
      const pcm = frame.kind === 'pcm' ? frame.pcm : frame.kind === 'opus' ? this.decodeOpus(frame.payload) : new Int16Array(FRAME_SAMPLES);
      payload = g711Encode(codec.name, downsample(pcm));
      samples = NARROW_FRAME;
    }
    const packet = rtpPacket(codec.payloadType, this.outSeq, this.outTimestamp, this.outSsrc, payload);
    this.outSeq = (this.outSeq + 1) & 0xffff;
    this.outTimestamp = (this.outTimestamp + samples) >>> 0;
    this.socket.send(packet, this.remote.port, this.remote.address);
    this.counts.sent++;
  }

  /** A passed-through Opus frame, for a G.711 device: decoded (its own decoder: the mixer's are per input). */
  private decodeOpus(payload: Uint8Array): Int16Array {
    try {
      const pcm = this.decoder.decode(payload);
      return pcm.length >= FRAME_SAMPLES ? pcm.subarray(0, FRAME_SAMPLES) : new Int16Array(FRAME_SAMPLES);
    } catch {
      return new Int16Array(FRAME_SAMPLES);
    }
  }
}

/** A UDP socket bound to `address` on `port` (0: a free one); rejects when that port is taken. */
async function bound(address: string, port = 0): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // ICMP port unreachable (the device hung up first) and the like: nothing to do about them.
  socket.on('error', () => undefined);
  return socket;
}

/** The payload of an RTP packet (after CSRCs and a header extension, without padding); undefined when malformed. */
export function rtpPayload(msg: Buffer): Buffer | undefined {
  let offset = 12 + (msg[0]! & 0x0f) * 4;
  if (msg[0]! & 0x10) {
    if (msg.length < offset + 4) return undefined;
    offset += 4 + msg.readUInt16BE(offset + 2) * 4;
  }
  let end = msg.length;
  if (msg[0]! & 0x20) end -= msg[end - 1]!;
  return offset <= end ? msg.subarray(offset, end) : undefined;
}

function concat(a: Int16Array, b: Int16Array): Int16Array {
  if (a.length === 0) return b;
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

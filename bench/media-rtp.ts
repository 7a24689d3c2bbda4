/**
 * Synthetic RTP for the media benchmark (bench/media.ts): what the publishers send and what the receivers count.
 * The same packets go through the SFU (over a node-datachannel track, which SRTP-encrypts them) and through the raw
 * UDP relay baseline (plain RTP), so both carry the same sizes and rates.
 *
 * Video: VP8 in the RFC 7741 payload format, one-byte payload descriptor. The first packet of a frame has S = 1; the
 * first packet of a keyframe also carries a valid key frame header (frame tag with P = 0, start code 9d 01 2a, size),
 * which is what the SFU's slot rewriter waits for (isVp8Keyframe in src/media/policy/rtp-rewriter.ts) before it
 * forwards a source on a slot. The rest of the payload is filler. Audio: Opus-sized payloads (20 ms frames) with the
 * RFC 6464 audio-level header extension, which the SFU's active-speaker detector reads.
 */
import { isVp8Keyframe } from '../src/media/policy/rtp-rewriter.ts';

export const OPUS_PT = 111;
export const VP8_PT = 96;
/** Bytes on the wire per packet, before SRTP's 10-byte tag: a full-MTU video packet, a 32 kbps Opus frame. */
export const VIDEO_PACKET_BYTES = 1100;
export const AUDIO_PAYLOAD_BYTES = 80;
export const AUDIO_PPS = 50;
export const VIDEO_FPS = 30;

/** One outgoing stream: its SSRC, next sequence number and timestamp. */
export class RtpStream {
  seq = Math.floor(Math.random() * 0x10000);
  timestamp = Math.floor(Math.random() * 0x100000000);
  sent = 0;

  constructor(
    readonly ssrc: number,
    readonly payloadType: number,
  ) {}

  /** A 12-byte RTP header (+ extension when given) followed by `payloadBytes` bytes, written by `fill`. */
  packet(marker: boolean, payloadBytes: number, extension?: Buffer): Buffer {
    const headerBytes = 12 + (extension ? extension.length : 0);
    const buf = Buffer.alloc(headerBytes + payloadBytes);
    buf[0] = 0x80 | (extension ? 0x10 : 0);
    buf[1] = (marker ? 0x80 : 0) | this.payloadType;
    buf.writeUInt16BE(this.seq, 2);
    buf.writeUInt32BE(this.timestamp >>> 0, 4);
    buf.writeUInt32BE(this.ssrc >>> 0, 8);
    if (extension) extension.copy(buf, 12);
    this.seq = (this.seq + 1) & 0xffff;
    this.sent++;
    return buf;
  }
}

/** RFC 8285 one-byte header extension block with the RFC 6464 audio level (V = 1, level 0..127 −dBov). */
export function audioLevelExtension(id: number, level: number): Buffer {
  return Buffer.from([0xbe, 0xde, 0x00, 0x01, (id << 4) | 0, 0x80 | (level & 0x7f), 0, 0]);
}

/**
 * A synthetic Opus packet: 20 ms of "audio" at a constant level. `payload`: a real Opus frame to carry (for measures
 * that decode it, bench/recording.ts), instead of filler.
 */
export function audioPacket(stream: RtpStream, levelExtensionId: number | undefined, level: number, payload?: Uint8Array): Buffer {
  const ext = levelExtensionId === undefined ? undefined : audioLevelExtension(levelExtensionId, level);
  const buf = stream.packet(false, payload?.length ?? AUDIO_PAYLOAD_BYTES, ext);
  if (payload) buf.set(payload, buf.length - payload.length);
  stream.timestamp = (stream.timestamp + 960) >>> 0;
  return buf;
}

/**
 * Packets of one synthetic VP8 frame of `count` packets (each VIDEO_PACKET_BYTES); the timestamp advances by one
 * frame interval afterwards. A key frame starts with a valid key frame header.
 */
export function videoFrame(stream: RtpStream, count: number, key: boolean, width = 640, height = 360): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const buf = stream.packet(i === count - 1, VIDEO_PACKET_BYTES - 12);
    // VP8 payload descriptor: X = 0, N = 0, S = 1 on the first packet of the frame, partition index 0.
    buf[12] = i === 0 ? 0x10 : 0x00;
    if (i === 0) {
      // Frame tag (3 bytes): bit 0 = P (0 = key frame), version 0, show_frame 1, first partition size (filler).
      buf[13] = key ? 0x10 : 0x11;
      buf[14] = 0x02;
      buf[15] = 0x00;
      if (key) {
        buf[16] = 0x9d;
        buf[17] = 0x01;
        buf[18] = 0x2a;
        buf.writeUInt16LE(width & 0x3fff, 19);
        buf.writeUInt16LE(height & 0x3fff, 21);
      }
    }
    out.push(buf);
  }
  stream.timestamp = (stream.timestamp + 90_000 / VIDEO_FPS) >>> 0;
  return out;
}

/** Offset of the payload in an RTP packet (after CSRCs and the header extension), or -1 if malformed. */
export function payloadOffset(buf: Uint8Array): number {
  if (buf.length < 12) return -1;
  let offset = 12 + 4 * (buf[0]! & 0x0f);
  if (buf[0]! & 0x10) {
    if (buf.length < offset + 4) return -1;
    offset += 4 + 4 * ((buf[offset + 2]! << 8) | buf[offset + 3]!);
  }
  return offset <= buf.length ? offset : -1;
}

/** Is this RTP packet the first packet of a VP8 keyframe? */
export function isKeyframeStart(buf: Uint8Array): boolean {
  const offset = payloadOffset(buf);
  return offset >= 0 && isVp8Keyframe(buf.subarray(offset));
}

/**
 * Receive counters of one incoming stream, by its sequence numbers: `received` distinct packets, and the highest
 * extended sequence number seen. Lost packets over a window = (highest advance) − (received advance); a reordered
 * packet counts once it arrives. A packet seen before (a retransmission after a NACK, or a duplicate) is counted in
 * `duplicates` only, so that neither the forwarding rate nor the loss is flattered by it.
 */
export class StreamCounter {
  received = 0;
  duplicates = 0;
  highest = -1;
  firstAt = 0;
  /** The extended sequence numbers of the last SEEN_WINDOW packets, by position. */
  private readonly seen = new Float64Array(SEEN_WINDOW).fill(-1);

  add(seq: number, at: number): void {
    let ext: number;
    if (this.highest < 0) {
      ext = this.highest = seq;
      this.firstAt = at;
    } else {
      const delta = ((seq - (this.highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
      ext = this.highest + delta;
      if (delta > 0) this.highest = ext;
    }
    const slot = ext % SEEN_WINDOW;
    if (this.seen[slot] === ext) {
      this.duplicates++;
      return;
    }
    this.seen[slot] = ext;
    this.received++;
  }
}

const SEEN_WINDOW = 4096;

/** A snapshot of one stream's counters: packets received and the extended highest sequence number. */
export interface StreamSnapshot {
  received: number;
  highest: number;
  duplicates?: number;
}

/** Packets received and lost between two snapshots of the same streams (keyed by stream name). */
export function windowCounts(
  before: Record<string, StreamSnapshot>,
  after: Record<string, StreamSnapshot>,
): { received: number; lost: number; expected: number; streams: number; duplicates: number } {
  let received = 0;
  let duplicates = 0;
  let lost = 0;
  let expected = 0;
  let streams = 0;
  for (const [key, b] of Object.entries(after)) {
    const a = before[key];
    // A stream that began during the window counts from its first packet.
    const got = b.received - (a?.received ?? 0);
    const span = a && a.highest >= 0 ? b.highest - a.highest : got;
    if (got === 0 && span === 0) continue;
    streams++;
    received += got;
    duplicates += (b.duplicates ?? 0) - (a?.duplicates ?? 0);
    expected += Math.max(span, got);
    lost += Math.max(0, span - got);
  }
  return { received, lost, expected, streams, duplicates };
}

/**
 * RTP header rewriting for one outgoing slot. A viewer's slot is one stream with a fixed SSRC whose source changes
 * (speaker switch, pin, mute): to the viewer's decoder it must stay one well-formed stream, i.e.
 *  - sequence numbers continue from the last one sent, +1 per packet, wrapping at 16 bits (a jump or a step back
 *    reads as loss or duplicates and triggers NACK storms or discards);
 *  - timestamps continue from the last one sent, advanced by the wall time elapsed since (× clock rate), so playout
 *    timing stays plausible (a jump back reads as a stale packet; audio must also not overlap the previous packet);
 *  - video starts at a keyframe of the new source (anything before it cannot be decoded and would only show as
 *    artefacts until the next keyframe); the SFU sends a PLI to the source when it switches the slot.
 * Packets of the new source that are older than its first forwarded one are dropped: their numbers would fall
 * in the range already used by the previous source. Pure: plain objects in, header fields or "drop" out; the
 * caller passes the clock. (RTX/repair streams are not handled here: werift's sender answers NACKs from its cache.)
 */

export interface RtpPacketIn {
  ssrc: number;
  /** 16-bit sequence number. */
  seq: number;
  /** 32-bit RTP timestamp. */
  timestamp: number;
  marker: boolean;
  payload: Uint8Array;
  /** First packet of a keyframe. Video only; when absent, the payload is parsed as VP8 (`isVp8Keyframe`). */
  isKeyframe?: boolean;
}

export interface RtpHeaderOut {
  ssrc: number;
  seq: number;
  timestamp: number;
  marker: boolean;
}

export interface SlotRewriterOptions {
  /** The slot's fixed outgoing SSRC. */
  ssrc: number;
  kind: 'audio' | 'video';
  /** RTP clock rate: 48000 for Opus, 90000 for video. */
  clockRate: number;
  /**
   * Least timestamp advance at a switch, ms. Audio: one Opus frame (20 ms), else the new packet would overlap the last
   * one sent and the jitter buffer would discard it as late. Video: 0 (one tick, just a new frame).
   */
  minGapMs?: number;
}

const SEQ_MOD = 0x10000;
const HALF_SEQ = 0x8000;
const TS_MOD = 0x100000000;

/** State of one run: the packets of one source since the slot switched to it. Sequence numbers are unwrapped. */
interface Run {
  seqOffset: number;
  tsOffset: number;
  firstSeq: number;
  highestSeq: number;
}

export class SlotRewriter {
  private target: number | null = null;
  private run: Run | null = null;
  /** Last packet sent (highest sequence number), to continue from at the next switch. */
  private last: { seq: number; timestamp: number; at: number } | null = null;
  private readonly minGapMs: number;

  constructor(private readonly opts: SlotRewriterOptions) {
    this.minGapMs = opts.minGapMs ?? (opts.kind === 'audio' ? 20 : 0);
  }

  /** The source SSRC feeding the slot, or null. */
  get source(): number | null {
    return this.target;
  }

  /** True while a video slot drops its new source's packets until a keyframe (the SFU keeps asking: PLI). */
  get waitingForKeyframe(): boolean {
    return this.opts.kind === 'video' && this.target !== null && this.run === null;
  }

  /** Feeds the slot from `ssrc` from now on (null: nothing). Switching to the current source changes nothing. */
  switchTo(ssrc: number | null): void {
    if (ssrc === this.target) return;
    this.target = ssrc;
    this.run = null;
  }

  /** The header to send `packet` with on this slot, or "drop". */
  rewrite(packet: RtpPacketIn, now: number): RtpHeaderOut | 'drop' {
    if (this.target === null || packet.ssrc !== this.target) return 'drop';
    let run = this.run;
    let marker = packet.marker;
    if (run === null) {
      if (this.opts.kind === 'video' && !(packet.isKeyframe ?? isVp8Keyframe(packet.payload))) return 'drop';
      run = this.run = this.startRun(packet, now);
      // RFC 3551: the marker bit flags the first packet of a talkspurt, so the jitter buffer may resynchronise.
      if (this.opts.kind === 'audio' && this.last !== null) marker = true;
    }
    const ext = unwrap(packet.seq & 0xffff, run.highestSeq);
    if (ext < run.firstSeq) return 'drop';
    const seq = mod(ext + run.seqOffset, SEQ_MOD);
    const timestamp = mod(packet.timestamp + run.tsOffset, TS_MOD);
    if (ext > run.highestSeq) {
      run.highestSeq = ext;
      // Updated in place: this runs for every packet and every viewer.
      const last = (this.last ??= { seq, timestamp, at: now });
      last.seq = seq;
      last.timestamp = timestamp;
      last.at = now;
    }
    return { ssrc: this.opts.ssrc, seq, timestamp, marker };
  }

  /** Offsets that make `first` follow the last packet sent: next sequence number, timestamp advanced by wall time. */
  private startRun(first: RtpPacketIn, now: number): Run {
    const seq = first.seq & 0xffff;
    // highestSeq starts just below the first packet, so the first packet counts as the newest sent.
    if (this.last === null) return { seqOffset: 0, tsOffset: 0, firstSeq: seq, highestSeq: seq - 1 };
    const elapsedMs = Math.max(now - this.last.at, this.minGapMs);
    const ticks = Math.max(1, Math.round((elapsedMs * this.opts.clockRate) / 1000));
    return {
      seqOffset: mod(this.last.seq + 1 - seq, SEQ_MOD),
      tsOffset: mod(this.last.timestamp + ticks - first.timestamp, TS_MOD),
      firstSeq: seq,
      highestSeq: seq - 1,
    };
  }
}

/** The extended (unwrapped) sequence number of `seq` nearest to `reference`. */
function unwrap(seq: number, reference: number): number {
  const delta = mod(seq - reference + HALF_SEQ, SEQ_MOD) - HALF_SEQ;
  return reference + delta;
}

const mod = (n: number, m: number): number => ((n % m) + m) % m;

/**
 * Is this RTP payload the first packet of a VP8 keyframe? Parses the VP8 payload descriptor (RFC 7741 §4.2) to
 * find the payload header, which only the first packet of a frame carries (S = 1, partition index 0), then the
 * frame tag (RFC 6386 §9.1): P bit 0 = key frame, followed by the start code 9d 01 2a.
 */
export function isVp8Keyframe(payload: Uint8Array): boolean {
  const b0 = payload[0];
  if (b0 === undefined) return false;
  const extended = (b0 & 0x80) !== 0;
  const start = (b0 & 0x10) !== 0;
  const partition = b0 & 0x07;
  if (!start || partition !== 0) return false;
  let i = 1;
  if (extended) {
    const x = payload[i++];
    if (x === undefined) return false;
    if (x & 0x80) {
      // I: picture id, 7 bits, or 15 when its first bit (M) is set.
      const pid = payload[i];
      if (pid === undefined) return false;
      i += pid & 0x80 ? 2 : 1;
    }
    if (x & 0x40) i += 1; // L: TL0PICIDX
    if (x & 0x30) i += 1; // T or K: TID/Y/KEYIDX
  }
  // A key frame's header is 10 bytes: 3 frame tag, 3 start code, 2 width, 2 height.
  if (payload.length < i + 10) return false;
  return (payload[i]! & 0x01) === 0 && payload[i + 3] === 0x9d && payload[i + 4] === 0x01 && payload[i + 5] === 0x2a;
}

import type { MediaCodec } from '../policy/codecs.ts';
import { extendSequence, SendHistory } from '../policy/send-history.ts';
import { SlotRewriter } from '../policy/rtp-rewriter.ts';
import type { Sink, SlotSource, SourcePacket } from './source.ts';

/** While a video slot waits for its new source's keyframe, it asks again this often. */
const KEYFRAME_RETRY_MS = 1000;

/**
 * Where a slot's packets go: a viewer's subscriber connection (SRTP, src/media/sfu/srtp-transmitter.ts) or a plain
 * RTP socket (a recorder's ffmpeg, src/media/recorder/plain-rtp.ts). The slot decides what is sent and with which
 * header fields; the transmitter only puts it on the wire.
 */
export interface SlotTransmitter {
  /** Can packets go out now? A slot forwards nothing before (a viewer's DTLS not up yet): a keyframe must not be spent. */
  readonly ready: boolean;
  /** Sends one packet; `index` is the extended sequence number (rollovers · 2¹⁶ + sequence number). */
  send(index: number, timestamp: number, marker: boolean, payloadType: number, payload: Buffer, now: number): boolean;
  /** The same packet again (a NACK): not counted as sent. */
  resend(index: number, timestamp: number, marker: boolean, payloadType: number, payload: Buffer, now: number): void;
  /** Periodic duties (sender reports). */
  tick(now: number): void;
}

/**
 * The receiver's payload type for packets of a codec on this slot, or undefined when it cannot take that codec (it did
 * not negotiate it, or its input names another). Asked only while the transmitter is ready: a viewer's connection
 * knows what it negotiated once its answer is in.
 */
export type ReceiverCodecs = (codec: MediaCodec) => number | undefined;

/** What the receiving end asks of the slot (RTCP feedback); a recorder asks nothing. */
export interface SlotFeedback {
  onKeyframeRequest(listener: () => void): void;
  onNack(listener: (lost: number[]) => void): void;
}

/**
 * One outgoing stream: an audio slot, a video tile or the content slot of a viewer, or a recorder's picture. The source
 * feeding it changes (speaker switch, pin, mute); the rewriter keeps what the receiver gets one continuous stream, and
 * a video slot starts forwarding a new source at its next keyframe. Video slots keep what they sent, for NACKs.
 *
 * Each packet goes out with the receiver's payload type for the codec its publisher sends in; a packet in a codec the
 * receiver does not take is not sent at all (the SFU does not transcode), and such a source is not asked for keyframes
 * on the slot's behalf (they would cost its publisher and every other viewer bandwidth, every second, for nothing).
 */
export class OutSlot implements Sink {
  private source: SlotSource | null = null;
  private readonly rewriter: SlotRewriter;
  private readonly history: SendHistory | undefined;
  /** Extended sequence number of the last packet sent; -1 before the first. */
  private index = -1;
  private switchedAt = 0;
  forwarded = 0;

  constructor(
    readonly kind: 'audio' | 'video' | 'content',
    readonly mid: string,
    ssrc: number,
    private readonly transmitter: SlotTransmitter,
    private readonly codecs: ReceiverCodecs,
    feedback: SlotFeedback | undefined,
    private readonly report: (error: unknown, context: string) => void,
    /** Least timestamp advance at a source switch (see SlotRewriterOptions.minGapMs). */
    minGapMs?: number,
  ) {
    const audio = kind === 'audio';
    this.rewriter = new SlotRewriter({ ssrc, kind: audio ? 'audio' : 'video', clockRate: audio ? 48_000 : 90_000, ...(minGapMs !== undefined ? { minGapMs } : {}) });
    // Video has NACK negotiated (peer-config.ts), so its slots keep what they sent for retransmission.
    this.history = audio ? undefined : new SendHistory();
    // A receiver whose decoder lost the picture asks the slot; the request goes to whoever feeds it now.
    feedback?.onKeyframeRequest(() => {
      if (this.source && this.takes(this.source)) this.source.requestKeyframe();
    });
    if (this.history) feedback?.onNack((lost) => this.retransmit(lost));
  }

  get owner(): string | null {
    return this.source?.owner ?? null;
  }

  /** Feeds the slot from `source` (null: nothing); the same source again changes nothing. */
  feed(source: SlotSource | null, now = Date.now()): void {
    if (source === this.source) return;
    this.source?.remove(this);
    this.source = source;
    this.rewriter.switchTo(source?.key ?? null);
    this.switchedAt = now;
    if (source) {
      source.add(this);
      // A receiver that is not connected yet asks once it is (connected()): what would be sent now is dropped.
      if (this.transmitter.ready && this.takes(source)) source.requestKeyframe(now);
    }
  }

  /** The receiver's connection is up: a slot waiting for a keyframe asks for it at once. */
  connected(): void {
    if (this.rewriter.waitingForKeyframe && this.source && this.takes(this.source)) this.source.requestKeyframe();
  }

  /** Re-asks for the keyframe a switched video slot is still waiting for. */
  tick(now: number): void {
    this.transmitter.tick(now);
    if (this.source && this.rewriter.waitingForKeyframe && now - this.switchedAt >= KEYFRAME_RETRY_MS && this.takes(this.source)) {
      this.switchedAt = now;
      this.source.requestKeyframe(now);
    }
  }

  take(packet: SourcePacket, now: number): void {
    if (!this.transmitter.ready) return;
    // Before the rewriter: a packet that cannot be sent must not count as the keyframe a switched slot waits for.
    const payloadType = this.codecs(packet.codec);
    if (payloadType === undefined) return;
    const out = this.rewriter.rewrite(packet, now);
    if (out === 'drop') return;
    const index = extendSequence(this.index, out.seq);
    // The publisher's header extensions are not forwarded: their ids mean nothing on the receiver's connection.
    if (!this.transmitter.send(index, out.timestamp, out.marker, payloadType, packet.payload, now)) return;
    this.index = index;
    this.forwarded++;
    this.history?.record(index, out.timestamp, out.marker, payloadType, packet.payload);
  }

  /** Can the receiver take what the source sends? Yes until both are known (the source's first packet, the answer). */
  private takes(source: SlotSource): boolean {
    return source.codec === undefined || !this.transmitter.ready || this.codecs(source.codec) !== undefined;
  }

  close(): void {
    this.feed(null);
  }

  private retransmit(lost: number[]): void {
    const history = this.history;
    if (!history) return;
    try {
      const now = Date.now();
      for (const seq of lost) {
        const p = history.find(seq);
        if (p) this.transmitter.resend(p.index, p.timestamp, p.marker, p.payloadType, p.payload, now);
      }
    } catch (error) {
      this.report(error, `slot ${this.mid}: retransmitting after a NACK`);
    }
  }
}

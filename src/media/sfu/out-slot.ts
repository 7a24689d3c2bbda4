import { RtcpPayloadSpecificFeedback, type RTCRtpCodecParameters, type RTCRtpSender } from 'werift';
import { SlotRewriter } from '../policy/rtp-rewriter.ts';
import { type VideoCodec, videoCodecOf } from '../policy/video-codecs.ts';
import { RtpTransmitter } from './rtp-transmitter.ts';
import type { Sink, Source, SourcePacket } from './source.ts';

/** Payload-specific feedback message type of a Full Intra Request (RFC 5104 §4.3.1). */
const FIR_FMT = 4;

/** While a video slot waits for its new source's keyframe, it asks again this often. */
const KEYFRAME_RETRY_MS = 1000;

/**
 * One outgoing stream of a viewer's subscriber connection (a fixed sendonly transceiver): an audio slot, a video tile
 * or the content slot. The source feeding it changes (speaker switch, pin, mute); the rewriter keeps what the viewer
 * receives one continuous stream, and a video slot starts forwarding a new source at its next keyframe.
 */
export class OutSlot implements Sink {
  private source: Source | null = null;
  private readonly rewriter: SlotRewriter;
  private readonly transmitter: RtpTransmitter;
  private switchedAt = 0;
  /** Video: the viewer's payload type for each codec it negotiated on this slot (read once the answer is in). */
  private payloadTypes: Map<VideoCodec, number> | undefined;
  forwarded = 0;

  constructor(
    readonly kind: 'audio' | 'video' | 'content',
    readonly mid: string,
    private readonly sender: RTCRtpSender,
    private readonly report: (error: unknown, context: string) => void,
    private readonly negotiated: () => readonly RTCRtpCodecParameters[],
  ) {
    const audio = kind === 'audio';
    const clockRate = audio ? 48_000 : 90_000;
    this.rewriter = new SlotRewriter({ ssrc: sender.ssrc, kind: audio ? 'audio' : 'video', clockRate });
    // Video has NACK negotiated (peer-config.ts), so its slots keep what they sent for retransmission.
    this.transmitter = new RtpTransmitter(sender, mid, clockRate, !audio, report);
    // A viewer whose decoder lost the picture asks the slot; the request goes to whoever feeds it now.
    sender.onPictureLossIndication.subscribe(() => this.source?.requestKeyframe());

    // FIR (RFC 5104) asks for the same; werift's publisher side can only send PLI, which every browser honours.
    sender.onRtcp.subscribe((packet) => {
      if (packet instanceof RtcpPayloadSpecificFeedback && packet.feedback.count === FIR_FMT) this.source?.requestKeyframe();
    });
  }

  get owner(): string | null {
    return this.source?.owner ?? null;
  }

  /** Feeds the slot from `source` (null: nothing); the same source again changes nothing. */
  feed(source: Source | null, now = Date.now()): void {
    if (source === this.source) return;
    this.source?.remove(this);
    this.source = source;
    this.rewriter.switchTo(source?.key ?? null);
    this.switchedAt = now;
    if (source) {
      source.add(this);
      // A viewer whose connection is not up yet asks once it is (connected()): werift drops what it would send now.
      if (this.sender.dtlsTransport.state === 'connected' && this.decodes(source)) source.requestKeyframe(now);
    }
  }

  /** The viewer's connection is up: a slot waiting for a keyframe asks for it at once. */
  connected(): void {
    if (this.rewriter.waitingForKeyframe && this.source && this.decodes(this.source)) this.source.requestKeyframe();
  }

  /** Re-asks for the keyframe a switched video slot is still waiting for. */
  tick(now: number): void {
    this.transmitter.tick(now);
    // A source in a codec this viewer cannot take is not asked: its keyframes would cost its publisher and every
    // other viewer bandwidth, every second, for nothing.
    if (this.source && this.rewriter.waitingForKeyframe && now - this.switchedAt >= KEYFRAME_RETRY_MS && this.decodes(this.source)) {
      this.switchedAt = now;
      this.source.requestKeyframe(now);
    }
  }

  take(packet: SourcePacket, now: number): void {
    // werift drops what is sent before the viewer's DTLS is up: a keyframe must not be spent on it.
    if (this.sender.dtlsTransport.state !== 'connected') return;
    // Video goes out with the viewer's payload type for the publisher's codec; a codec the viewer did not negotiate
    // cannot be sent at all (no transcoding): its tile stays without picture (docs/protocol.md, codecs).
    let payloadType: number | undefined;
    if (packet.codec !== undefined) {
      payloadType = this.payloadTypeOf(packet.codec);
      if (payloadType === undefined) return;
    }
    const out = this.rewriter.rewrite(packet, now);
    if (out === 'drop') return;
    // The publisher's header extensions are not forwarded: their ids mean nothing on the viewer's connection.
    if (this.transmitter.send(out.seq, out.timestamp, out.marker, packet.payload, now, payloadType)) this.forwarded++;
  }

  /** Can this viewer take the source's video? Yes until both are known: the source's codec and the viewer's answer. */
  private decodes(source: Source): boolean {
    if (source.codec === undefined || this.sender.dtlsTransport.state !== 'connected') return true;
    return this.payloadTypeOf(source.codec) !== undefined;
  }

  /** Only once the viewer's connection is up: before its answer, the transceiver lists the SFU's own offer. */
  private payloadTypeOf(codec: VideoCodec): number | undefined {
    if (!this.payloadTypes) {
      // The first codec of each kind wins: the viewer's answer lists its preferred parameters first.
      const map = new Map<VideoCodec, number>();
      for (const c of [...this.negotiated()].reverse()) {
        const kind = videoCodecOf(c.mimeType);
        if (kind) map.set(kind, c.payloadType);
      }
      this.payloadTypes = map;
    }
    return this.payloadTypes.get(codec);
  }

  close(): void {
    this.feed(null);
  }
}

import type { MediaStreamTrack, RTCRtpReceiver, RTCRtpTransceiver } from 'werift';
import { isKeyframe, type MediaCodec, mediaCodecOf } from '../policy/codecs.ts';
import type { RtpPacketIn } from '../policy/rtp-rewriter.ts';

export type SourceKind = 'audio' | 'video' | 'content';

/** A received packet as every slot fed by the source sees it: `ssrc` is the source's key (see Source.key). */
export interface SourcePacket extends RtpPacketIn {
  payload: Buffer;
  /** The codec the publisher sends in: a slot sends the packet with its receiver's payload type for it, or not at all. */
  codec: MediaCodec;
  /** Audio: the RFC 6464 level the publisher put on the packet (0 loud … 127 silent), when it did. */
  level?: number;
}

/** Whoever takes a source's packets: an outgoing slot of some viewer. */
export interface Sink {
  take(packet: SourcePacket, now: number): void;
}

/**
 * What a slot is fed from: a participant's published stream (Source), or a stand-in a recorder shows while nobody
 * is on its picture (src/media/recorder/placeholder.ts). `key` stands for the stream in the slot rewriters.
 */
export interface SlotSource {
  readonly key: number;
  readonly owner: string;
  /** The codec of its latest packet; undefined before the first. */
  readonly codec: MediaCodec | undefined;
  add(sink: Sink): void;
  remove(sink: Sink): void;
  requestKeyframe(now?: number): void;
}

let serial = 0;
/** A new key for a slot source: unique in the process. */
export const nextSourceKey = (): number => ++serial;

/** Fewer keyframe requests than this apart are merged: many viewers switching at once cost the publisher one. */
const KEYFRAME_INTERVAL_MS = 300;

/** The fields of a received RTP header a source needs (werift's RtpHeader has them; a plain RTP leg parses them). */
export interface ReceivedHeader {
  ssrc: number;
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
}

/** How a source asks its publisher for a keyframe (RTCP PLI on the publisher's connection); absent for audio-only legs. */
export type KeyframeRequester = (ssrc: number) => Promise<void>;

/**
 * One published stream (a microphone, a camera or a screen share) as received by the SFU, whatever the transport that
 * carries it (a WebRTC publisher connection, see weriftSource; a plain RTP leg, src/media/rtp/). It fans its packets
 * out to the sinks currently fed by it; a throwing sink is reported and skipped, never allowed to stop the others
 * (werift stops calling a track's other handlers when one throws).
 */
export class Source implements SlotSource {
  /** Stands for this stream in the slot rewriters (the publisher's own SSRC may change when it republishes). */
  readonly key = nextSourceKey();
  private readonly sinks = new Set<Sink>();
  private ssrc: number | undefined;
  /** The codec of the latest packet; undefined before the first. */
  codec: MediaCodec | undefined;
  private lastKeyframeRequest = -Infinity;
  private trailing: ReturnType<typeof setTimeout> | undefined;
  received = 0;
  /** Latest audio level (RFC 6464, 0 loud … 127 silent) for the active-speaker detector. */
  onLevel: ((level: number, now: number) => void) | undefined;
  /** Run once at close (the transport's subscription to its packets). */
  private detachTransport: (() => void) | undefined;

  constructor(
    readonly owner: string,
    readonly kind: SourceKind,
    private readonly report: (error: unknown, context: string) => void,
    private readonly keyframes?: KeyframeRequester,
  ) {}

  /** Has a packet arrived (the publisher is really sending this stream)? */
  get live(): boolean {
    return this.ssrc !== undefined;
  }

  add(sink: Sink): void {
    this.sinks.add(sink);
  }

  remove(sink: Sink): void {
    this.sinks.delete(sink);
  }

  /** What stops the transport from feeding this source; called at close. */
  onClose(detach: () => void): void {
    this.detachTransport = detach;
  }

  /** Asks the publisher for a keyframe (PLI), at most once per KEYFRAME_INTERVAL_MS. */
  requestKeyframe(now = Date.now()): void {
    if (this.kind === 'audio' || this.ssrc === undefined || !this.keyframes) return;
    // A request inside the merge window goes out when the window ends: a new viewer's request must not be lost.
    if (now - this.lastKeyframeRequest < KEYFRAME_INTERVAL_MS) {
      this.trailing ??= setTimeout(() => {
        this.trailing = undefined;
        this.requestKeyframe();
      }, KEYFRAME_INTERVAL_MS - (now - this.lastKeyframeRequest));
      return;
    }
    this.lastKeyframeRequest = now;
    // The SSRC learnt from the packets: werift leaves track.ssrc unset for some streams, and a PLI naming no
    // stream is ignored by Chromium.
    this.keyframes(this.ssrc).catch((error: unknown) => this.report(error, `keyframe request to ${this.owner}`));
  }

  close(): void {
    clearTimeout(this.trailing);
    this.trailing = undefined;
    this.ssrc = undefined;
    this.codec = undefined;
    this.detachTransport?.();
    this.detachTransport = undefined;
    this.sinks.clear();
    this.onLevel = undefined;
  }

  /** One packet from the publisher in `codec`; `level` is its RFC 6464 audio level when known. Never throws. */
  receive(h: ReceivedHeader, payload: Buffer, codec: MediaCodec, level?: number): void {
    try {
      this.forward(h, payload, codec, level);
    } catch (error) {
      this.report(error, `forwarding ${this.kind} of ${this.owner}`);
    }
  }

  private forward(h: ReceivedHeader, payload: Buffer, codec: MediaCodec, level: number | undefined): void {
    const now = Date.now();
    const first = this.ssrc === undefined;
    this.ssrc = h.ssrc;
    this.codec = codec;
    this.received++;
    if (first && this.kind !== 'audio') this.requestKeyframe(now);
    if (this.onLevel && typeof level === 'number') this.onLevel(level, now);
    if (this.sinks.size === 0) return;
    // Made once per packet for all the viewers (the keyframe test too: a slot switching to this source waits for one).
    const forwarded: SourcePacket = {
      ssrc: this.key,
      seq: h.sequenceNumber,
      timestamp: h.timestamp,
      marker: h.marker,
      payload,
      codec,
      isKeyframe: this.kind !== 'audio' && isKeyframe(codec, payload),
      ...(typeof level === 'number' ? { level } : {}),
    };
    for (const sink of this.sinks) {
      try {
        sink.take(forwarded, now);
      } catch (error) {
        this.report(error, `forwarding ${this.kind} of ${this.owner}`);
      }
    }
  }
}

/**
 * A stream a WebRTC publisher connection receives (werift): its packets with their codec (by payload type, from the
 * transceiver's negotiated codecs), audio levels and keyframe requests. A payload type of no codec the SFU forwards
 * (none is negotiated: werift answers with Opus, VP8 and H.264 only) is not forwarded.
 */
export function weriftSource(owner: string, kind: SourceKind, transceiver: RTCRtpTransceiver, track: MediaStreamTrack, report: (error: unknown, context: string) => void): Source {
  const receiver: RTCRtpReceiver = transceiver.receiver;
  const source = new Source(owner, kind, report, (ssrc) => receiver.sendRtcpPLI(ssrc));
  // Payload type → codec, learnt once per payload type seen (the negotiation does not change on a publisher connection).
  const codecs = new Map<number, MediaCodec | undefined>();
  const codecOf = (payloadType: number): MediaCodec | undefined => {
    if (!codecs.has(payloadType)) {
      const mime = transceiver.codecs.find((c) => c.payloadType === payloadType)?.mimeType;
      codecs.set(payloadType, mime === undefined ? undefined : mediaCodecOf(mime));
    }
    return codecs.get(payloadType);
  };
  const { unSubscribe } = track.onReceiveRtp.subscribe((packet, extensions) => {
    const codec = codecOf(packet.header.payloadType);
    if (!codec) return;
    const level = kind === 'audio' ? (extensions?.[AUDIO_LEVEL_URI] as { level?: number } | undefined)?.level : undefined;
    source.receive(packet.header, packet.payload, codec, level);
  });
  source.onClose(unSubscribe);
  return source;
}

export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

import type { MediaStreamTrack, RTCRtpCodecParameters, RTCRtpReceiver, RtpPacket } from 'werift';
import type { RtpPacketIn } from '../policy/rtp-rewriter.ts';
import { isKeyframe, type VideoCodec, videoCodecOf } from '../policy/video-codecs.ts';

export type SourceKind = 'audio' | 'video' | 'content';

/** A received packet as every slot fed by the source sees it: `ssrc` is the source's key (see Source.key). */
export interface SourcePacket extends RtpPacketIn {
  payload: Buffer;
  /** Video: the codec the publisher sends in (by the packet's payload type); undefined for audio. */
  codec?: VideoCodec | undefined;
}

/** Whoever takes a source's packets: an outgoing slot of some viewer. */
export interface Sink {
  take(packet: SourcePacket, now: number): void;
}

/** Fewer keyframe requests than this apart are merged: many viewers switching at once cost the publisher one. */
const KEYFRAME_INTERVAL_MS = 300;
let serial = 0;

/**
 * One published stream (a microphone, a camera or a screen share) as received by the SFU. It fans its packets out to
 * the sinks currently fed by it; a throwing sink is reported and skipped, never allowed to stop the others (werift
 * stops calling a track's other handlers when one throws).
 */
export class Source {
  /** Stands for this stream in the slot rewriters (the publisher's own SSRC may change when it republishes). */
  readonly key = ++serial;
  private readonly sinks = new Set<Sink>();
  private ssrc: number | undefined;
  private lastKeyframeRequest = -Infinity;
  private trailing: ReturnType<typeof setTimeout> | undefined;
  received = 0;
  /** Latest audio level (RFC 6464, 0 loud … 127 silent) for the active-speaker detector. */
  onLevel: ((level: number, now: number) => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Payload type → video codec, from the publisher connection's negotiated codecs (learnt per payload type seen). */
  private readonly codecs = new Map<number, VideoCodec | undefined>();

  constructor(
    readonly owner: string,
    readonly kind: SourceKind,
    private readonly receiver: RTCRtpReceiver,
    track: MediaStreamTrack,
    private readonly report: (error: unknown, context: string) => void,
    private readonly negotiated: () => readonly RTCRtpCodecParameters[],
  ) {
    this.unsubscribe = track.onReceiveRtp.subscribe((packet, extensions) => {
      try {
        this.receive(packet, extensions);
      } catch (error) {
        this.report(error, `forwarding ${kind} of ${owner}`);
      }
    }).unSubscribe;
  }

  /** Video: the codec of the latest packet; undefined before the first (and for audio). */
  codec: VideoCodec | undefined;

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

  /** Asks the publisher for a keyframe (PLI), at most once per KEYFRAME_INTERVAL_MS. */
  requestKeyframe(now = Date.now()): void {
    if (this.kind === 'audio' || this.ssrc === undefined) return;
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
    this.receiver.sendRtcpPLI(this.ssrc).catch((error: unknown) => this.report(error, `keyframe request to ${this.owner}`));
  }

  private codecOf(payloadType: number): VideoCodec | undefined {
    if (!this.codecs.has(payloadType)) {
      const mime = this.negotiated().find((c) => c.payloadType === payloadType)?.mimeType;
      this.codecs.set(payloadType, mime === undefined ? undefined : videoCodecOf(mime));
    }
    return this.codecs.get(payloadType);
  }

  close(): void {
    clearTimeout(this.trailing);
    this.trailing = undefined;
    this.ssrc = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.sinks.clear();
    this.onLevel = undefined;
  }

  private receive(packet: RtpPacket, extensions: Record<string, unknown> | undefined): void {
    const now = Date.now();
    const first = this.ssrc === undefined;
    this.ssrc = packet.header.ssrc;
    this.received++;
    if (first && this.kind !== 'audio') this.requestKeyframe(now);
    if (this.onLevel) {
      const level = (extensions?.[AUDIO_LEVEL_URI] as { level?: number } | undefined)?.level;
      if (typeof level === 'number') this.onLevel(level, now);
    }
    if (this.sinks.size === 0) return;
    // Made once per packet for all the viewers (the keyframe test too: a slot switching to this source waits for one).
    const h = packet.header;
    const codec = this.kind === 'audio' ? undefined : this.codecOf(h.payloadType);
    // A video payload type that is neither VP8 nor H.264 (none is negotiated) is not forwarded.
    if (this.kind !== 'audio' && !codec) return;
    this.codec = codec;
    const forwarded: SourcePacket = {
      ssrc: this.key,
      seq: h.sequenceNumber,
      timestamp: h.timestamp,
      marker: h.marker,
      payload: packet.payload,
      isKeyframe: codec !== undefined && isKeyframe(codec, packet.payload),
      codec,
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

export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

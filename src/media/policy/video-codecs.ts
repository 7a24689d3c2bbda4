/**
 * The video codecs the SFU forwards, and where a keyframe starts in each. The SFU never transcodes: a publisher sends
 * in the codec its connection negotiated, and a viewer gets that stream on a slot only if its own connection
 * negotiated the same codec (docs/protocol.md, codecs).
 */
import { isVp8Keyframe } from './rtp-rewriter.ts';

export type VideoCodec = 'vp8' | 'h264';

/** The codec of a negotiated payload type's MIME type (video/VP8, video/H264); undefined for any other. */
export function videoCodecOf(mimeType: string): VideoCodec | undefined {
  const m = mimeType.toLowerCase();
  return m === 'video/vp8' ? 'vp8' : m === 'video/h264' ? 'h264' : undefined;
}

/** NAL unit types (RFC 6184 §5.4, H.264 Table 7-1). */
const IDR = 5;
const SPS = 7;
const STAP_A = 24;
const FU_A = 28;

/**
 * Is this RTP payload (packetization-mode 1) where an H.264 keyframe starts? A decoder can start at the sequence
 * parameter set that precedes each IDR picture (browsers send SPS and PPS in one STAP-A, or as single NAL units, just
 * before it), or at the first fragment of the IDR picture itself when a sender put no SPS before it.
 */
export function isH264Keyframe(payload: Uint8Array): boolean {
  const b0 = payload[0];
  if (b0 === undefined) return false;
  const type = b0 & 0x1f;
  if (type === SPS || type === IDR) return true;
  if (type === FU_A) {
    const fu = payload[1];
    return fu !== undefined && (fu & 0x80) !== 0 && (fu & 0x1f) === IDR;
  }
  if (type === STAP_A) {
    // Aggregated NAL units, each preceded by its 16-bit size; bounded by the payload.
    for (let i = 1; i + 2 < payload.length; ) {
      const size = (payload[i]! << 8) | payload[i + 1]!;
      const nal = payload[i + 2]! & 0x1f;
      if (nal === SPS || nal === IDR) return true;
      if (size === 0) return false;
      i += 2 + size;
    }
  }
  return false;
}

export function isKeyframe(codec: VideoCodec, payload: Uint8Array): boolean {
  return codec === 'h264' ? isH264Keyframe(payload) : isVp8Keyframe(payload);
}

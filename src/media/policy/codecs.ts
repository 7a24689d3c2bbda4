/**
 * The codecs the SFU forwards, and where a keyframe starts in each video codec. The SFU never transcodes what it
 * forwards: a publisher sends in the codec its connection negotiated, and a receiver gets that stream on a slot only
 * if it takes the same codec there (docs/protocol.md, codecs). Audio is Opus on every connection (a plain RTP leg
 * brings G.711 to Opus before publishing it).
 */
import { isVp8Keyframe } from './rtp-rewriter.ts';

export type VideoCodec = 'vp8' | 'h264';
export type MediaCodec = 'opus' | VideoCodec;

/** The codec of a negotiated payload type's MIME type (audio/opus, video/VP8, video/H264); undefined for any other. */
export function mediaCodecOf(mimeType: string): MediaCodec | undefined {
  switch (mimeType.toLowerCase()) {
    case 'audio/opus':
      return 'opus';
    case 'video/vp8':
      return 'vp8';
    case 'video/h264':
      return 'h264';
    default:
      return undefined;
  }
}

/**
 * A receiver's payload type for each codec it negotiated, from its codec list (first of each codec wins: an answer
 * lists its preferred parameters first); RTX, RED, FEC and the like are left out.
 */
export function payloadTypesOf(codecs: ReadonlyArray<{ mimeType: string; payloadType: number }>): Map<MediaCodec, number> {
  const table = new Map<MediaCodec, number>();
  for (const c of codecs) {
    const codec = mediaCodecOf(c.mimeType);
    if (codec && !table.has(codec)) table.set(codec, c.payloadType);
  }
  return table;
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

/** Does a packet of this codec start a picture a decoder can begin at? Never for audio (every Opus frame stands alone). */
export function isKeyframe(codec: MediaCodec, payload: Uint8Array): boolean {
  return codec === 'h264' ? isH264Keyframe(payload) : codec === 'vp8' ? isVp8Keyframe(payload) : false;
}

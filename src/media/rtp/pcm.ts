/**
 * Telephone-rate PCM beside the mixer's 48 kHz: the plain RTP leg turns 8 kHz G.711 audio into 48 kHz (for Opus and
 * the mixer) and back. Speech on a telephone line carries nothing above 4 kHz, so simple filters do: linear
 * interpolation up, the mean of each six samples down (a box filter that keeps most of what is above 4 kHz from folding
 * back). Also the RFC 6464 level of a frame, which the SFU's speaker detection and the mixer's silence test read.
 */
export const UPSAMPLE = 6;

/** Upsampler from 8 to 48 kHz that carries the last sample over, so frames join without a click. */
export class Upsampler {
  private last = 0;

  up(pcm: Int16Array): Int16Array {
    const out = new Int16Array(pcm.length * UPSAMPLE);
    let prev = this.last;
    for (let i = 0; i < pcm.length; i++) {
      const next = pcm[i]!;
      for (let k = 0; k < UPSAMPLE; k++) out[i * UPSAMPLE + k] = prev + ((next - prev) * (k + 1)) / UPSAMPLE;
      prev = next;
    }
    this.last = prev;
    return out;
  }
}

/** 48 kHz to 8 kHz: the mean of every six samples (the length is a multiple of six: 20 ms frames). */
export function downsample(pcm: Int16Array): Int16Array {
  const out = new Int16Array(Math.floor(pcm.length / UPSAMPLE));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let k = 0; k < UPSAMPLE; k++) sum += pcm[i * UPSAMPLE + k]!;
    out[i] = Math.round(sum / UPSAMPLE);
  }
  return out;
}

/** The RFC 6464 level of the samples: −dBov of their RMS, 0 (loudest) to 127 (digital silence). */
export function audioLevel(pcm: Int16Array): number {
  if (pcm.length === 0) return 127;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
  const rms = Math.sqrt(sum / pcm.length);
  if (rms < 1) return 127;
  return Math.min(127, Math.max(0, Math.round(-20 * Math.log10(rms / 32_768))));
}

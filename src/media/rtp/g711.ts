/**
 * G.711 (ITU-T G.711): 8 kHz telephone audio, one byte per sample, µ-law (PCMU, RTP payload type 0) or A-law (PCMA, 8).
 * Both compress a 16-bit sample into a sign, a 3-bit segment (the position of its highest bit) and 4 bits below it.
 * Tables of the 256 decoded values are built once; encoding computes the segment.
 */
export type G711Law = 'PCMU' | 'PCMA';

const MULAW_BIAS = 0x84;
const CLIP = 32_635;

/** floor(log2(n)) for n in 1..255 (0 for 0): the segment of a sample's top bits. */
const topBit = (n: number): number => (n === 0 ? 0 : 31 - Math.clz32(n));

function mulawEncode(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > CLIP) s = CLIP;
  s += MULAW_BIAS;
  const segment = topBit((s >> 7) & 0xff);
  const mantissa = (s >> (segment + 3)) & 0x0f;
  return ~(sign | (segment << 4) | mantissa) & 0xff;
}

function mulawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const segment = (u >> 4) & 7;
  const sample = (((u & 0x0f) << 3) + MULAW_BIAS) << segment;
  return u & 0x80 ? MULAW_BIAS - sample : sample - MULAW_BIAS;
}

function alawEncode(sample: number): number {
  let s = sample;
  // A-law sets the sign bit for positive samples, and inverts every other bit on the wire (xor 0x55).
  const sign = s >= 0 ? 0x80 : 0;
  if (!sign) s = -s;
  if (s > CLIP) s = CLIP;
  let byte: number;
  if (s >= 256) {
    const segment = topBit((s >> 8) & 0x7f) + 1;
    byte = (segment << 4) | ((s >> (segment + 3)) & 0x0f);
  } else {
    byte = s >> 4;
  }
  return byte ^ (sign ^ 0x55);
}

function alawDecode(byte: number): number {
  const a = byte ^ 0x55;
  const segment = (a >> 4) & 7;
  const mantissa = a & 0x0f;
  const magnitude = segment === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (segment - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

const DECODED: Record<G711Law, Int16Array> = {
  PCMU: Int16Array.from({ length: 256 }, (_, b) => mulawDecode(b)),
  PCMA: Int16Array.from({ length: 256 }, (_, b) => alawDecode(b)),
};

/** Samples of a G.711 payload. */
export function g711Decode(law: G711Law, payload: Uint8Array): Int16Array {
  const table = DECODED[law];
  const out = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i]!]!;
  return out;
}

/** A G.711 payload of the samples. */
export function g711Encode(law: G711Law, pcm: Int16Array): Buffer {
  const encode = law === 'PCMU' ? mulawEncode : alawEncode;
  const out = Buffer.allocUnsafe(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = encode(pcm[i]!);
  return out;
}

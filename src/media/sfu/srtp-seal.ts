import { type Cipher, createCipheriv, createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** DTLS-SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2). */
export const SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001;
export const SRTP_AEAD_AES_128_GCM = 0x0007;

/** The session keys of one direction of an SRTP session, already derived from the DTLS master secret. */
export interface SrtpKeys {
  profile: number;
  key: Buffer;
  /** 14 bytes; GCM uses the first 12. */
  salt: Buffer;
  /** HMAC-SHA1 key (AES-CM profile only). */
  authKey: Buffer;
}

/**
 * Encrypts and authenticates the RTP packets of one outgoing SSRC in place (RFC 3711, RFC 7714). It exists because
 * the general path costs a new cipher context, a parsed header object and several copies per packet, and the SFU
 * sends each packet once per viewer: here the AES-CM keystream comes from one reusable AES-ECB context in a single
 * call per packet, and nothing is allocated but the keystream and the tag.
 */
export interface SrtpStream {
  /** Bytes the tag adds after the payload. */
  readonly tagLength: number;
  /** `packet` holds the RTP header, the payload and `tagLength` spare bytes; `roc` is the rollover counter. */
  seal(packet: Buffer, headerLength: number, roc: number, seq: number): void;
}

/** Keys of one SRTP session direction, shared by all the SSRCs sent on it. */
export class SrtpSealer {
  private ecb: Cipher | undefined;
  private authKey: KeyObject | undefined;

  constructor(readonly keys: SrtpKeys) {
    if (keys.profile !== SRTP_AES128_CM_HMAC_SHA1_80 && keys.profile !== SRTP_AEAD_AES_128_GCM) {
      throw new Error(`unsupported SRTP profile ${keys.profile}`);
    }
  }

  stream(ssrc: number): SrtpStream {
    if (this.keys.profile === SRTP_AEAD_AES_128_GCM) return new GcmStream(this.keys, ssrc);
    if (!this.ecb) {
      // ECB over counter blocks is CTR mode whose counters we lay out ourselves; one context serves every packet.
      this.ecb = createCipheriv('aes-128-ecb', this.keys.key, null);
      this.ecb.setAutoPadding(false);
      this.authKey = createSecretKey(this.keys.authKey);
    }
    return new CmStream(this.ecb, this.authKey!, this.keys.salt, ssrc);
  }
}

const CM_TAG = 10;
/** Packets whose AES-CM keystream is computed in one call: the call, not the AES, is what costs. */
const BATCH = 8;

class CmStream implements SrtpStream {
  readonly tagLength = CM_TAG;
  /** Blocks of keystream per packet (grows to the largest payload seen). */
  private perPacket = 0;
  /** Counter blocks (RFC 3711 §4.1.1) for BATCH packets: salt ⊕ SSRC ⊕ packet index, then the block number. */
  private counters: Buffer = Buffer.alloc(0);
  /** Keystream of the packets base … base + BATCH − 1; base −1: none yet. */
  private keystream: Buffer = Buffer.alloc(0);
  private base = -1;
  /** The rollover counter laid into each packet's counter blocks (-1: none yet). */
  private readonly slotRoc: number[] = new Array<number>(BATCH).fill(-1);

  constructor(
    private readonly ecb: Cipher,
    private readonly authKey: KeyObject,
    private readonly salt: Buffer,
    private readonly ssrc: number,
  ) {}

  seal(packet: Buffer, headerLength: number, roc: number, seq: number): void {
    const payloadLength = packet.length - headerLength - CM_TAG;
    const blocks = (payloadLength + 15) >>> 4;
    if (blocks > this.perPacket) this.widen(blocks);
    const index = roc * 65536 + seq;
    let offset = (index - this.base) * this.perPacket * 16;
    let keystream = this.keystream;
    if (this.base < 0 || index >= this.base + BATCH) {
      // The next packets are sent in order (the slot rewriter's sequence), so their keystream is made ahead.
      this.keystream = keystream = this.generate(index, BATCH);
      this.base = index;
      offset = 0;
    } else if (index < this.base) {
      // An older packet again (a retransmission): its own keystream, the batch stays.
      keystream = this.generate(index, 1);
      offset = 0;
    }
    xorInto(packet, headerLength, keystream, offset, payloadLength);
    // The tag authenticates header ‖ encrypted payload ‖ ROC: the ROC goes where the tag will be, for one update.
    const end = headerLength + payloadLength;
    packet.writeUInt32BE(roc >>> 0, end);
    // The digest as a string: an ordinary heap value, where a Buffer would be one more native allocation per packet
    // for the garbage collector to track (measured: full collections every few hundred ms at 25k packets/s).
    packet.write(createHmac('sha1', this.authKey).update(packet.subarray(0, end + 4)).digest('binary'), end, CM_TAG, 'latin1');
  }

  /** Room for `blocks` per packet; the counters' constant part (salt ⊕ SSRC, block numbers) is laid out once. */
  private widen(blocks: number): void {
    this.perPacket = (blocks + 3) & ~3;
    const c = Buffer.alloc(BATCH * this.perPacket * 16);
    for (let p = 0; p < BATCH; p++) {
      for (let b = 0; b < this.perPacket; b++) {
        const at = (p * this.perPacket + b) * 16;
        this.salt.copy(c, at, 0, 14);
        c.writeUInt32BE((c.readUInt32BE(at + 4) ^ this.ssrc) >>> 0, at + 4);
        c.writeUInt16BE(b, at + 14);
      }
    }
    this.counters = c;
    this.base = -1;
    this.slotRoc.fill(-1);
  }

  /** Keystream for `count` packets from `index` on (ROC · 2¹⁶ + SEQ), perPacket blocks each. */
  private generate(index: number, count: number): Buffer {
    const c = this.counters;
    const salt = this.salt;
    const blockBytes = this.perPacket * 16;
    for (let p = 0; p < count; p++) {
      const i = index + p;
      const roc = Math.floor(i / 65536);
      const seq = i % 65536;
      const first = p * blockBytes;
      // The rollover counter changes once in 65536 packets: its bytes are rewritten only then.
      if (this.slotRoc[p] !== roc) {
        this.slotRoc[p] = roc;
        const r0 = salt[8]! ^ (roc >>> 24), r1 = salt[9]! ^ ((roc >>> 16) & 0xff), r2 = salt[10]! ^ ((roc >>> 8) & 0xff), r3 = salt[11]! ^ (roc & 0xff);
        for (let at = first; at < first + blockBytes; at += 16) {
          c[at + 8] = r0;
          c[at + 9] = r1;
          c[at + 10] = r2;
          c[at + 11] = r3;
        }
      }
      const s0 = salt[12]! ^ (seq >>> 8), s1 = salt[13]! ^ (seq & 0xff);
      for (let at = first + 12; at < first + blockBytes; at += 16) {
        c[at] = s0;
        c[at + 1] = s1;
      }
    }
    return this.ecb.update(c.subarray(0, count * blockBytes));
  }
}

const GCM_TAG = 16;

class GcmStream implements SrtpStream {
  readonly tagLength = GCM_TAG;
  private readonly iv = Buffer.alloc(12);

  constructor(
    private readonly keys: SrtpKeys,
    private readonly ssrc: number,
  ) {}

  seal(packet: Buffer, headerLength: number, roc: number, seq: number): void {
    // RFC 7714 §8.1: IV = salt ⊕ (00 00 ‖ SSRC ‖ ROC ‖ SEQ); the header is the additional authenticated data.
    const iv = this.iv;
    const salt = this.keys.salt;
    iv.writeUInt16BE(0, 0);
    iv.writeUInt32BE(this.ssrc >>> 0, 2);
    iv.writeUInt32BE(roc >>> 0, 6);
    iv.writeUInt16BE(seq, 10);
    for (let i = 0; i < 12; i++) iv[i] = iv[i]! ^ salt[i]!;
    const end = packet.length - GCM_TAG;
    const cipher = createCipheriv('aes-128-gcm', this.keys.key, iv);
    cipher.setAAD(packet.subarray(0, headerLength));
    cipher.update(packet.subarray(headerLength, end)).copy(packet, headerLength);
    cipher.final();
    cipher.getAuthTag().copy(packet, end);
  }
}

/** dst[at …] ^= keystream[from …], a word at a time where both are 4-byte aligned (they are for our own buffers). */
function xorInto(dst: Buffer, at: number, keystream: Buffer, from: number, length: number): void {
  let i = 0;
  const d0 = dst.byteOffset + at;
  const k0 = keystream.byteOffset + from;
  if ((d0 & 3) === 0 && (k0 & 3) === 0) {
    const d = packetWords.of(dst.buffer);
    const k = keystreamWords.of(keystream.buffer);
    const n = length >>> 2;
    for (let w = 0, dw = d0 >>> 2, kw = k0 >>> 2; w < n; w++) d[dw + w] = d[dw + w]! ^ k[kw + w]!;
    i = n << 2;
  }
  for (; i < length; i++) dst[at + i] = dst[at + i]! ^ keystream[from + i]!;
}

/**
 * A word view of the last ArrayBuffer asked for: consecutive packets come from the same Buffer pool slab and a batch
 * of keystream is one buffer, so making a typed-array view per packet (which measurably cost) is mostly avoided.
 */
class WordView {
  private buffer: ArrayBufferLike | undefined;
  private view: Int32Array<ArrayBufferLike> = new Int32Array(0);

  of(buffer: ArrayBufferLike): Int32Array {
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.view = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
    }
    return this.view;
  }
}
const packetWords = new WordView();
const keystreamWords = new WordView();

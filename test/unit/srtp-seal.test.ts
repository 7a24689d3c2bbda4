import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { RtpHeader, RtpPacket, SrtpSession } from 'werift';
import { SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80, SrtpSealer } from '../../src/media/sfu/srtp-seal.ts';

/**
 * The SFU's own SRTP sealing, checked against werift's independent SRTP implementation (which interoperates with
 * browsers): what we seal must decrypt and authenticate there, for both profiles, across a sequence-number rollover.
 */
function sessions(profile: number) {
  const saltLength = profile === SRTP_AEAD_AES_128_GCM ? 12 : 14;
  const a = { key: randomBytes(16), salt: randomBytes(saltLength) };
  const b = { key: randomBytes(16), salt: randomBytes(saltLength) };
  const keys = (local: typeof a, remote: typeof a) => ({
    keys: { localMasterKey: local.key, localMasterSalt: local.salt, remoteMasterKey: remote.key, remoteMasterSalt: remote.salt },
    profile: profile as 1 | 7,
  });
  const sender = new SrtpSession(keys(a, b));
  const receiver = new SrtpSession(keys(b, a));
  const ctx = sender.localContext as unknown as { srtpSessionKey: Buffer; srtpSessionSalt: Buffer; srtpSessionAuthTag: Buffer };
  const sealer = new SrtpSealer({ profile, key: ctx.srtpSessionKey, salt: ctx.srtpSessionSalt, authKey: ctx.srtpSessionAuthTag });
  return { sender, receiver, sealer };
}

function packetBytes(seq: number, payload: Buffer, tag: number): { packet: Buffer; headerLength: number } {
  const header = new RtpHeader({ sequenceNumber: seq, timestamp: seq * 3000, ssrc: 0x1234abcd, payloadType: 96, marker: seq % 3 === 0 });
  const h = header.serialize(header.serializeSize);
  const packet = Buffer.alloc(h.length + payload.length + tag);
  h.copy(packet);
  payload.copy(packet, h.length);
  return { packet, headerLength: h.length };
}

for (const [name, profile] of [
  ['AES-CM with HMAC-SHA1-80', SRTP_AES128_CM_HMAC_SHA1_80],
  ['AEAD AES-128-GCM', SRTP_AEAD_AES_128_GCM],
] as const) {
  describe(`SRTP sealing: ${name}`, () => {
    it('decrypts to the same packet in werift, for every payload size, across a sequence rollover', () => {
      const { receiver, sealer } = sessions(profile);
      const stream = sealer.stream(0x1234abcd);
      let roc = 0;
      // Sizes around block boundaries (15, 16, 17 …) and a full video packet; seqs run through 65535 → 0.
      const sizes = [1, 15, 16, 17, 31, 80, 1100, 1200];
      for (let i = 0, seq = 65530; i < 24; i++, seq = (seq + 1) & 0xffff) {
        if (seq === 0) roc++;
        const payload = randomBytes(sizes[i % sizes.length]!);
        const { packet, headerLength } = packetBytes(seq, payload, stream.tagLength);
        stream.seal(packet, headerLength, roc, seq);
        // (A 1-byte payload may encrypt to itself by chance: 1 in 256.)
        if (payload.length >= 16) assert.notDeepEqual(packet.subarray(headerLength, headerLength + payload.length), payload, 'the payload is encrypted');
        const clear = RtpPacket.deSerialize(receiver.decrypt(packet));
        assert.equal(clear.header.sequenceNumber, seq);
        assert.equal(clear.header.timestamp, (seq * 3000) >>> 0);
        assert.deepEqual(clear.payload, payload);
      }
    });

    it('a changed byte fails authentication', () => {
      const { receiver, sealer } = sessions(profile);
      const stream = sealer.stream(0x1234abcd);
      const { packet, headerLength } = packetBytes(7, randomBytes(200), stream.tagLength);
      stream.seal(packet, headerLength, 0, 7);
      packet[headerLength + 5]! ^= 1;
      assert.throws(() => receiver.decrypt(packet));
    });

    it('sealing an earlier packet again gives the same bytes (a retransmission is the lost packet itself)', () => {
      const { sealer } = sessions(profile);
      const stream = sealer.stream(0x1234abcd);
      const payloads = Array.from({ length: 30 }, (_, i) => randomBytes(100 + 40 * i));
      const sealed = payloads.map((payload, seq) => {
        const { packet, headerLength } = packetBytes(seq, payload, stream.tagLength);
        stream.seal(packet, headerLength, 0, seq);
        return packet;
      });
      for (const seq of [3, 28, 17]) {
        const { packet, headerLength } = packetBytes(seq, payloads[seq]!, stream.tagLength);
        stream.seal(packet, headerLength, 0, seq);
        assert.deepEqual(packet, sealed[seq], `packet ${seq} sealed again`);
      }
    });
  });
}

describe('SRTP sealing: profiles', () => {
  it('refuses a profile it cannot seal', () => {
    assert.throws(() => new SrtpSealer({ profile: 2, key: randomBytes(16), salt: randomBytes(14), authKey: randomBytes(20) }), /unsupported SRTP profile 2/);
  });
});

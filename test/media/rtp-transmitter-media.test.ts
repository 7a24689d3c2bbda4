/**
 * The SFU's own send path (an OutSlot over an SrtpTransmitter: header template, SRTP sealing, straight to the ICE
 * pair's socket) against a real receiving WebRTC stack, werift's (whose SRTP, RTP parsing and RTCP are independent of
 * our sealing code): what arrives is exactly what was sent, across a sequence-number rollover, with the negotiated
 * extensions and the receiver's payload type for each packet's codec; a NACK brings the lost packet again (from the
 * slot's history, through the transmitter, with the payload type it first had); sender reports arrive. Both SRTP
 * profiles. Loopback-only namespace (scripts/test.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import {
  GenericNack,
  RTCPeerConnection,
  RTP_EXTENSION_URI,
  RtcpSrPacket,
  RtcpTransportLayerFeedback,
  type RTCRtpTransceiver,
  type RtpPacket,
} from 'werift';
import { payloadTypesOf } from '../../src/media/policy/codecs.ts';
import { peerConfig } from '../../src/media/sfu/peer-config.ts';
import { OutSlot } from '../../src/media/sfu/out-slot.ts';
import { nextSourceKey, type SlotSource } from '../../src/media/sfu/source.ts';
import { SrtpTransmitter, weriftCodecs, weriftFeedback } from '../../src/media/sfu/srtp-transmitter.ts';
import { SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80 } from '../../src/media/sfu/srtp-seal.ts';
import { preferSrtpProfiles } from '../../src/media/sfu/werift-wire.ts';
import { eventually } from '../support/eventually.ts';
import { skipUnlessIsolated } from '../support/media.ts';

const ICE = { address: '127.0.0.1', portMin: 0, portMax: 0 };

interface Link {
  sender: RTCPeerConnection;
  receiver: RTCPeerConnection;
  out: RTCRtpTransceiver;
  received: RtpPacket[];
  extensions: Array<Record<string, unknown> | undefined>;
  reports: RtcpSrPacket[];
  profile: number;
}

/** A sendonly video transceiver on one werift connection, received by another; `profiles` orders the SRTP choice. */
async function link(profiles: number[]): Promise<Link> {
  const sender = new RTCPeerConnection(peerConfig(ICE));
  const receiver = new RTCPeerConnection(peerConfig(ICE));
  const out = sender.addTransceiver('video', { direction: 'sendonly' });
  await sender.setLocalDescription(await sender.createOffer());
  // The offerer is the DTLS server here (the answerer takes the client role), so its order decides the profile.
  preferSrtpProfiles(sender, profiles);
  const received: RtpPacket[] = [];
  const extensions: Array<Record<string, unknown> | undefined> = [];
  const reports: RtcpSrPacket[] = [];
  receiver.onTransceiverAdded.subscribe((t) => {
    t.onTrack.subscribe((track) =>
      track.onReceiveRtp.subscribe((packet, ext) => {
        received.push(packet);
        extensions.push(ext);
      }),
    );
    t.receiver.dtlsTransport.onRtcp.subscribe((packet) => {
      if (packet instanceof RtcpSrPacket) reports.push(packet);
    });
  });
  await receiver.setRemoteDescription(sender.localDescription!);
  await receiver.setLocalDescription(await receiver.createAnswer());
  await sender.setRemoteDescription(receiver.localDescription!);
  await eventually(() => assert.equal(out.sender.dtlsTransport.state, 'connected'), 10_000, 50);
  const srtp = out.sender.dtlsTransport.srtp as unknown as { localContext: { profile: number } };
  return { sender, receiver, out, received, extensions, reports, profile: srtp.localContext.profile };
}

const links: Link[] = [];
afterEach(async () => {
  for (const l of links.splice(0)) await Promise.all([l.sender.close(), l.receiver.close()]);
});

for (const [name, profiles] of [
  ['AES-CM (the SFU’s preference)', [SRTP_AES128_CM_HMAC_SHA1_80, SRTP_AEAD_AES_128_GCM]],
  ['AES-GCM', [SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80]],
] as const) {
  describe(`SFU send path to a real WebRTC receiver: ${name}`, { skip: skipUnlessIsolated() }, () => {
    it('delivers every packet as sent, across a sequence rollover, with MID and abs-send-time; answers a NACK; sends reports', async () => {
      const l = await link([...profiles]);
      links.push(l);
      assert.equal(l.profile, profiles[0], 'the preferred SRTP profile was negotiated');
      const errors: unknown[] = [];
      const report = (error: unknown) => errors.push(error);
      const tx = new SrtpTransmitter(l.out.sender, l.out.mid!, 90_000, report);
      const slot = new OutSlot('video', l.out.mid!, l.out.sender.ssrc, tx, weriftCodecs(l.out), weriftFeedback(l.out.sender), report);
      const source: SlotSource = { key: nextSourceKey(), owner: 'test', codec: undefined, add() {}, remove() {}, requestKeyframe() {} };
      slot.feed(source);
      // Both connections negotiated VP8 and H.264 (peer-config.ts): the publisher changes codec halfway.
      const answered = payloadTypesOf(l.receiver.getTransceivers()[0]!.codecs);
      const pt = { vp8: answered.get('vp8') ?? 0, h264: answered.get('h264') ?? 0 };
      assert.ok(pt.vp8 > 0 && pt.h264 > 0 && pt.vp8 !== pt.h264, `VP8 and H.264 negotiated: ${JSON.stringify(pt)}`);
      const sent = Array.from({ length: 12 }, (_, i) => ({
        seq: (65530 + i) & 0xffff,
        timestamp: 1000 + i * 3000,
        marker: i % 4 === 3,
        codec: i < 6 ? ('vp8' as const) : ('h264' as const),
        // H.264 as single NAL units (a non-IDR slice header byte, then anything): werift's receiver parses them.
        payload: i < 6 ? randomBytes(200 + 90 * i) : Buffer.concat([Buffer.from([0x41]), randomBytes(199 + 90 * i)]),
      }));
      const now = Date.now();
      // The slot's first run starts at a keyframe and keeps the source's numbering (nothing was sent before it).
      sent.forEach((p, i) => slot.take({ ssrc: source.key, seq: p.seq, timestamp: p.timestamp, marker: p.marker, codec: p.codec, payload: p.payload, isKeyframe: i === 0 }, now));
      assert.equal(slot.forwarded, sent.length, 'every packet sent');
      await eventually(() => assert.equal(l.received.length, sent.length));
      l.received.forEach((got, i) => {
        const want = sent[i]!;
        assert.equal(got.header.sequenceNumber, want.seq);
        assert.equal(got.header.timestamp, want.timestamp);
        assert.equal(got.header.marker, want.marker);
        assert.equal(got.header.payloadType, pt[want.codec], `packet ${i} carries the viewer's payload type for ${want.codec}`);
        assert.equal(got.header.ssrc, l.out.sender.ssrc);
        assert.deepEqual(got.payload, want.payload);
        assert.equal(l.extensions[i]?.[RTP_EXTENSION_URI.sdesMid], l.out.mid, 'the MID extension names the slot');
        assert.equal(typeof l.extensions[i]?.[RTP_EXTENSION_URI.absSendTime], 'number', 'abs-send-time is present');
      });

      // The viewer lost two packets (one before the rollover, one after) and asks for them.
      const lost = [sent[2]!.seq, sent[9]!.seq];
      const [receiverTransceiver] = l.receiver.getTransceivers();
      const nack = new GenericNack({ senderSsrc: receiverTransceiver!.receiver.rtcpSsrc, mediaSourceSsrc: l.out.sender.ssrc, lost });
      await receiverTransceiver!.receiver.dtlsTransport.sendRtcp([new RtcpTransportLayerFeedback({ feedback: nack })]);
      // (werift's receiver may NACK more on its own, e.g. around the rollover: those come again too.)
      const resent = () => l.received.slice(sent.length);
      await eventually(() => assert.ok(lost.every((seq) => resent().some((p) => p.header.sequenceNumber === seq)), JSON.stringify(resent().map((p) => p.header.sequenceNumber))));
      for (const [i, seq] of [[2, lost[0]!], [9, lost[1]!]] as const) {
        const again = resent().find((p) => p.header.sequenceNumber === seq)!;
        assert.deepEqual(again.payload, sent[i]!.payload, `packet ${seq} again, as it was`);
        assert.equal(again.header.payloadType, pt[sent[i]!.codec], `packet ${seq} again with its own payload type`);
      }

      // A sender report once a second while packets flow: our SSRC, the counts of what was sent (not the resends).
      slot.tick(now + 1000);
      // (A message of our own: without one, a failing assert.ok makes Node parse this file's transpiled source to word
      // its message, which took minutes here, so a first check made before the report arrived never came back in time.)
      await eventually(() => assert.ok(l.reports.some((r) => r.ssrc === l.out.sender.ssrc), `a sender report from ${l.out.sender.ssrc}: ${l.reports.length} reports`));
      const sr = l.reports.find((r) => r.ssrc === l.out.sender.ssrc)!;
      assert.equal(sr.senderInfo.packetCount, sent.length);
      assert.equal(sr.senderInfo.octetCount, sent.reduce((n, p) => n + p.payload.length, 0));
      assert.equal(errors.length, 0, `no send errors: ${errors.map(String).join('; ')}`);
    });
  });
}

/**
 * A slot sends each packet with its receiver's payload type for the codec the publisher sends in, and nothing of a
 * codec its receiver does not take (no transcoding) — nor does it ask such a publisher for keyframes. Here the
 * receiver is a recorder's (VP8 only, payload type 96): a real Source feeding an OutSlot over a plain RTP transmitter
 * to a UDP socket on loopback.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import type { MediaCodec } from '../../src/media/policy/codecs.ts';
import { PlainRtpTransmitter } from '../../src/media/recorder/plain-rtp.ts';
import { OutSlot } from '../../src/media/sfu/out-slot.ts';
import { Source } from '../../src/media/sfu/source.ts';
import { eventually } from '../support/eventually.ts';

const VP8_KEY = Buffer.from([0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
const VP8_DELTA = Buffer.from([0x10, 0x01, 0x00, 0x00, 0x00]);
const H264_IDR = Buffer.from([0x65, 0x88, 0x84, 0x00]);
const H264_SLICE = Buffer.from([0x41, 0x9a, 0x00]);

describe('slots and codecs', () => {
  let receiver: Socket;
  let sender: Socket;
  const got: Array<{ payloadType: number; seq: number; payload: Buffer }> = [];
  before(async () => {
    receiver = createSocket('udp4');
    sender = createSocket('udp4');
    receiver.on('message', (m) => got.push({ payloadType: m[1]! & 0x7f, seq: m.readUInt16BE(2), payload: m.subarray(12) }));
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
  });
  after(() => {
    receiver.close();
    sender.close();
  });

  it('VP8 goes out with the receiver’s payload type; an H.264 source sends nothing and is asked for no keyframes', async () => {
    const errors: unknown[] = [];
    const report = (error: unknown) => errors.push(error);
    // A recorder's slot: its ffmpeg reads VP8 on payload type 96 and nothing else.
    const codecs = (codec: MediaCodec) => (codec === 'vp8' ? 96 : undefined);
    const slot = new OutSlot('video', 'v0', 1234, new PlainRtpTransmitter(sender, receiver.address().port, 1234, 90_000), codecs, undefined, report);
    const asked = { vp8: 0, h264: 0 };
    const vp8 = new Source('a', 'video', report, async () => void asked.vp8++);
    const h264 = new Source('b', 'video', report, async () => void asked.h264++);
    const header = (seq: number) => ({ ssrc: 7, sequenceNumber: seq, timestamp: seq * 3000, marker: true });

    // Both publishers are sending (each asks for a keyframe of its own once, at its first packet).
    vp8.receive(header(1), VP8_DELTA, 'vp8');
    h264.receive(header(1), H264_SLICE, 'h264');
    const start = { ...asked };
    let now = Date.now() + 1000;

    slot.feed(h264, now);
    h264.receive(header(2), H264_IDR, 'h264');
    h264.receive(header(3), H264_SLICE, 'h264');
    for (let i = 1; i <= 3; i++) slot.tick((now += 1000));
    assert.deepEqual(asked, start, 'nobody asked the H.264 publisher for keyframes it cannot use here');

    slot.feed(vp8, (now += 1000));
    assert.equal(asked.vp8, start.vp8 + 1, 'the VP8 publisher is asked for a keyframe at once');
    vp8.receive(header(2), VP8_DELTA, 'vp8');
    vp8.receive(header(3), VP8_KEY, 'vp8');
    vp8.receive(header(4), VP8_DELTA, 'vp8');
    await eventually(() => assert.equal(got.length, 2));
    assert.deepEqual(
      got.map((p) => [p.payloadType, p.payload]),
      [
        [96, VP8_KEY],
        [96, VP8_DELTA],
      ],
      'from the VP8 keyframe on, with payload type 96; none of the H.264',
    );
    assert.equal(slot.forwarded, 2);
    assert.deepEqual(errors, []);
    slot.close();
    vp8.close();
    h264.close();
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isH264Keyframe, isKeyframe, mediaCodecOf, payloadTypesOf } from '../../src/media/policy/codecs.ts';
import { keepBaselineH264 } from '../../src/media/sfu/h264-offer.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('H.264 keyframes (RFC 6184, packetization-mode 1)', () => {
  it('a keyframe starts at an SPS or IDR single NAL unit (the NAL header\'s F and NRI bits do not matter)', () => {
    assert.equal(isH264Keyframe(bytes(0x67, 0x42, 0xe0, 0x1f)), true, 'SPS');
    assert.equal(isH264Keyframe(bytes(0x65, 0x88, 0x84)), true, 'IDR slice');
    assert.equal(isH264Keyframe(bytes(0x07)), true, 'SPS with NRI 0');
    assert.equal(isH264Keyframe(bytes(0x68, 0xce)), false, 'PPS alone');
    assert.equal(isH264Keyframe(bytes(0x41, 0x9a)), false, 'non-IDR slice');
    assert.equal(isH264Keyframe(bytes(0x06, 0x05)), false, 'SEI');
    assert.equal(isH264Keyframe(bytes()), false, 'empty');
  });

  it('a STAP-A carrying the SPS (as browsers send it before each IDR) starts one; one with only a PPS does not', () => {
    // STAP-A header, then [size][NAL]…: SPS (4 bytes), PPS (2 bytes).
    assert.equal(isH264Keyframe(bytes(0x78, 0x00, 0x04, 0x67, 0x42, 0xe0, 0x1f, 0x00, 0x02, 0x68, 0xce)), true);
    assert.equal(isH264Keyframe(bytes(0x78, 0x00, 0x02, 0x68, 0xce, 0x00, 0x02, 0x06, 0x05)), false);
    assert.equal(isH264Keyframe(bytes(0x78, 0x00, 0x00)), false, 'a zero size ends the walk');
    assert.equal(isH264Keyframe(bytes(0x78, 0xff, 0xff, 0x41)), false, 'a size past the end is not followed');
  });

  it('an FU-A starts one only at the first fragment of an IDR picture', () => {
    assert.equal(isH264Keyframe(bytes(0x7c, 0x85, 0x88)), true, 'start, IDR');
    assert.equal(isH264Keyframe(bytes(0x7c, 0x05, 0x88)), false, 'middle fragment of an IDR');
    assert.equal(isH264Keyframe(bytes(0x7c, 0x45, 0x88)), false, 'end fragment of an IDR');
    assert.equal(isH264Keyframe(bytes(0x5c, 0x81, 0x9a)), false, 'start, non-IDR');
    assert.equal(isH264Keyframe(bytes(0x7c)), false, 'truncated');
  });

  it('the codec of a MIME type, and the keyframe test per codec', () => {
    assert.equal(mediaCodecOf('video/H264'), 'h264');
    assert.equal(mediaCodecOf('video/VP8'), 'vp8');
    assert.equal(mediaCodecOf('audio/opus'), 'opus');
    assert.equal(mediaCodecOf('video/VP9'), undefined);
    assert.equal(mediaCodecOf('video/rtx'), undefined);
    assert.equal(isKeyframe('h264', bytes(0x67, 0x42)), true);
    assert.equal(isKeyframe('vp8', bytes(0x67, 0x42)), false);
    assert.equal(isKeyframe('opus', bytes(0x67, 0x42)), false, 'audio has no keyframes');
  });

  it("a receiver's payload type per codec: the first of each codec in its list, RTX and the like left out", () => {
    const table = payloadTypesOf([
      { mimeType: 'video/H264', payloadType: 102 },
      { mimeType: 'video/rtx', payloadType: 103 },
      { mimeType: 'video/H264', payloadType: 106 },
      { mimeType: 'video/VP8', payloadType: 96 },
    ]);
    assert.deepEqual([...table], [['h264', 102], ['vp8', 96]]);
    assert.deepEqual([...payloadTypesOf([{ mimeType: 'video/H264', payloadType: 102 }])], [['h264', 102]], 'an H.264-only viewer has no VP8');
  });
});

describe('keepBaselineH264: the H.264 a publisher may send', () => {
  const offer = [
    'v=0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'a=rtpmap:111 opus/48000/2',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 112',
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 nack',
    'a=rtpmap:97 rtx/90000',
    'a=fmtp:97 apt=96',
    'a=rtpmap:102 H264/90000',
    'a=rtcp-fb:102 nack pli',
    'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
    'a=rtpmap:103 rtx/90000',
    'a=fmtp:103 apt=102',
    'a=rtpmap:104 H264/90000',
    'a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f',
    'a=rtpmap:105 rtx/90000',
    'a=fmtp:105 apt=104',
    'a=rtpmap:106 H264/90000',
    'a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    'a=rtpmap:107 H264/90000',
    'a=rtcp-fb:107 nack',
    'a=fmtp:107 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f',
    'a=rtpmap:112 H264/90000',
    '',
  ].join('\r\n');

  it('keeps VP8 and baseline H.264 with packetization-mode 1; drops mode 0, High profile, an H.264 without parameters, and their RTX', async () => {
    const { keepBaselineH264 } = await import('../../src/media/sfu/h264-offer.ts');
    const out = keepBaselineH264(offer);
    assert.match(out, /\r\nm=video 9 UDP\/TLS\/RTP\/SAVPF 96 97 102 103 106\r\n/);
    for (const pt of ['104', '105', '107', '112']) assert.doesNotMatch(out, new RegExp(`a=(rtpmap|fmtp|rtcp-fb):${pt} `), pt);
    for (const pt of ['96', '97', '102', '103', '106']) assert.match(out, new RegExp(`a=rtpmap:${pt} `), pt);
    assert.match(out, /\r\nm=audio 9 UDP\/TLS\/RTP\/SAVPF 111\r\na=rtpmap:111 opus/);
    const vp8Only = 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n';
    assert.equal(keepBaselineH264(vp8Only), vp8Only, 'an offer without H.264 is left as it is');
  });
});

/**
 * The SDP text the SFU changes on the publisher hop: werift never sees `transport-cc` (it would start its own,
 * faulty, feedback), the browser gets it back in the answer for the same payload types; Opus is answered with in-band
 * FEC and DTX whatever the offer's fmtp said.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { askOpusFecAndDtx, giveTransportCc, takeTransportCc } from '../../src/media/sfu/publisher-sdp.ts';

const sdp = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;

describe('publisher SDP', () => {
  it('takes transport-cc out of the offer and gives it back in the answer for the payload types that offered it', () => {
    const offer = sdp('m=video 9 UDP/TLS/RTP/SAVPF 96 97 102', 'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 goog-remb', 'a=rtcp-fb:96 transport-cc', 'a=rtpmap:97 rtx/90000', 'a=rtpmap:102 H264/90000', 'a=rtcp-fb:102 transport-cc');
    const taken = takeTransportCc(offer);
    assert.doesNotMatch(taken.sdp, /transport-cc/);
    assert.match(taken.sdp, /a=rtcp-fb:96 goog-remb/);
    assert.deepEqual([...taken.payloadTypes].sort(), ['102', '96']);
    const answer = sdp('m=video 9 UDP/TLS/RTP/SAVPF 96 102', 'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack', 'a=rtpmap:102 H264/90000');
    assert.equal(giveTransportCc(answer, taken.payloadTypes), sdp('m=video 9 UDP/TLS/RTP/SAVPF 96 102', 'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 transport-cc', 'a=rtcp-fb:96 nack', 'a=rtpmap:102 H264/90000', 'a=rtcp-fb:102 transport-cc'));
    assert.equal(giveTransportCc(answer, new Set()), answer, 'an offer without transport-cc gets none');
  });

  it('asks for Opus in-band FEC and DTX, replacing what the fmtp said and adding an fmtp where there is none', () => {
    const withFmtp = sdp('m=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=0;stereo=1');
    assert.match(askOpusFecAndDtx(withFmtp), /\r\na=fmtp:111 minptime=10;stereo=1;useinbandfec=1;usedtx=1\r\n/);
    const without = sdp('m=audio 9 UDP/TLS/RTP/SAVPF 111 0', 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:0 PCMU/8000');
    assert.equal(askOpusFecAndDtx(without), sdp('m=audio 9 UDP/TLS/RTP/SAVPF 111 0', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 useinbandfec=1;usedtx=1', 'a=rtpmap:0 PCMU/8000'));
    const video = sdp('m=video 9 UDP/TLS/RTP/SAVPF 96', 'a=rtpmap:96 VP8/90000');
    assert.equal(askOpusFecAndDtx(video), video);
  });
});

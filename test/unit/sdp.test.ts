import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadMediaRequest } from '../../src/media/sfu/bad-request.ts';
import { capVideoBitrate } from '../../src/media/sfu/peer-config.ts';
import { checkSdp } from '../../src/media/sfu/sdp-check.ts';

const ANSWER = ['v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'b=AS:9000', 'a=mid:1', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:2', ''].join('\r\n');

describe('SDP handling in the SFU', () => {
  it('capVideoBitrate puts b=AS (kbps) and b=TIAS (bps) on every video m-line only, replacing any there', () => {
    const capped = capVideoBitrate(ANSWER, 1024);
    const sections = capped.split('m=').slice(1);
    assert.doesNotMatch(sections[0]!, /b=AS/, 'audio is left alone');
    for (const video of sections.slice(1)) {
      assert.equal(video.match(/b=AS:1024\r\n/g)?.length, 1, video);
      assert.match(video, /c=IN IP4 0\.0\.0\.0\r\nb=AS:1024\r\nb=TIAS:1024000\r\n/);
    }
    assert.doesNotMatch(capped, /b=AS:9000/);
    assert.equal(capVideoBitrate(ANSWER, 0), ANSWER, 'no cap: unchanged');
  });

  it('checkSdp refuses text that cannot set up media, naming what is missing', () => {
    const good = ['v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=ice-ufrag:abcd', 'a=fingerprint:sha-256 AB:CD', ''].join('\r\n');
    assert.doesNotThrow(() => checkSdp(good));
    assert.throws(() => checkSdp('not an sdp'), (e: unknown) => e instanceof BadMediaRequest && /sdp: .*v=0 first.*m-line.*ice-ufrag.*fingerprint/.test(e.message));
    assert.throws(() => checkSdp(good.replace('a=fingerprint:sha-256 AB:CD\r\n', '')), /missing a=fingerprint/);
  });
});

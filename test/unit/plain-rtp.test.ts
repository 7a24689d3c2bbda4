import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FanoutByTransport, type Fanout } from '../../src/live/live.service.ts';
import type { LiveMeeting } from '../../src/live/live-meeting.ts';
import type { Participant } from '../../src/live/participant.ts';
import { g711Decode, g711Encode } from '../../src/media/rtp/g711.ts';
import { audioLevel, downsample, Upsampler } from '../../src/media/rtp/pcm.ts';
import { readLegOffer, writeLegAnswer } from '../../src/media/rtp/rtp-sdp.ts';
import { BadMediaRequest } from '../../src/media/sfu/bad-request.ts';
import { parse } from 'sdp-transform';

const tone = (n: number, rate: number, hz = 440, amplitude = 8000): Int16Array => Int16Array.from({ length: n }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)));

/** Signal-to-noise ratio of `got` against `want`, dB. */
function snr(want: Int16Array, got: Int16Array): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < want.length; i++) {
    signal += want[i]! ** 2;
    noise += (want[i]! - got[i]!) ** 2;
  }
  return 10 * Math.log10(signal / Math.max(noise, 1));
}

const offer = (m: string[]): string => ['v=0', 'o=sipp 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', ...m, ''].join('\r\n');

describe('plain RTP legs: G.711, PCM rates and SDP', () => {
  it('G.711 µ-law and A-law keep a tone within what 8-bit companding allows (SNR above 30 dB), and are different laws', () => {
    const pcm = tone(1600, 8000);
    for (const law of ['PCMU', 'PCMA'] as const) {
      const coded = g711Encode(law, pcm);
      assert.equal(coded.length, pcm.length);
      assert.ok(snr(pcm, g711Decode(law, coded)) > 30, law);
    }
    assert.notDeepEqual(g711Encode('PCMU', pcm), g711Encode('PCMA', pcm));
    // µ-law silence is 0xFF, A-law silence 0xD5 (what telephones send between words).
    assert.equal(g711Encode('PCMU', new Int16Array([0]))[0], 0xff);
    assert.equal(g711Encode('PCMA', new Int16Array([0]))[0], 0xd5);
  });

  it('8 → 48 → 8 kHz keeps a speech-band tone, and the level reads loud for a tone and 127 for silence', () => {
    const narrow = tone(800, 8000, 300);
    const wide = new Upsampler().up(narrow);
    assert.equal(wide.length, 4800);
    const back = downsample(wide);
    // The linear interpolation and box filter delay the tone by a fraction of a sample: compare after a one-sample shift.
    assert.ok(snr(narrow.subarray(1, 700), back.subarray(1, 700)) > 12 || snr(narrow.subarray(0, 700), back.subarray(1, 701)) > 12);
    assert.ok(audioLevel(tone(960, 48_000)) < 20);
    assert.equal(audioLevel(new Int16Array(960)), 127);
  });

  it('readLegOffer prefers Opus, then PCMU, then PCMA; takes static payload types without rtpmap; finds the address and port', () => {
    const pcmu = readLegOffer(offer(['m=audio 6000 RTP/AVP 8 0 101', 'a=rtpmap:101 telephone-event/8000']));
    assert.equal(pcmu.codec.name, 'PCMU');
    assert.equal(pcmu.codec.payloadType, 0);
    assert.equal(pcmu.telephoneEvent, 101);
    assert.deepEqual(pcmu.remote, { address: '127.0.0.1', port: 6000 });
    const opus = readLegOffer(offer(['m=audio 6002 RTP/AVP 0 111', 'a=rtpmap:111 opus/48000/2']));
    assert.deepEqual(opus.codec, { name: 'opus', payloadType: 111, clockRate: 48_000, channels: 2 });
    assert.equal(readLegOffer(offer(['m=audio 6004 RTP/AVP 8'])).codec.name, 'PCMA');
  });

  it('readLegOffer refuses what it cannot serve, saying why', () => {
    const refused = (sdp: string, pattern: RegExp) => assert.throws(() => readLegOffer(sdp), (e: unknown) => e instanceof BadMediaRequest && pattern.test(e.message));
    refused('hello', /v=0/);
    refused(offer(['m=video 6000 RTP/AVP 96']), /no audio m-line/);
    refused(offer(['m=audio 6000 RTP/SAVP 0']), /SRTP/);
    refused(offer(['m=audio 6000 RTP/AVP 9', 'a=rtpmap:9 G722/8000']), /no audio codec in common.*G722/);
    refused(offer(['m=audio 6000 RTP/AVP 0']).replace('c=IN IP4 127.0.0.1', 'c=IN IP6 ::1'), /IPv4/);
  });

  it('writeLegAnswer answers the audio with our address and port in the chosen codec, and refuses video with port 0', () => {
    const sdp = offer(['m=audio 6000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'm=video 6002 RTP/AVP 96', 'a=rtpmap:96 H264/90000']);
    const answer = parse(writeLegAnswer(sdp, readLegOffer(sdp), '127.0.0.1', 41_000));
    assert.equal(answer.connection?.ip, '127.0.0.1');
    assert.equal(answer.media.length, 2);
    const [audio, video] = answer.media;
    assert.equal(audio!.port, 41_000);
    assert.equal(audio!.protocol, 'RTP/AVP');
    assert.deepEqual(audio!.rtp.map((r) => r.codec), ['PCMU', 'telephone-event']);
    assert.equal(video!.type, 'video');
    assert.equal(video!.port, 0);
  });
});

describe('FanoutByTransport', () => {
  it('sends each participant its notices on its own transport, and disconnects it there', () => {
    const seen: string[] = [];
    const fanout = (name: string): Fanout => ({
      deliver: (_m, recipients, notice) => seen.push(`${name} deliver ${notice.kind} to ${recipients.map((p) => p.clientId).join(',')}`),
      disconnect: (_m, p) => seen.push(`${name} disconnect ${p.clientId}`),
      admitted: (_m, p) => seen.push(`${name} admitted ${p.clientId}`),
    });
    const router = new FanoutByTransport({ webrtc: fanout('socket') });
    router.set('sip', fanout('sip'));
    const p = (clientId: string, transport: Participant['transport']) => ({ clientId, transport }) as Participant;
    const meeting = {} as LiveMeeting;
    router.deliver(meeting, [p('a', 'webrtc'), p('b', 'webrtc')], { kind: 'count', count: 2 });
    router.deliver(meeting, [p('a', 'webrtc'), p('s', 'sip'), p('b', 'webrtc')], { kind: 'layout', lecturer: null });
    router.disconnect(meeting, p('s', 'sip'), 'MeetingStop', 'bye');
    assert.deepEqual(seen, ['socket deliver count to a,b', 'socket deliver layout to a,b', 'sip deliver layout to s', 'sip disconnect s']);
  });
});

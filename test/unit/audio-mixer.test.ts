import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AudioMixer, FRAME_SAMPLES, type MixedFrame, opusPacketMs, OPUS_SILENCE } from '../../src/media/mixer/audio-mixer.ts';
import { opusCodecs } from '../../src/media/recorder/opus-codec.ts';

/** 20 ms of a sine tone, frame `n` of a continuous signal. */
function tone(hz: number, n: number, amplitude = 8000): Int16Array {
  const out = new Int16Array(FRAME_SAMPLES);
  for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * (n * FRAME_SAMPLES + i)) / 48_000));
  return out;
}

/** Power of one frequency in a block of samples (Goertzel), normalised by length. */
function power(pcm: Int16Array, hz: number): number {
  const k = (2 * Math.PI * hz) / 48_000;
  const c = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  for (const x of pcm) {
    const s = x + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - c * s1 * s2) / pcm.length ** 2;
}

/** An Opus stream of a tone, as a publisher would send it. */
function speaker(hz: number) {
  const encoder = opusCodecs.encoder();
  let n = 0;
  return () => ({ seq: n, payload: encoder.encode(tone(hz, n++)) });
}

/** Joins the PCM an output got over several frames (silence as zeros, pass-through packets decoded like a player). */
function listen(frames: MixedFrame[]): Int16Array {
  const decoder = opusCodecs.decoder();
  const all = new Int16Array(frames.length * FRAME_SAMPLES);
  frames.forEach((f, i) => {
    const pcm = f.kind === 'pcm' ? f.pcm : f.kind === 'opus' ? decoder.decode(f.payload) : new Int16Array(FRAME_SAMPLES);
    all.set(pcm.subarray(0, FRAME_SAMPLES), i * FRAME_SAMPLES);
  });
  return all;
}

describe('audio mixer (libopus through @evan/opus)', () => {
  it('reads the duration of Opus packets from their TOC byte', () => {
    assert.equal(opusPacketMs(OPUS_SILENCE), 20);
    assert.equal(opusPacketMs(speaker(440)().payload), 20);
    assert.equal(opusPacketMs(Uint8Array.from([(16 << 3) | 0])), 2.5);
    assert.equal(opusPacketMs(Uint8Array.from([(3 << 3) | 1])), 120);
  });

  it('decoded frames of two decoders do not share memory', () => {
    const a = speaker(440)();
    const b = speaker(1000)();
    const pa = opusCodecs.decoder().decode(a.payload);
    const copy = Int16Array.from(pa);
    opusCodecs.decoder().decode(b.payload);
    assert.deepEqual(pa, copy);
  });

  it('mixes two people talking at once: both are heard in the mix; each one’s mix-minus has only the other', () => {
    const mixer = new AudioMixer(opusCodecs);
    const a = speaker(440);
    const b = speaker(1000);
    const all: MixedFrame[] = [];
    const minusA: MixedFrame[] = [];
    mixer.addInput('a');
    mixer.addInput('b');
    mixer.addOutput('all', { passThrough: true, deliver: (f) => all.push(f) });
    mixer.addOutput('leg-a', { minus: 'a', passThrough: false, deliver: (f) => minusA.push(f) });
    for (let i = 0; i < 25; i++) {
      mixer.push('a', { ...a(), level: 20 });
      mixer.push('b', { ...b(), level: 20 });
      mixer.mixFrame();
    }
    assert.ok(all.every((f) => f.kind === 'pcm'), 'two voices: decoded and summed');
    const mix = listen(all).subarray(10 * FRAME_SAMPLES);
    assert.ok(power(mix, 440) > 100 * power(mix, 700), 'the 440 Hz voice is in the mix');
    assert.ok(power(mix, 1000) > 100 * power(mix, 700), 'the 1000 Hz voice is in the mix');
    const leg = listen(minusA).subarray(10 * FRAME_SAMPLES);
    assert.ok(power(leg, 1000) > 100 * power(leg, 440), 'a’s leg hears b, not itself');
    assert.equal(mixer.counts.mixed, 50);
  });

  it('passes the one speaker’s packets through unchanged while the others are silent, and sends silence when nobody talks', () => {
    const mixer = new AudioMixer(opusCodecs);
    const a = speaker(440);
    const b = speaker(1000);
    const out: MixedFrame[] = [];
    mixer.addInput('a');
    mixer.addInput('b');
    mixer.addOutput('all', { passThrough: true, deliver: (f) => out.push(f) });
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) {
      const p = a();
      sent.push(p.payload);
      mixer.push('a', { ...p, level: 30 });
      mixer.push('b', { ...b(), level: 127 });
      mixer.mixFrame();
    }
    assert.deepEqual(
      out.map((f) => (f.kind === 'opus' ? f.payload : f.kind)),
      sent,
      'a’s own packets, untouched',
    );
    mixer.mixFrame();
    assert.deepEqual(out.at(-1), { kind: 'silence' }, 'no packets: silence');
    assert.equal(mixer.counts.mixed, 0, 'nothing decoded');
  });

  it('orders packets by sequence number, drops duplicates and late ones, and bounds its queue', () => {
    const mixer = new AudioMixer(opusCodecs, { silentLevel: 80, maxQueue: 3 });
    const a = speaker(440);
    const packets = Array.from({ length: 6 }, () => a());
    const got: number[] = [];
    mixer.addInput('a');
    mixer.addOutput('all', {
      passThrough: true,
      deliver: (f) => {
        if (f.kind === 'opus') got.push(packets.findIndex((p) => p.payload === f.payload));
      },
    });
    mixer.push('a', packets[1]!);
    mixer.push('a', packets[0]!);
    mixer.push('a', packets[1]!);
    mixer.mixFrame();
    mixer.mixFrame();
    mixer.push('a', packets[0]!); // late: its frame is gone
    for (const p of packets.slice(2)) mixer.push('a', p); // four at once: the oldest is dropped
    for (let i = 0; i < 4; i++) mixer.mixFrame();
    assert.deepEqual(got, [0, 1, 3, 4, 5]);
  });

  it('runs the frames that are due by the clock, also after a late timer', () => {
    const mixer = new AudioMixer(opusCodecs);
    let frames = 0;
    mixer.addOutput('all', { passThrough: true, deliver: () => frames++ });
    assert.equal(mixer.tick(1000), 1);
    assert.equal(mixer.tick(1019), 0);
    assert.equal(mixer.tick(1100), 5);
    assert.equal(frames, 6);
  });
});

/**
 * An audio mixer for the media worker: Opus streams in (participants' microphones as the SFU receives them), 20 ms
 * frames out, one per output and tick. An output hears every input, or every input but one (`minus`: mix-minus, what
 * a SIP leg or any two-way endpoint needs, so that nobody hears themselves). Outputs get PCM (and encode it as they
 * need: Opus for a recorder, G.711 for a telephone leg) or, where they accept it, the one input's own Opus packet
 * unchanged.
 *
 * Why that pass-through: decoding, mixing and encoding cost about 0.2 ms of CPU per 20 ms frame (libopus: ≈ 40 µs per
 * decode, ≈ 120 µs per encode on this machine), i.e. ~1 % of a core per output, and in a meeting one person speaks
 * most of the time. A frame in which only one input carries sound (RFC 6464 level above `silentLevel`; every other
 * input silent or absent) is that input's packet: forwarding it is exact up to the silence left out, and costs nothing.
 * Only frames with two or more people talking at once are decoded, summed and handed out as PCM. An input whose
 * decoder sat idle is reset before its next decode, so it does not resume from stale state.
 *
 * Timing: the caller ticks the mixer every 20 ms (`tick(now)` runs as many frames as are due, so a late timer does not
 * lose frames). Each input keeps a short queue ordered by sequence number and gives one packet per frame; a queue that
 * grew past `maxQueue` (the sender's clock is faster, or a burst after a stall) drops its oldest packets, so the delay
 * stays bounded. Packets that do not last 20 ms are decoded into the input's sample buffer and never passed through.
 *
 * Pure: the Opus codec comes in through `OpusCodecs` (src/media/recorder/opus-codec.ts over libopus); no I/O, no timers.
 */

export const SAMPLE_RATE = 48_000;
export const FRAME_MS = 20;
/** Samples per 20 ms frame, mono. */
export const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;

export interface OpusDecoder {
  /** Mono PCM at 48 kHz; its length follows the packet's duration. */
  decode(packet: Uint8Array): Int16Array;
  reset(): void;
}

export interface OpusEncoder {
  /** One 20 ms mono frame (FRAME_SAMPLES samples) → one Opus packet. */
  encode(pcm: Int16Array): Uint8Array;
}

export interface OpusCodecs {
  decoder(): OpusDecoder;
  encoder(): OpusEncoder;
}

/** One packet of an input stream, as the SFU received it. */
export interface MixerPacket {
  seq: number;
  payload: Uint8Array;
  /** RFC 6464 level (0 loud … 127 silent); undefined = unknown, counted as sound. */
  level?: number;
}

/** What an output gets for one frame: nothing (silence), an input's own Opus packet, or the mix as PCM. */
export type MixedFrame = { kind: 'silence' } | { kind: 'opus'; payload: Uint8Array; from: string } | { kind: 'pcm'; pcm: Int16Array };

export interface MixerOutputOptions {
  /** The input this output must not hear (mix-minus); undefined = every input. */
  minus?: string;
  /** Accepts an input's Opus packet as is when only that input sounds (an Opus output); false = always PCM. */
  passThrough: boolean;
  /** Called once per frame, in tick order; `at` is the time (ms) the frame stands for on the mixer's clock. */
  deliver(frame: MixedFrame, at: number): void;
}

export interface MixerOptions {
  /** RFC 6464 level from which a frame counts as silence (−dBov: 127 is digital silence). */
  silentLevel: number;
  /** Packets an input may hold before its oldest are dropped. */
  maxQueue: number;
}

export const DEFAULT_MIXER_OPTIONS: MixerOptions = { silentLevel: 80, maxQueue: 5 };

/** An input's packet, with the frame's state: is it sound, has it been decoded in this frame. */
interface Input {
  queue: MixerPacket[];
  decoder: OpusDecoder | undefined;
  /** Decoded samples not mixed yet (packets longer than a frame). */
  pending: Int16Array;
  /** The packet this frame takes, or null. */
  current: MixerPacket | null;
  sounds: boolean;
  decodedFrame: Int16Array | null;
  /** The frame number the decoder last ran in (a gap means a reset before the next decode). */
  decodedAt: number;
  lastSeq: number;
}

const SILENCE: MixedFrame = { kind: 'silence' };

export class AudioMixer {
  private readonly inputs = new Map<string, Input>();
  private readonly outputs = new Map<string, MixerOutputOptions>();
  private frame = 0;
  private nextAt = -1;
  /** Frames mixed (decoded and summed) and passed through, for the benchmark and tests. */
  readonly counts = { mixed: 0, passed: 0, silent: 0 };

  constructor(
    private readonly codecs: OpusCodecs,
    private readonly options: MixerOptions = DEFAULT_MIXER_OPTIONS,
  ) {}

  addInput(id: string): void {
    if (this.inputs.has(id)) return;
    this.inputs.set(id, { queue: [], decoder: undefined, pending: new Int16Array(0), current: null, sounds: false, decodedFrame: null, decodedAt: -2, lastSeq: -1 });
  }

  removeInput(id: string): void {
    this.inputs.delete(id);
  }

  hasInput(id: string): boolean {
    return this.inputs.has(id);
  }

  get inputIds(): string[] {
    return [...this.inputs.keys()];
  }

  addOutput(id: string, output: MixerOutputOptions): void {
    this.outputs.set(id, output);
  }

  removeOutput(id: string): void {
    this.outputs.delete(id);
  }

  /** A packet of an input (unknown inputs are ignored: the input was removed while its packets were on the way). */
  push(inputId: string, packet: MixerPacket): void {
    const input = this.inputs.get(inputId);
    if (!input) return;
    // Late or repeated packets of a frame already mixed are dropped.
    if (input.lastSeq >= 0 && seqBefore(packet.seq, input.lastSeq + 1)) return;
    const q = input.queue;
    let at = q.length;
    while (at > 0 && seqBefore(packet.seq, q[at - 1]!.seq)) at--;
    if (at > 0 && q[at - 1]!.seq === packet.seq) return;
    q.splice(at, 0, packet);
    if (q.length > this.options.maxQueue) q.splice(0, q.length - this.options.maxQueue);
  }

  /** Runs every frame due by `now` (ms): the first call starts the clock. Returns how many frames ran. */
  tick(now: number): number {
    if (this.nextAt < 0) this.nextAt = now;
    let ran = 0;
    // A long stall (a suspended process) is not made up for: at most a second of frames at once.
    if (now - this.nextAt > 1000) this.nextAt = now - 1000;
    while (this.nextAt <= now) {
      this.mixFrame(this.nextAt);
      this.nextAt += FRAME_MS;
      ran++;
    }
    return ran;
  }

  /** One frame: takes a packet per input and delivers a frame to every output. */
  mixFrame(at = Date.now()): void {
    const n = this.frame++;
    for (const input of this.inputs.values()) {
      const packet = input.queue.shift() ?? null;
      input.current = packet;
      input.decodedFrame = null;
      if (packet) input.lastSeq = packet.seq;
      input.sounds = (packet !== null && (packet.level === undefined || packet.level < this.options.silentLevel)) || input.pending.length > 0;
    }
    for (const output of this.outputs.values()) {
      try {
        output.deliver(this.frameFor(output, n), at);
      } catch {
        // An output that throws loses this frame only; the others still get theirs.
      }
    }
  }

  private frameFor(output: MixerOutputOptions, n: number): MixedFrame {
    const sounding: Array<[string, Input]> = [];
    for (const entry of this.inputs) if (entry[0] !== output.minus && entry[1].sounds) sounding.push(entry);
    if (sounding.length === 0) {
      this.counts.silent++;
      return SILENCE;
    }
    if (sounding.length === 1 && output.passThrough) {
      const [id, input] = sounding[0]!;
      if (input.current && input.pending.length === 0 && opusPacketMs(input.current.payload) === FRAME_MS) {
        this.counts.passed++;
        return { kind: 'opus', payload: input.current.payload, from: id };
      }
    }
    const mix = new Int32Array(FRAME_SAMPLES);
    for (const [, input] of sounding) {
      const pcm = this.decoded(input, n);
      for (let i = 0; i < FRAME_SAMPLES; i++) mix[i]! += pcm[i] ?? 0;
    }
    const out = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = mix[i]!;
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    this.counts.mixed++;
    return { kind: 'pcm', pcm: out };
  }

  /** The input's samples of this frame (decoded once per frame, whatever the number of outputs). */
  private decoded(input: Input, n: number): Int16Array {
    if (input.decodedFrame) return input.decodedFrame;
    let samples = input.pending;
    if (input.current) {
      input.decoder ??= this.codecs.decoder();
      if (input.decodedAt !== n - 1) input.decoder.reset();
      input.decodedAt = n;
      let pcm: Int16Array;
      try {
        pcm = input.decoder.decode(input.current.payload);
      } catch {
        pcm = new Int16Array(0); // a packet libopus refuses is silence
      }
      samples = concat(samples, pcm);
    }
    const frame = samples.subarray(0, FRAME_SAMPLES);
    input.pending = samples.length > FRAME_SAMPLES ? samples.slice(FRAME_SAMPLES) : new Int16Array(0);
    input.decodedFrame = frame;
    return frame;
  }
}

/** The duration of an Opus packet in ms (RFC 6716 §3.1: the TOC byte's configuration and frame count); 0 when unreadable. */
export function opusPacketMs(packet: Uint8Array): number {
  const toc = packet[0];
  if (toc === undefined) return 0;
  const config = toc >> 3;
  const frameMs = config < 12 ? [10, 20, 40, 60][config % 4]! : config < 16 ? [10, 20][config % 2]! : [2.5, 5, 10, 20][config % 4]!;
  const code = toc & 3;
  const frames = code === 0 ? 1 : code === 3 ? (packet[1] ?? 0) & 0x3f : 2;
  return frameMs * frames;
}

/** A 20 ms Opus packet that decodes to silence (CELT, full band, one frame): what an output sends when nobody speaks. */
export const OPUS_SILENCE = Uint8Array.from([0xf8, 0xff, 0xfe]);

const seqBefore = (a: number, b: number): boolean => ((a - b) & 0xffff) > 0x8000;

function concat(a: Int16Array, b: Int16Array): Int16Array {
  if (a.length === 0) return b;
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

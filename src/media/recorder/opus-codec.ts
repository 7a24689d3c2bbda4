import { Decoder, Encoder } from '@evan/opus';
import type { OpusCodecs, OpusDecoder, OpusEncoder } from '../mixer/audio-mixer.ts';

/**
 * libopus for the mixer, through @evan/opus (its npm package carries a prebuilt native binding for Linux x64 and a
 * WebAssembly build for elsewhere; nothing is compiled at install). Mono at 48 kHz. The encoder is set for speech at
 * complexity 5 and 32 kbit/s: a mix of voices, where the highest complexity would double its cost for no audible gain.
 */
export const opusCodecs: OpusCodecs = {
  decoder(): OpusDecoder {
    const decoder = new Decoder({ channels: 1, sample_rate: 48_000 });
    return {
      decode(packet) {
        const bytes = decoder.decode(packet);
        return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
      },
      reset() {
        decoder.reset();
      },
    };
  },
  encoder(): OpusEncoder {
    const encoder = new Encoder({ channels: 1, sample_rate: 48_000, application: 'voip' });
    encoder.complexity = 5;
    encoder.bitrate = 32_000;
    return { encode: (pcm) => encoder.encode(pcm) };
  },
};

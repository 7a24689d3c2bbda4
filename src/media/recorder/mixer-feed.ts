import type { Sink, Source } from '../sfu/source.ts';
import type { AudioMixer } from '../mixer/audio-mixer.ts';

/**
 * Keeps a mixer's inputs in step with the audio sources a hidden viewer (a recorder, a SIP leg) is given: each source
 * feeds one input by a sink of its own; sources no longer given are unhooked and their inputs removed.
 */
export class MixerFeed {
  private readonly sinks = new Map<Source, { input: string; sink: Sink }>();

  constructor(private readonly mixer: AudioMixer) {}

  follow(sources: Iterable<Source>): void {
    const wanted = new Set(sources);
    for (const [source, { input, sink }] of this.sinks) {
      if (wanted.has(source)) continue;
      source.remove(sink);
      this.mixer.removeInput(input);
      this.sinks.delete(source);
    }
    for (const source of wanted) {
      if (this.sinks.has(source)) continue;
      const input = `${source.owner}#${source.key}`;
      const sink: Sink = { take: (p) => this.mixer.push(input, { seq: p.seq, payload: p.payload, ...(p.level === undefined ? {} : { level: p.level }) }) };
      this.mixer.addInput(input);
      source.add(sink);
      this.sinks.set(source, { input, sink });
    }
  }
}

/**
 * Active-speaker detection from RFC 6464 audio levels (the ssrc-audio-level header extension, as werift hands it:
 * `{ v, level }`, level = −dBov, 0 loudest … 127 silence). Pure: the caller passes the clock (ms), there are no timers.
 *
 * Per speaker two exponential moving averages of loudness (127 − level, so 0 = silence and louder = larger):
 *  - `fast` (~0.2 s) decides *speaking*: above the threshold, plus a hangover (~0.5 s, as in a classic VAD) so the
 *    pauses between words do not end it; a talker is noticed within ~0.3 s (who to let into the audio slots);
 *  - `slow` (~0.7 s, i.e. mostly the last ~1.5 s) is what speakers are compared by, so a cough or a door slam does
 *    not outrank someone talking steadily. It is an average rather than a window so it costs O(1) per packet; a
 *    longer time constant was tried and made a newcomer need several seconds to catch up from silence.
 * Packets that stop coming (muted, DTX, gone) count as silence after `staleMs`, so the averages decay on their own.
 *
 * The dominant speaker (the large video when nothing is pinned) has hysteresis: a challenger takes over only after
 * being seen louder — slow average above the dominant's by `marginDb`, or the dominant no longer speaking — at every
 * evaluation for `holdMs`. The dominant keeps its place through silence (the last speaker stays large), until someone
 * else talks long enough or it is removed.
 *
 * The V (voice activity) flag is ignored: it is only meaningful with `vad=on` negotiated and senders set it
 * inconsistently; the level alone is what every sender fills in.
 */

/** One RFC 6464 audio-level extension value. */
export interface AudioLevel {
  v?: boolean;
  level: number;
}

export interface ActiveSpeakerOptions {
  /** Time constant of the fast average, ms. */
  fastMs: number;
  /** Time constant of the slow average, ms. */
  slowMs: number;
  /** How long someone stays speaking after the fast average fell under the threshold, ms. */
  hangoverMs: number;
  /** A smoothed level at least this loud (≤, in −dBov) counts as speaking. */
  speakingLevel: number;
  /** How much louder (dB) a challenger's slow average must be than the dominant's. */
  marginDb: number;
  /** How long a challenger must stay louder before it becomes dominant, ms. */
  holdMs: number;
  /** A gap in packets longer than this counts as silence, ms. */
  staleMs: number;
}

export const DEFAULT_ACTIVE_SPEAKER_OPTIONS: ActiveSpeakerOptions = {
  fastMs: 200,
  slowMs: 700,
  hangoverMs: 500,
  speakingLevel: 55,
  marginDb: 3,
  holdMs: 1000,
  staleMs: 100,
};

/** Typical packet duration (Opus, 20 ms): the weight of a speaker's very first packet. */
const FIRST_PACKET_MS = 20;
const SILENCE = 127;

interface Track {
  fast: number;
  slow: number;
  /** When the last packet came. */
  at: number;
  /** Last packet that put the fast average over the threshold; -Infinity if never. */
  loudAt: number;
  /** Last evaluation at which it was speaking; -Infinity if never. */
  spokeAt: number;
}

export class ActiveSpeakerDetector {
  private readonly opts: ActiveSpeakerOptions;
  private readonly tracks = new Map<string, Track>();
  private dominantId: string | null = null;
  private challenger: { id: string; since: number } | null = null;

  constructor(options: Partial<ActiveSpeakerOptions> = {}) {
    this.opts = { ...DEFAULT_ACTIVE_SPEAKER_OPTIONS, ...options };
  }

  /** Feeds one packet's level. Only feed audio that may be forwarded: a muted participant must not win the floor. */
  record(id: string, { level }: AudioLevel, now: number): void {
    const loud = SILENCE - Math.min(SILENCE, Math.max(0, Number.isFinite(level) ? level : SILENCE));
    let t = this.tracks.get(id);
    // The first packet weighs one packet's duration; later ones the time since the previous one, where a late or
    // out-of-order clock weighs nothing rather than corrupting the averages, and a gap at most `staleMs` (the gap
    // itself was already counted as silence by the decay).
    const dt = t ? Math.min(Math.max(0, now - t.at), this.opts.staleMs) : FIRST_PACKET_MS;
    if (!t) {
      t = { fast: 0, slow: 0, at: now, loudAt: -Infinity, spokeAt: -Infinity };
      this.tracks.set(id, t); // mutated in place from now on: this runs ~50 times a second per talker
    }
    const fast = this.decayed(t.fast, t.at, now, this.opts.fastMs);
    const slow = this.decayed(t.slow, t.at, now, this.opts.slowMs);
    t.fast = fast + (loud - fast) * (1 - Math.exp(-dt / this.opts.fastMs));
    t.slow = slow + (loud - slow) * (1 - Math.exp(-dt / this.opts.slowMs));
    t.at = Math.max(now, t.at);
    if (t.fast >= SILENCE - this.opts.speakingLevel) t.loudAt = t.at;
  }

  /** Forgets a participant (left, or muted by a host): it leaves the ranking and, if dominant, the floor. */
  remove(id: string): void {
    this.tracks.delete(id);
    if (this.dominantId === id) this.dominantId = null;
    if (this.challenger?.id === id) this.challenger = null;
  }

  /** The dominant speaker as of the last `rank()`. */
  get dominant(): string | null {
    return this.dominantId;
  }

  /** Is the participant speaking at `now`: fast average over the threshold within the last `hangoverMs`? */
  isSpeaking(id: string, now: number): boolean {
    const t = this.tracks.get(id);
    return t !== undefined && now - t.loudAt <= this.opts.hangoverMs;
  }

  /** Smoothed loudness at `now`, dB above silence (0 … 127): the slow average; 0 for someone never heard. */
  loudness(id: string, now: number): number {
    const t = this.tracks.get(id);
    return t ? this.decayed(t.slow, t.at, now, this.opts.slowMs) : 0;
  }

  /**
   * Evaluates the floor at `now` and returns the ranking for the forwarding decision: the dominant speaker, then the
   * others speaking (loudest first), then those who spoke before (most recent first). Participants never heard are
   * not ranked. Call it at a steady pace (e.g. every 250 ms): each call is one sample of the hysteresis.
   */
  rank(now: number): string[] {
    const speaking: { id: string; slow: number }[] = [];
    for (const [id, t] of this.tracks) {
      if (this.isSpeaking(id, now)) {
        t.spokeAt = Math.max(t.spokeAt, now);
        speaking.push({ id, slow: this.loudness(id, now) });
      }
    }
    speaking.sort((a, b) => b.slow - a.slow);
    this.elect(speaking, now);

    const speakingIds = new Set(speaking.map((s) => s.id));
    const spoken = [...this.tracks].filter(([id, t]) => t.spokeAt > -Infinity && !speakingIds.has(id));
    spoken.sort(([, a], [, b]) => b.spokeAt - a.spokeAt);
    const order = [...speaking.map((s) => s.id), ...spoken.map(([id]) => id)];
    const d = this.dominantId;
    return d === null ? order : [d, ...order.filter((id) => id !== d)];
  }

  private elect(speaking: readonly { id: string; slow: number }[], now: number): void {
    const best = speaking.find((s) => s.id !== this.dominantId);
    if (this.dominantId === null) {
      // Nobody holds the floor: nothing to flap from, the loudest takes it at once.
      this.dominantId = best?.id ?? null;
      this.challenger = null;
      return;
    }
    const current = speaking.find((s) => s.id === this.dominantId);
    const louder = best !== undefined && (current === undefined || best.slow > current.slow + this.opts.marginDb);
    if (!louder) {
      this.challenger = null;
      return;
    }
    if (this.challenger?.id !== best.id) this.challenger = { id: best.id, since: now };
    if (now - this.challenger.since >= this.opts.holdMs) {
      this.dominantId = best.id;
      this.challenger = null;
    }
  }

  /** The average as of `now`: unchanged within `staleMs` of the last packet, then decaying towards silence. */
  private decayed(value: number, at: number, now: number, tau: number): number {
    const gap = now - at - this.opts.staleMs;
    return gap <= 0 ? value : value * Math.exp(-gap / tau);
  }
}

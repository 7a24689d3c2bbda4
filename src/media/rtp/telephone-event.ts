/**
 * RFC 4733 telephone-events (DTMF in RTP): a 4-byte payload — event code, end bit and volume, duration. One key press
 * is one event: every packet of it carries the same RTP timestamp (its start), and its end is sent three times, so a key
 * is taken once per timestamp.
 */

/** The key of an event code (0–9, 10 = `*`, 11 = `#`, 12–15 = A–D); undefined for other codes (tones, flash). */
export function eventKey(code: number): string | undefined {
  if (code >= 0 && code <= 9) return String(code);
  if (code === 10) return '*';
  if (code === 11) return '#';
  if (code >= 12 && code <= 15) return 'ABCD'[code - 12];
  return undefined;
}

/** Takes the keys out of a stream of telephone-event payloads, once per key press. */
export class KeyPresses {
  /** RTP timestamps of the last presses taken (a few: the end packets of a press come after the next one began). */
  private readonly seen: number[] = [];

  /** The key this packet starts, or undefined (a repeat of a press already taken, a malformed payload, not a key). */
  take(timestamp: number, payload: Uint8Array): string | undefined {
    if (payload.length < 4) return undefined;
    const key = eventKey(payload[0]!);
    if (key === undefined || this.seen.includes(timestamp)) return undefined;
    this.seen.push(timestamp);
    if (this.seen.length > 8) this.seen.shift();
    return key;
  }
}

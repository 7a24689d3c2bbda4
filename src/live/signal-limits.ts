import { addressKey } from '../kernel/address.ts';

/**
 * Limits of the signalling sockets of this process. They count what lives here — a socket, and the sockets waiting at
 * a passcode prompt — not events over time that several nodes would have to share, so they are plain local state
 * rather than Budgets (src/kernel/budget.ts).
 */

/**
 * A token bucket per socket: `burst` frames at once, refilled at `perSecond`; each frame takes one. It is a number and
 * a time on the socket, taken synchronously per frame (a rate-limiter library's keyed, promise-based store would cost
 * more per frame than the frame itself).
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /** Takes one token; false when there is none (the sender is faster than allowed). `now` in ms, monotonic. */
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * How many sockets of each network address (IPv6 by its /64) wait at a passcode prompt: a waiting socket holds a timer
 * and a place in memory for up to the prompt timeout, so one address may hold only `max` of them.
 */
export class PromptSlots {
  private readonly waiting = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a slot for the address; false when it has `max` already. */
  take(address: string): boolean {
    const key = addressKey(address);
    const n = this.waiting.get(key) ?? 0;
    if (n >= this.max) return false;
    this.waiting.set(key, n + 1);
    return true;
  }

  release(address: string): void {
    const key = addressKey(address);
    const n = (this.waiting.get(key) ?? 0) - 1;
    if (n > 0) this.waiting.set(key, n);
    else this.waiting.delete(key);
  }
}

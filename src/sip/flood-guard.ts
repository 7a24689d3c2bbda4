import { type Allowance, type Rate, take } from '../live/allowance.ts';

/**
 * The first screen of the SIP gateway: SIP requests per source address per second, decided synchronously as each
 * datagram or TCP message arrives, before the SIP stack keeps any state for it (a transaction per request). Beyond
 * the rate a request is dropped without an answer (answering a flood would feed it). Pure; bounded: at most
 * `maxAddresses` addresses are tracked, the longest idle forgotten first. New calls per address over a longer window
 * are a Budget of their own in the gateway (shared between nodes through the budget store).
 */
export class FloodGuard {
  private readonly allowances = new Map<string, Allowance>();
  private readonly rate: Rate;

  constructor(
    perSecond: number,
    private readonly maxAddresses = 10_000,
  ) {
    this.rate = { burst: Math.max(1, perSecond), perMinute: perSecond * 60 };
  }

  /** Takes one request from `address`'s allowance; false when it is spent (drop the request). */
  allow(address: string, now: number): boolean {
    const current = this.allowances.get(address);
    const { ok, allowance } = take(current, this.rate, now);
    // Re-inserted: the Map's order is then least recently seen first, which is what is forgotten when full.
    this.allowances.delete(address);
    this.allowances.set(address, allowance);
    if (this.allowances.size > this.maxAddresses) this.allowances.delete(this.allowances.keys().next().value!);
    return ok;
  }
}

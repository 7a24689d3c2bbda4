/**
 * How much of something a participant may still do now (chat messages, reactions): a token bucket kept as plain data on
 * the participant, so it moves with them between breakout rooms, survives a resume and can be snapshotted. It lives on
 * the meeting's node with the participant, so it is not a Budget (src/kernel/budget.ts).
 */
export interface Allowance {
  tokens: number;
  /** ms of the last refill. */
  at: number;
}

export interface Rate {
  /** Taken at once. */
  burst: number;
  /** Refilled per minute. */
  perMinute: number;
}

/** Takes one from `allowance` (creating it full); false, and nothing taken, when none is left. */
export function take(allowance: Allowance | undefined, rate: Rate, now: number): { ok: boolean; allowance: Allowance } {
  const current = allowance ?? { tokens: rate.burst, at: now };
  const tokens = Math.min(rate.burst, current.tokens + (Math.max(0, now - current.at) / 60_000) * rate.perMinute);
  if (tokens < 1) return { ok: false, allowance: { tokens, at: now } };
  return { ok: true, allowance: { tokens: tokens - 1, at: now } };
}

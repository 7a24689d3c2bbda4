import { RateLimiterMemory, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import type { Budget, BudgetSpec, BudgetState, Budgets } from '../kernel/budget.ts';

/**
 * Budgets kept in this process (rate-limiter-flexible's memory store: a fixed window per key that starts with the
 * key's first event; idle keys expire with their window, so the map cannot outgrow the keys of the last window).
 */
export const memoryBudgets: Budgets = (spec) => {
  // The store expires each key with a timer, and Node runs a timer longer than 2^31-1 ms (24.8 days) after 1 ms: such
  // a window would silently be no window at all.
  if (spec.windowMs > MAX_TIMER_MS) throw new RangeError(`budget ${spec.name}: a window of ${spec.windowMs} ms is longer than this store keeps (24 days)`);
  return budgetOf(new RateLimiterMemory({ keyPrefix: spec.name, points: spec.points, duration: spec.windowMs / 1000 }), spec);
};

const MAX_TIMER_MS = 2 ** 31 - 1;

/** A Budget over any rate-limiter-flexible limiter (the same wrapper serves a shared store). */
export function budgetOf(limiter: RateLimiterAbstract, spec: BudgetSpec): Budget {
  const state = (res: RateLimiterRes | null): BudgetState =>
    res === null
      ? { remaining: spec.points, refillMs: 0 }
      : { remaining: Math.max(0, spec.points - res.consumedPoints), refillMs: Math.max(0, res.msBeforeNext) };
  return {
    peek: async (key) => state(await limiter.get(key)),
    // penalty() counts without refusing: the caller decides what an empty budget means.
    spend: async (key, points = 1) => state(await limiter.penalty(key, points)),
    reset: async (key) => {
      await limiter.delete(key);
    },
  };
}

import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Budgets } from '../kernel/budget.ts';
import { budgetOf } from './memory-budgets.ts';

/**
 * Budgets shared by every node of a cluster, in Redis (rate-limiter-flexible's Redis store: one counter key with a TTL
 * per budget and key, incremented atomically by a Lua script), so spraying attempts over several nodes gains nothing.
 * Redis counts whole seconds, so windows are rounded up to at least one second. While Redis is unreachable each node
 * falls back to counting in its own memory (the limiter's insurance), so limits never switch off.
 */
export const redisBudgets =
  (client: Redis, prefix: string): Budgets =>
  (spec) => {
    const duration = Math.max(1, Math.ceil(spec.windowMs / 1000));
    const limiter = new RateLimiterRedis({
      storeClient: client,
      keyPrefix: `${prefix}budget:${spec.name}`,
      points: spec.points,
      duration,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: spec.name, points: spec.points, duration }),
    });
    return budgetOf(limiter, spec);
  };

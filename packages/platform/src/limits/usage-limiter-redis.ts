import type { Redis } from "ioredis";
import type { UsageLimiter } from "./usage-limiter";
import { createInProcessUsageLimiter } from "./usage-limiter-in-process";

/**
 * Shared by every instance: a counter per key that expires with its window. While Redis cannot
 * be reached, each instance counts on its own: limits stay in force, only less precisely.
 */
export function createRedisUsageLimiter(redis: Redis, keyPrefix: string): UsageLimiter {
  // Made on the first need: it sets aside room for all its counters at once (about 3 MiB).
  let fallbackLimiter: UsageLimiter | undefined;
  const fallback = () => (fallbackLimiter ??= createInProcessUsageLimiter());
  return {
    async consume(budgets, windowMs) {
      if (redis.status !== "ready") return fallback().consume(budgets, windowMs);
      const pipeline = redis.multi();
      for (const { key } of budgets) {
        const counter = `${keyPrefix}usage:${key}`;
        // NX: the window starts with the first use and is not stretched by later ones.
        pipeline.incr(counter).pexpire(counter, windowMs, "NX").pttl(counter);
      }
      let replies: [Error | null, number][];
      try {
        replies = (await pipeline.exec()) as [Error | null, number][];
      } catch {
        return fallback().consume(budgets, windowMs);
      }
      let retryAfterMs = 0;
      budgets.forEach(({ limit }, index) => {
        const [used, , ttl] = replies.slice(index * 3, index * 3 + 3).map(([error, value]) => {
          if (error) throw error;
          return value;
        });
        if (used! > limit) retryAfterMs = Math.max(retryAfterMs, ttl!);
      });
      return retryAfterMs;
    },
  };
}

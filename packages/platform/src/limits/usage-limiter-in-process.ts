import type { UsageLimiter } from "./usage-limiter";
import { growingLruCache } from "../caches/growing-lru-cache";

const MAX_KEYS = 100_000;

/** The embedded default: counters in this process, bounded, the least recently used dropped first. */
export function createInProcessUsageLimiter(): UsageLimiter {
  const windows = growingLruCache<string, { used: number; endsAt: number }>(MAX_KEYS);
  return {
    async consume(budgets, windowMs) {
      const now = Date.now();
      let retryAfterMs = 0;
      for (const { key, limit } of budgets) {
        let window = windows.get(key);
        if (!window || window.endsAt <= now) {
          window = { used: 0, endsAt: now + windowMs };
          windows.set(key, window);
        }
        window.used += 1;
        if (window.used > limit) retryAfterMs = Math.max(retryAfterMs, window.endsAt - now);
      }
      return retryAfterMs;
    },
  };
}

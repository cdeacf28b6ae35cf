import type { UsageLimiter } from "./usage-limiter";
import { growingLruCache } from "../caches/growing-lru-cache";

const MAX_KEYS = 100_000;

/** The embedded default: counters in this process, bounded, the least recently used dropped first. */
export function createInProcessUsageLimiter(): UsageLimiter {
  const windows = growingLruCache<string, { used: number; endsAt: number }>(MAX_KEYS);
  return {
    async consume(budgets) {
      const now = Date.now();
      for (const budget of budgets) {
        let window = windows.get(budget.key);
        if (!window || window.endsAt <= now) {
          window = { used: 0, endsAt: now + budget.windowMs };
          windows.set(budget.key, window);
        }
        window.used += 1;
        if (window.used > budget.limit) return { budget, retryAfterMs: window.endsAt - now };
      }
      return null;
    },
  };
}

import type { UsageLimiter } from "./usage-limiter";

const MAX_KEYS = 100_000;

/** The embedded default: counters in this process, bounded, oldest dropped first. */
export function createInProcessUsageLimiter(): UsageLimiter {
  const windows = new Map<string, { used: number; endsAt: number }>();
  return {
    async consume(budgets, windowMs) {
      const now = Date.now();
      let retryAfterMs = 0;
      for (const { key, limit } of budgets) {
        let window = windows.get(key);
        if (!window || window.endsAt <= now) {
          windows.delete(key);
          if (windows.size >= MAX_KEYS) windows.delete(windows.keys().next().value!);
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

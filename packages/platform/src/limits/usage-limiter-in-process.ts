import type { UsageBudget, UsageLimiter, UsageRefusal } from "./usage-limiter";
import { growingLruCache } from "../caches/growing-lru-cache";

const MAX_KEYS = 100_000;

/** The embedded default: counters in this process, bounded, the least recently used dropped first. */
export function createInProcessUsageLimiter(): UsageLimiter {
  const windows = growingLruCache<string, { used: number; endsAt: number }>(MAX_KEYS);
  return {
    async consume(budgets) {
      const now = Date.now();
      const liveWindow = (budget: UsageBudget) => {
        const window = windows.get(budget.key);
        return window && window.endsAt > now ? window : undefined;
      };
      /** Counts one use against the budget; whether that goes over it. */
      const overBudget = (budget: UsageBudget) => {
        let window = liveWindow(budget);
        if (!window) {
          window = { used: 0, endsAt: now + budget.windowMs };
          windows.set(budget.key, window);
        }
        window.used += 1;
        return window.used > budget.limit;
      };
      if (!budgets.some(overBudget)) return null;
      let longest: UsageRefusal | null = null;
      for (const budget of budgets) {
        const window = liveWindow(budget);
        const wait = window && window.used >= budget.limit ? window.endsAt - now : 0;
        if (wait > (longest?.retryAfterMs ?? 0)) longest = { budget, retryAfterMs: wait };
      }
      return longest;
    },
  };
}

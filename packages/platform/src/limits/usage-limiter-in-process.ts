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
      const live = budgets.map(liveWindow);
      let longest: UsageRefusal | null = null;
      for (const [i, budget] of budgets.entries()) {
        const window = live[i];
        if ((window?.used ?? 0) < budget.limit) continue;
        const wait = window ? window.endsAt - now : budget.windowMs;
        if (!longest || wait > longest.retryAfterMs) longest = { budget, retryAfterMs: wait };
      }
      if (longest) return longest;
      for (const [i, budget] of budgets.entries()) {
        const window = live[i];
        if (window) window.used += 1;
        else windows.set(budget.key, { used: 1, endsAt: now + budget.windowMs });
      }
      return null;
    },
    async close() {},
  };
}

import { FAILURE_WINDOW_MS, lockoutAfter, type LoginThrottle } from "./login-throttle";
import { BoundedMap } from "../bounded-map";

const MAX_KEYS = 100_000;

/** The embedded default: counters in this process, bounded, oldest dropped first. */
export function createInProcessLoginThrottle(): LoginThrottle {
  const entries = new BoundedMap<string, { failures: number; lastFailureAt: number; lockedUntil: number }>(MAX_KEYS);
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && Date.now() - entry.lastFailureAt > FAILURE_WINDOW_MS) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    async retryAfterMs(keys) {
      return Math.max(0, ...keys.map((key) => (live(key)?.lockedUntil ?? 0) - Date.now()));
    },
    async recordFailure(keys) {
      const now = Date.now();
      for (const { key, freeAttempts } of keys) {
        const failures = (live(key)?.failures ?? 0) + 1;
        entries.set(key, { failures, lastFailureAt: now, lockedUntil: now + lockoutAfter(failures, freeAttempts) });
      }
    },
    async reset(key) {
      entries.delete(key);
    },
  };
}

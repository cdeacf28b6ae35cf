import {
  FAILURE_WINDOW_MS,
  lockoutAfter,
  settledOnce,
  waitForAttemptsInFlight,
  type LoginThrottle,
} from "./login-throttle";
import { growingLruCache } from "../caches/growing-lru-cache";

const MAX_KEYS = 100_000;

/**
 * The embedded default: counters in this process, bounded, the least recently used dropped first. Checking and
 * reserving run without an `await` in between, so no other attempt can come between them.
 * Reservations need no lapse here: they die with the process that holds them.
 */
export function createInProcessLoginThrottle(): LoginThrottle {
  const failures = growingLruCache<string, { count: number; lastFailureAt: number; lockedUntil: number }>(MAX_KEYS);
  const inFlight = growingLruCache<string, Set<symbol>>(MAX_KEYS);
  const liveFailures = (key: string) => {
    const entry = failures.get(key);
    if (entry && Date.now() - entry.lastFailureAt > FAILURE_WINDOW_MS) {
      failures.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    async reserveAttempt(keys) {
      const now = Date.now();
      const retryAfterMs = Math.max(
        0,
        ...keys.map(({ key, freeAttempts }) => {
          const recorded = liveFailures(key);
          const waitForInFlight = waitForAttemptsInFlight(
            recorded?.count ?? 0,
            inFlight.get(key)?.size ?? 0,
            freeAttempts,
          );
          return Math.max((recorded?.lockedUntil ?? 0) - now, waitForInFlight);
        }),
      );
      if (retryAfterMs > 0) return { status: "locked-out", retryAfterMs };

      const reservation = Symbol("login attempt");
      for (const { key } of keys) inFlight.set(key, (inFlight.get(key) ?? new Set()).add(reservation));
      const leaveFlight = () => {
        for (const { key } of keys) {
          const reservations = inFlight.get(key);
          reservations?.delete(reservation);
          if (reservations?.size === 0) inFlight.delete(key);
        }
      };
      return settledOnce({
        async recordFailure() {
          leaveFlight();
          const failedAt = Date.now();
          for (const { key, freeAttempts } of keys) {
            const count = (liveFailures(key)?.count ?? 0) + 1;
            failures.set(key, {
              count,
              lastFailureAt: failedAt,
              lockedUntil: failedAt + lockoutAfter(count, freeAttempts),
            });
          }
        },
        async release() {
          leaveFlight();
        },
      });
    },
    async reset(key) {
      failures.delete(key);
    },
  };
}

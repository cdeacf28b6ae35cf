import type { Redis } from "ioredis";
import { FAILURE_WINDOW_MS, lockoutAfter, type LoginThrottle } from "./login-throttle";

/**
 * Shared by every instance, so that spreading guesses over several servers gains nothing.
 * A failure counter per key expires with the window; a lock key lives as long as the lock-out.
 */
export function createRedisLoginThrottle(redis: Redis, keyPrefix: string): LoginThrottle {
  const failures = (key: string) => `${keyPrefix}login:failures:${key}`;
  const lock = (key: string) => `${keyPrefix}login:lock:${key}`;
  return {
    async retryAfterMs(keys) {
      const remaining = await Promise.all(keys.map((key) => redis.pttl(lock(key))));
      return Math.max(0, ...remaining);
    },
    async recordFailure(keys) {
      for (const { key, freeAttempts } of keys) {
        const [[, count]] = (await redis
          .multi()
          .incr(failures(key))
          .pexpire(failures(key), FAILURE_WINDOW_MS)
          .exec()) as [[Error | null, number], unknown];
        const lockout = lockoutAfter(count, freeAttempts);
        if (lockout > 0) await redis.set(lock(key), "1", "PX", lockout);
      }
    },
    async reset(key) {
      await redis.del(failures(key), lock(key));
    },
  };
}

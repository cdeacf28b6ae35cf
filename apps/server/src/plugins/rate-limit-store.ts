import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

/** The plugin compares the count with each route's own budget; the counter itself never refuses. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/**
 * Counts in Redis, shared by every instance; while Redis cannot be reached, each instance counts
 * on its own (rate-limiter-flexible's insurance limiter), and goes back to Redis once it answers.
 * A limit that is briefly per instance is better than either refusing every request or letting
 * every request through.
 */
export function redisStoreWithLocalFallback(redis: Redis, keyPrefix: string): FastifyRateLimitStoreCtor {
  const counters = new Map<number, RateLimiterRedis>();
  const counterFor = (windowMs: number) => {
    let counter = counters.get(windowMs);
    if (!counter) {
      const window = { keyPrefix, points: UNBOUNDED, duration: Math.ceil(windowMs / 1000) };
      counter = new RateLimiterRedis({
        ...window,
        storeClient: redis,
        insuranceLimiter: new RateLimiterMemory(window),
      });
      counters.set(windowMs, counter);
    }
    return counter;
  };

  class SharedStore implements FastifyRateLimitStore {
    incr(key: string, callback: Parameters<FastifyRateLimitStore["incr"]>[1], timeWindow: number): void {
      counterFor(timeWindow)
        .consume(key)
        .then(
          (counted) => callback(null, { current: counted.consumedPoints, ttl: counted.msBeforeNext }),
          (failure: unknown) =>
            failure instanceof RateLimiterRes
              ? callback(null, { current: failure.consumedPoints, ttl: failure.msBeforeNext })
              : callback(failure instanceof Error ? failure : new Error(String(failure))),
        );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  }
  return SharedStore as unknown as FastifyRateLimitStoreCtor;
}

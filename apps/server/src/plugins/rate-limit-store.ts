import { createRequire } from "node:module";
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import type { FastifyBaseLogger } from "fastify";
import type { Redis } from "ioredis";

type Store = FastifyRateLimitStore;
type IncrCallback = Parameters<Store["incr"]>[1];
type ChildOptions = Parameters<Store["child"]>[0];

// The plugin's own stores, which it does not export by name; reused rather than rewritten.
const require = createRequire(import.meta.url);
const RedisStore = require("@fastify/rate-limit/store/RedisStore") as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  nameSpace: string,
) => Store;
const LocalStore = require("@fastify/rate-limit/store/LocalStore") as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
) => Store;

/** Says once when counting moved to this process, and once when it moved back. */
function outageReporter(log: FastifyBaseLogger) {
  let degraded = false;
  return {
    failed(error: Error) {
      if (degraded) return;
      degraded = true;
      log.warn({ err: error }, "rate limits counted in this process until Redis answers again");
    },
    answered() {
      if (!degraded) return;
      degraded = false;
      log.info("rate limits counted in Redis again");
    },
  };
}

class RedisWithLocalFallback implements Store {
  constructor(
    private readonly shared: Store,
    private readonly local: Store,
    private readonly outage: ReturnType<typeof outageReporter>,
  ) {}

  incr(key: string, callback: IncrCallback, timeWindow: number, max: number): void {
    this.shared.incr(
      key,
      (error, result) => {
        if (!error) {
          this.outage.answered();
          callback(null, result);
          return;
        }
        this.outage.failed(error);
        this.local.incr(key, callback, timeWindow, max);
      },
      timeWindow,
      max,
    );
  }

  child(routeOptions: ChildOptions): Store {
    return new RedisWithLocalFallback(this.shared.child(routeOptions), this.local.child(routeOptions), this.outage);
  }
}

/**
 * Counts in Redis, shared by every instance; while Redis cannot be reached, each instance counts
 * on its own. A limit that is briefly per instance is better than either refusing every request
 * or letting every request through.
 */
export function redisStoreWithLocalFallback(
  redis: Redis,
  nameSpace: string,
  log: FastifyBaseLogger,
): FastifyRateLimitStoreCtor {
  const outage = outageReporter(log);
  // rateLimits() sets neither `continueExceeding` nor `exponentialBackoff`, so both stores count plainly.
  return class {
    constructor() {
      return new RedisWithLocalFallback(
        new RedisStore(false, false, redis, nameSpace),
        new LocalStore(false, false),
        outage,
      );
    }
  } as unknown as FastifyRateLimitStoreCtor;
}

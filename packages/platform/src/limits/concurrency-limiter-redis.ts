import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { redisScript } from "../redis";
import type { ConcurrencyLimiter } from "./concurrency-limiter";
import { createInProcessConcurrencyLimiter } from "./concurrency-limiter-in-process";

/**
 * A key's leases are the members of a sorted set, scored by when each lapses on Redis's clock
 * (instances' clocks may disagree): lapsed ones are dropped before counting, and a new one is
 * added only under the cap, in one step.
 */
const ACQUIRE_SCRIPT = redisScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`);

/** Pushes back the lapse of the leases still held (XX: a released one is not brought back). */
const RENEW_SCRIPT = redisScript(`
local time = redis.call('TIME')
local lapsesAt = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', lapsesAt, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 0
`);

export interface RedisConcurrencyOptions {
  /** How long a lease lasts unless renewed: what an instance that dies holds is freed after this. */
  leaseMs: number;
}

/**
 * Shared by every instance. Each instance renews the leases it holds every third of a lease's
 * life, so that a lease outlives its instance by at most `leaseMs`. While Redis cannot be
 * reached, each instance counts on its own: the caps stay in force, only less precisely.
 */
export function createRedisConcurrencyLimiter(
  redis: Redis,
  keyPrefix: string,
  options: RedisConcurrencyOptions = { leaseMs: 30_000 },
): ConcurrencyLimiter {
  const fallback = createInProcessConcurrencyLimiter();
  // The leases this instance holds, by Redis key.
  const held = new Map<string, Set<string>>();
  const renewal = setInterval(() => {
    for (const [key, leases] of held) {
      void RENEW_SCRIPT.run(redis, [key], [options.leaseMs, ...leases]).catch(() => {});
    }
  }, options.leaseMs / 3).unref();

  return {
    async acquire(key, limit) {
      if (redis.status !== "ready") return fallback.acquire(key, limit);
      const redisKey = `${keyPrefix}leases:${key}`;
      const lease = randomUUID();
      let granted: number;
      try {
        granted = (await ACQUIRE_SCRIPT.run(redis, [redisKey], [limit, options.leaseMs, lease])) as number;
      } catch {
        return fallback.acquire(key, limit);
      }
      if (granted !== 1) return null;
      const leases = held.get(redisKey) ?? new Set<string>();
      held.set(redisKey, leases.add(lease));
      return () => {
        if (!leases.delete(lease)) return;
        if (leases.size === 0) held.delete(redisKey);
        void redis.zrem(redisKey, lease).catch(() => {});
      };
    },
    close() {
      clearInterval(renewal);
    },
  };
}

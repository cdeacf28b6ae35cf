import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { redisScript } from "../redis";
import {
  FAILURE_WINDOW_MS,
  FIRST_LOCKOUT_MS,
  MAX_LOCKOUT_MS,
  RESERVATION_LAPSE_MS,
  settledOnce,
  waitForAttemptsInFlight,
  type LoginThrottle,
} from "./login-throttle";

/**
 * Checks every key and, when none refuses, reserves the attempt in all of them, in one step:
 * Redis runs a script alone. Each key comes as three: its failure counter, its lock and its
 * attempts in flight (a sorted set of reservation ids by the time they lapse, on Redis's clock).
 * A key refuses while locked, or while its attempts in flight would lock it out if they failed
 * (`waitForAttemptsInFlight`). Returns nothing once reserved; when refused, each key's failures,
 * attempts in flight and lock, for the caller to tell how long to wait.
 */
const RESERVE_SCRIPT = redisScript(`
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local lapseMs = tonumber(ARGV[2])
local states = {}
local refused = false
for i = 1, #KEYS / 3 do
  redis.call('ZREMRANGEBYSCORE', KEYS[3 * i], '-inf', nowMs)
  local failures = tonumber(redis.call('GET', KEYS[3 * i - 2]) or 0)
  local inFlight = redis.call('ZCARD', KEYS[3 * i])
  local lockedMs = redis.call('PTTL', KEYS[3 * i - 1])
  states[i] = { failures, inFlight, lockedMs }
  if lockedMs > 0 or (inFlight > 0 and failures + inFlight >= tonumber(ARGV[2 + i])) then refused = true end
end
if refused then return states end
for i = 1, #KEYS / 3 do
  redis.call('ZADD', KEYS[3 * i], nowMs + lapseMs, ARGV[1])
  redis.call('PEXPIRE', KEYS[3 * i], lapseMs)
end
return nil
`);

/**
 * Turns a reservation into a failure of every key, in one step, so that no attempt can slip in
 * between the reservation leaving and its lock-out arriving. The lock-out is `lockoutAfter`'s
 * schedule; the contract test holds both implementations to it.
 */
const RECORD_FAILURE_SCRIPT = redisScript(`
local windowMs, firstLockoutMs, maxLockoutMs = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
for i = 1, #KEYS / 3 do
  redis.call('ZREM', KEYS[3 * i], ARGV[1])
  local failures = redis.call('INCR', KEYS[3 * i - 2])
  redis.call('PEXPIRE', KEYS[3 * i - 2], windowMs)
  local freeAttempts = tonumber(ARGV[4 + i])
  if failures >= freeAttempts then
    local lockoutMs = math.min(maxLockoutMs, firstLockoutMs * 2 ^ (failures - freeAttempts))
    redis.call('SET', KEYS[3 * i - 1], '1', 'PX', lockoutMs)
  end
end
`);

/** What the reserve script reports of each key when it refuses: failures, attempts in flight, lock. */
type KeyState = [failures: number, inFlight: number, lockedMs: number];

/**
 * Shared by every instance, so that spreading guesses over several servers gains nothing.
 * A failure counter per key expires with the window; a lock key lives as long as the lock-out.
 */
export function createRedisLoginThrottle(redis: Redis, keyPrefix: string): LoginThrottle {
  const failures = (key: string) => `${keyPrefix}login:failures:${key}`;
  const lock = (key: string) => `${keyPrefix}login:lock:${key}`;
  const inFlight = (key: string) => `${keyPrefix}login:in-flight:${key}`;
  return {
    async reserveAttempt(keys) {
      const redisKeys = keys.flatMap(({ key }) => [failures(key), lock(key), inFlight(key)]);
      const reservation = randomUUID();
      const states = (await RESERVE_SCRIPT.run(redis, redisKeys, [
        reservation,
        RESERVATION_LAPSE_MS,
        ...keys.map(({ freeAttempts }) => freeAttempts),
      ])) as KeyState[] | null;
      if (states) {
        const retryAfterMs = Math.max(
          ...states.map(([failureCount, inFlightCount, lockedMs], index) =>
            Math.max(lockedMs, waitForAttemptsInFlight(failureCount, inFlightCount, keys[index]!.freeAttempts)),
          ),
        );
        return { status: "locked-out", retryAfterMs };
      }

      return settledOnce({
        async recordFailure() {
          await RECORD_FAILURE_SCRIPT.run(redis, redisKeys, [
            reservation,
            FAILURE_WINDOW_MS,
            FIRST_LOCKOUT_MS,
            MAX_LOCKOUT_MS,
            ...keys.map(({ freeAttempts }) => freeAttempts),
          ]);
        },
        async release() {
          await Promise.all(keys.map(({ key }) => redis.zrem(inFlight(key), reservation)));
        },
      });
    },
    async reset(key) {
      await redis.del(failures(key), lock(key));
    },
  };
}

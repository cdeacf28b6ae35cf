import type { Redis } from "ioredis";
import { redisScript } from "../redis";
import type { UsageLimiter } from "./usage-limiter";
import { createInProcessUsageLimiter } from "./usage-limiter-in-process";

/**
 * Counts against each budget in turn and stops at the first one spent; nil when none is. Else it
 * reads every budget, counted or not, and answers which of those that would refuse another use
 * (from 1) has the longest wait, and that wait. ARGV holds each budget's limit and window, in
 * pairs. NX: a window starts with its first use and is not stretched by later ones.
 */
const CONSUME_SCRIPT = redisScript(`
local refused = false
for i, counter in ipairs(KEYS) do
  local used = redis.call('INCR', counter)
  redis.call('PEXPIRE', counter, ARGV[2 * i], 'NX')
  if used > tonumber(ARGV[2 * i - 1]) then
    refused = true
    break
  end
end
if not refused then return nil end
local longest = nil
for i, counter in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', counter) or '0')
  if used > 0 and used >= tonumber(ARGV[2 * i - 1]) then
    local wait = math.max(redis.call('PTTL', counter), 1)
    if not longest or wait > longest[2] then longest = { i, wait } end
  end
end
return longest
`);

/**
 * Shared by every instance: a counter per key that expires with its window, all of a use's
 * budgets counted in one step. While Redis cannot be reached, each instance counts on its own:
 * limits stay in force, only less precisely.
 */
export function createRedisUsageLimiter(redis: Redis, keyPrefix: string): UsageLimiter {
  const fallback = createInProcessUsageLimiter();
  return {
    async consume(budgets) {
      if (redis.status !== "ready") return fallback.consume(budgets);
      const counters = budgets.map(({ key }) => `${keyPrefix}usage:${key}`);
      const windows = budgets.flatMap(({ limit, windowMs }) => [limit, windowMs]);
      let refused: [budgetNumber: number, retryAfterMs: number] | null;
      try {
        refused = (await CONSUME_SCRIPT.run(redis, counters, windows)) as typeof refused;
      } catch {
        return fallback.consume(budgets);
      }
      return refused && { budget: budgets[refused[0] - 1]!, retryAfterMs: refused[1] };
    },
  };
}

import { performance } from "node:perf_hooks";
import type { Redis } from "ioredis";
import { growingLruCache } from "../caches/growing-lru-cache";
import { redisScript } from "../redis";
import type { UsageBudget, UsageLimiter, UsageRefusal } from "./usage-limiter";
import { createInProcessUsageLimiter } from "./usage-limiter-in-process";

/**
 * First gives back ARGV[2] uses taken earlier and not handed out, to each budget still in the
 * window they were taken in (its expiry time unchanged, ARGV[3 * i + 2]). Then, unless ARGV[1]
 * is 0, takes up to ARGV[1] uses of every budget at once: fewer when a budget has less than
 * eight times that left, or a limit under 32 times that, but at least one. Answers { taken, ms
 * until the first of their windows ends, then each budget's expiry time }; when any budget is
 * spent it takes nothing and answers { 0, which spent budget (from 1) has the longest wait, that
 * wait }. ARGV then holds each budget's limit, window and expiry time, in threes. NX: a window
 * starts with its first use and is not stretched by later ones.
 */
const TAKE_SCRIPT = redisScript(`
local take = tonumber(ARGV[1])
local givenBack = tonumber(ARGV[2])
local longest = nil
for i, counter in ipairs(KEYS) do
  local limit = tonumber(ARGV[3 * i])
  local used = tonumber(redis.call('GET', counter) or '0')
  if givenBack > 0 and used > 0 and redis.call('PEXPIRETIME', counter) == tonumber(ARGV[3 * i + 2]) then
    used = redis.call('DECRBY', counter, math.min(givenBack, used))
  end
  local left = limit - used
  if take > 0 then
    if left <= 0 then
      redis.call('PEXPIRE', counter, ARGV[3 * i + 1], 'NX')
      local wait = math.max(redis.call('PTTL', counter), 1)
      if not longest or wait > longest[2] then longest = { i, wait } end
    else
      take = math.min(take, math.max(1, math.floor(left / 8)), math.max(1, math.floor(limit / 32)))
    end
  end
end
if take == 0 then return nil end
if longest then return { 0, longest[1], longest[2] } end
local answer = { take, 0 }
for i, counter in ipairs(KEYS) do
  redis.call('INCRBY', counter, take)
  redis.call('PEXPIRE', counter, ARGV[3 * i + 1], 'NX')
  local ttl = redis.call('PTTL', counter)
  if i == 1 or ttl < answer[2] then answer[2] = ttl end
  answer[i + 2] = redis.call('PEXPIRETIME', counter)
end
return answer
`);

/** An instance takes what it hands out in about this long, so that few of its uses sit unused. */
const LEASE_HORIZON_MS = 50;
/** The most uses an instance takes at once, however busy the budgets. */
const MAX_LEASE = 256;
const MAX_LEASES = 100_000;

/** Uses of one set of budgets this instance has taken from Redis and not handed out yet. */
interface Lease {
  /** The budgets as last asked for, and their counters in Redis. */
  budgets: UsageBudget[];
  counters: string[];
  left: number;
  /**
   * When the first of the budgets' windows ends, on this process's monotonic clock: what is left
   * then is given back.
   */
  endsAt: number;
  /** Each budget's expiry time in Redis when taken: what is given back goes to that window only. */
  expiryTimes: number[];
  /** The size of the last take, and when it came back: how fast this instance hands them out. */
  taken: number;
  takenAt: number;
  handedOut: number;
  /** A take under way, which other uses wait for rather than start their own. */
  taking?: Promise<UsageRefusal | null | "unavailable">;
}

type TakeAnswer = [taken: number, budgetNumberOrEndsIn: number, ...retryAfterOrExpiryTimes: number[]];

/** Whether Redis answered as the script does, rather than something else having run under its digest. */
function isTakeAnswer(answer: unknown, budgets: number): answer is TakeAnswer {
  return (
    Array.isArray(answer) &&
    answer.every((item) => typeof item === "number") &&
    answer.length === (answer[0] === 0 ? 3 : 2 + budgets)
  );
}

/**
 * Shared by every instance: a counter per budget that expires with its window, all of a use's
 * budgets counted in one step. A busy instance takes several uses at once and hands them out
 * itself, so that a hot key (an API key called thousands of times a second) costs a Redis round
 * trip every few hundred calls instead of each. Every use is counted in Redis before it is
 * handed out, so no window ever lets more uses through than its limit.
 *
 * What a lease holds is at most 256 uses, twice its last take, an eighth of what a budget had
 * left and a thirty-second of its limit. What it has not handed out when the first of its
 * windows ends is given back, at its next take, to the budgets whose windows go on (a quota
 * outlasting a rate limit), and everything it holds is given back when the limiter closes;
 * until then (or if its calls moved to another instance, or it was dropped from the 100,000
 * kept), other instances may be refused that many uses early. A quiet budget is taken one use
 * at a time, which is exact. While Redis cannot be reached, each instance counts on its own:
 * limits stay in force, only less precisely.
 */
export function createRedisUsageLimiter(redis: Redis, keyPrefix: string): UsageLimiter {
  const fallback = createInProcessUsageLimiter();
  const leases = growingLruCache<string, Lease>(MAX_LEASES);

  /** Gives back what the lease has not handed out, and takes `wanted` more (none if 0). */
  function runTakeScript(lease: Lease, wanted: number): Promise<unknown> {
    const args = [wanted, lease.left];
    lease.left = 0;
    lease.budgets.forEach(({ limit, windowMs }, i) => args.push(limit, windowMs, lease.expiryTimes[i] ?? 0));
    return TAKE_SCRIPT.run(redis, lease.counters, args);
  }

  /** Takes more uses for the lease: as many as it handed out in the last horizon, at most twice the last take. */
  async function take(lease: Lease, budgets: UsageBudget[]): Promise<UsageRefusal | null | "unavailable"> {
    const sentAt = performance.now();
    const pace = lease.handedOut / Math.max(1, sentAt - lease.takenAt);
    const wanted = Math.max(1, Math.min(Math.ceil(pace * LEASE_HORIZON_MS), 2 * lease.taken, MAX_LEASE));
    lease.budgets = budgets;
    let answer: unknown;
    try {
      answer = await runTakeScript(lease, wanted);
    } catch {
      return "unavailable";
    }
    if (!isTakeAnswer(answer, budgets.length)) return "unavailable";
    const [taken, second, ...rest] = answer;
    if (taken === 0) return { budget: budgets[second - 1]!, retryAfterMs: rest[0]! };
    lease.left = taken;
    // The script ran after the take was sent, so its window ends no sooner: the lease never outlives it.
    lease.endsAt = sentAt + second;
    lease.expiryTimes = rest;
    lease.taken = taken;
    lease.takenAt = performance.now();
    lease.handedOut = 0;
    return null;
  }

  return {
    async consume(budgets) {
      if (budgets.length === 0) return null;
      if (redis.status !== "ready") return fallback.consume(budgets);
      const id = budgets.length === 1 ? budgets[0]!.key : budgets.map(({ key }) => key).join("\0");
      let lease = leases.get(id);
      if (!lease) {
        const counters = budgets.map(({ key }) => `${keyPrefix}usage:${key}`);
        lease = { counters, budgets, left: 0, endsAt: 0, expiryTimes: [], taken: 0, takenAt: 0, handedOut: 0 };
        leases.set(id, lease);
      }
      for (;;) {
        if (lease.left > 0 && lease.endsAt > performance.now()) {
          lease.left -= 1;
          lease.handedOut += 1;
          return null;
        }
        const taking = lease.taking ?? take(lease, budgets).finally(() => (lease.taking = undefined));
        lease.taking = taking;
        const outcome = await taking;
        if (outcome === "unavailable") return fallback.consume(budgets);
        if (outcome) return outcome;
      }
    },
    async close() {
      const holding = [...leases.values()].filter((lease) => lease.left > 0);
      await Promise.all(holding.map((lease) => runTakeScript(lease, 0).catch(() => {})));
    },
  };
}

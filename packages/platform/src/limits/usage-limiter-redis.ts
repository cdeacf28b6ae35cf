import type { Redis } from "ioredis";
import { growingLruCache } from "../caches/growing-lru-cache";
import { redisScript } from "../redis";
import type { UsageBudget, UsageLimiter, UsageRefusal } from "./usage-limiter";
import { createInProcessUsageLimiter } from "./usage-limiter-in-process";

/**
 * Takes up to ARGV[1] uses of every budget at once, fewer when a budget has less than eight
 * times that left (at least one), and answers { taken, ms until the first of their windows
 * ends }. When any budget is spent it takes nothing and answers { 0, which spent budget (from 1)
 * has the longest wait, that wait }. ARGV then holds each budget's limit and window, in pairs.
 * NX: a window starts with its first use and is not stretched by later ones.
 */
const TAKE_SCRIPT = redisScript(`
local take = tonumber(ARGV[1])
local longest = nil
for i, counter in ipairs(KEYS) do
  local left = tonumber(ARGV[2 * i]) - tonumber(redis.call('GET', counter) or '0')
  if left <= 0 then
    local wait = math.max(redis.call('PTTL', counter), 1)
    if not longest or wait > longest[2] then longest = { i, wait } end
  else
    take = math.min(take, math.max(1, math.floor(left / 8)))
  end
end
if longest then return { 0, longest[1], longest[2] } end
local endsIn = nil
for i, counter in ipairs(KEYS) do
  redis.call('INCRBY', counter, take)
  redis.call('PEXPIRE', counter, ARGV[2 * i + 1], 'NX')
  local ttl = redis.call('PTTL', counter)
  if not endsIn or ttl < endsIn then endsIn = ttl end
end
return { take, endsIn }
`);

/** An instance takes what it hands out in about this long, so that few of its uses sit unused. */
const LEASE_HORIZON_MS = 50;
/** The most uses an instance takes at once, however busy the budgets. */
const MAX_LEASE = 256;
const MAX_LEASES = 100_000;

/** Uses of one set of budgets this instance has taken from Redis and not handed out yet. */
interface Lease {
  left: number;
  /** When the first of the budgets' windows ends: what is left then is void. */
  endsAt: number;
  /** The size of the last take, and when it came back: how fast this instance hands them out. */
  taken: number;
  takenAt: number;
  handedOut: number;
  /** A take under way, which other uses wait for rather than start their own. */
  taking?: Promise<UsageRefusal | null | "unavailable">;
}

/**
 * Shared by every instance: a counter per budget that expires with its window, all of a use's
 * budgets counted in one step. A busy instance takes several uses at once and hands them out
 * itself, so that a hot key (an API key called thousands of times a second) costs a Redis round
 * trip every few hundred calls instead of each. No window ever lets more uses through than its
 * limit, since every use is counted in Redis before it is handed out. What an instance took and
 * has not handed out when its calls stop is lost for that window: at most what it handed out in
 * the last {@link LEASE_HORIZON_MS} and an eighth of what was left, so other instances may be
 * refused that much early. A quiet budget is taken one use at a time, which is exact. While Redis
 * cannot be reached, each instance counts on its own: limits stay in force, only less precisely.
 */
export function createRedisUsageLimiter(redis: Redis, keyPrefix: string): UsageLimiter {
  const fallback = createInProcessUsageLimiter();
  const leases = growingLruCache<string, Lease>(MAX_LEASES);

  /** Takes more uses for the lease: as many as it handed out in the last horizon, at most twice the last take. */
  async function take(lease: Lease, budgets: UsageBudget[]): Promise<UsageRefusal | null | "unavailable"> {
    const sentAt = Date.now();
    const pace = lease.handedOut / Math.max(1, sentAt - lease.takenAt);
    const wanted = Math.max(1, Math.min(Math.ceil(pace * LEASE_HORIZON_MS), 2 * lease.taken, MAX_LEASE));
    const counters = budgets.map(({ key }) => `${keyPrefix}usage:${key}`);
    const args = [wanted, ...budgets.flatMap(({ limit, windowMs }) => [limit, windowMs])];
    let answer: [taken: number, budgetNumberOrEndsIn: number, retryAfterMs?: number];
    try {
      answer = (await TAKE_SCRIPT.run(redis, counters, args)) as typeof answer;
    } catch {
      return "unavailable";
    }
    const [taken, second, retryAfterMs] = answer;
    if (taken === 0) return { budget: budgets[second - 1]!, retryAfterMs: retryAfterMs! };
    lease.left = taken;
    // The script ran after the take was sent, so its window ends no sooner: the lease never outlives it.
    lease.endsAt = sentAt + second;
    lease.taken = taken;
    lease.takenAt = Date.now();
    lease.handedOut = 0;
    return null;
  }

  return {
    async consume(budgets) {
      if (redis.status !== "ready") return fallback.consume(budgets);
      const id = budgets.length === 1 ? budgets[0]!.key : budgets.map(({ key }) => key).join("\0");
      let lease = leases.get(id);
      if (!lease) {
        lease = { left: 0, endsAt: 0, taken: 0, takenAt: 0, handedOut: 0 };
        leases.set(id, lease);
      }
      for (;;) {
        if (lease.left > 0 && lease.endsAt > Date.now()) {
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
  };
}

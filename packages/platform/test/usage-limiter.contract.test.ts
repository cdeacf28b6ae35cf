import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  createInProcessUsageLimiter,
  createRedisUsageLimiter,
  type UsageBudget,
  type UsageLimiter,
  type UsageRefusal,
} from "../src";

const redisUrl = process.env.REDIS_URL;
const connections: Redis[] = [];
afterAll(() => Promise.all(connections.map((redis) => redis.quit())));

/** Once connected: until then the limiter counts in process, which is tested below. */
async function redisLimiter(): Promise<UsageLimiter> {
  const redis = new Redis(redisUrl!);
  connections.push(redis);
  await once(redis, "ready");
  return createRedisUsageLimiter(redis, `seed-test:${randomBytes(4).toString("hex")}:`);
}

const implementations: [string, () => Promise<UsageLimiter>][] = [
  ["in-process", async () => createInProcessUsageLimiter()],
];
if (redisUrl) implementations.push(["redis", redisLimiter]);

describe.each(implementations)("the %s usage limiter", (_name, createLimiter) => {
  const budget = (key: string, limit: number, windowMs = 60_000) => ({ key, limit, windowMs });

  it("allows the budget of each key, then says how long until the window ends", async () => {
    const limiter = await createLimiter();
    for (let use = 0; use < 3; use++) expect(await limiter.consume([budget("user:a", 3)])).toBeNull();
    const refusal = await limiter.consume([budget("user:a", 3)]);
    expect(refusal?.budget.key).toBe("user:a");
    expect(refusal?.retryAfterMs).toBeGreaterThan(0);
    expect(refusal?.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(await limiter.consume([budget("user:b", 3)])).toBeNull();
  });

  it("lets a use that no budget covers through", async () => {
    expect(await (await createLimiter()).consume([])).toBeNull();
  });

  it("refuses when any of several budgets is spent, and names it", async () => {
    const limiter = await createLimiter();
    const address = budget("ip:203.0.113.1", 2);
    expect(await limiter.consume([budget("user:a", 10), address])).toBeNull();
    expect(await limiter.consume([budget("user:b", 10), address])).toBeNull();
    expect((await limiter.consume([budget("user:c", 10), address]))?.budget).toEqual(address);
  });

  it("does not count a refused use against the budgets after the one that refused it", async () => {
    const limiter = await createLimiter();
    const rate = budget("key:rate", 1);
    const quota = budget("key:quota", 2, 3_600_000);
    expect(await limiter.consume([rate, quota])).toBeNull();
    for (let use = 0; use < 5; use++) {
      const refusal = await limiter.consume([rate, quota]);
      // The quota is not spent: the rate limit's wait is the whole wait.
      expect(refusal?.budget).toEqual(rate);
      expect(refusal?.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    // The quota counted one use only: one more passes it.
    expect(await limiter.consume([quota])).toBeNull();
    expect((await limiter.consume([quota]))?.budget).toEqual(quota);
  });

  it("answers the longest wait of the spent budgets, after the one that refused too, so that waiting it is enough", async () => {
    const limiter = await createLimiter();
    const address = budget("ip:198.51.100.7", 1, 50);
    const user = budget("user:a", 1, 300);
    expect(await limiter.consume([user])).toBeNull();
    expect(await limiter.consume([address])).toBeNull();
    const refusal = await limiter.consume([address, user]);
    expect(refusal?.budget).toEqual(user);
    expect(refusal?.retryAfterMs).toBeGreaterThan(50);
    await new Promise((resolve) => setTimeout(resolve, refusal!.retryAfterMs + 5));
    expect(await limiter.consume([address, user])).toBeNull();
  });

  it("does not count a refused use against the budgets before the one that refused it either", async () => {
    const limiter = await createLimiter();
    const user = budget("user:c", 1);
    const address = budget("ip:198.51.100.9", 1);
    expect(await limiter.consume([address])).toBeNull();
    for (let use = 0; use < 3; use++) expect((await limiter.consume([user, address]))?.budget).toEqual(address);
    // The user's own budget is whole: a spent address does not spend the users behind it.
    expect(await limiter.consume([user])).toBeNull();
    expect((await limiter.consume([user]))?.budget).toEqual(user);
  });

  it("keeps each budget's own window", async () => {
    const limiter = await createLimiter();
    const short = budget("short", 1, 50);
    const long = budget("long", 10, 60_000);
    expect(await limiter.consume([long, short])).toBeNull();
    const refusal = await limiter.consume([long, short]);
    expect(refusal?.budget).toEqual(short);
    expect(refusal?.retryAfterMs).toBeLessThanOrEqual(50);
    await new Promise((resolve) => setTimeout(resolve, refusal!.retryAfterMs + 5));
    expect(await limiter.consume([long, short])).toBeNull();
    // The long window was not restarted by the short one's end: it has counted two uses (the
    // refused one cost nothing).
    for (let use = 0; use < 8; use++) expect(await limiter.consume([long])).toBeNull();
    expect((await limiter.consume([long]))?.retryAfterMs).toBeGreaterThan(50);
  });
});

describe.runIf(redisUrl)("the Redis usage limiter without Redis", () => {
  it("keeps counting in process while Redis cannot be reached", async () => {
    const redis = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on("error", () => {});
    const limiter = createRedisUsageLimiter(redis, "seed-test:down:");
    const budget = { key: "user:a", limit: 1, windowMs: 60_000 };
    expect(await limiter.consume([budget])).toBeNull();
    expect(await limiter.consume([budget])).not.toBeNull();
    redis.disconnect();
  });
});

describe.runIf(redisUrl)("the Redis usage limiter's leases", () => {
  /** Instances of one deployment: a connection each, one key prefix. */
  async function instances(count: number): Promise<{ limiters: UsageLimiter[]; connections: Redis[]; prefix: string }> {
    const prefix = `seed-test:${randomBytes(4).toString("hex")}:`;
    const own = await Promise.all(
      Array.from({ length: count }, async () => {
        const redis = new Redis(redisUrl!);
        connections.push(redis);
        await once(redis, "ready");
        return redis;
      }),
    );
    return { limiters: own.map((redis) => createRedisUsageLimiter(redis, prefix)), connections: own, prefix };
  }

  /** Calls from `callers` at once, each until refused; how many were let through. */
  async function callUntilRefused(limiter: UsageLimiter, budgets: UsageBudget[], callers: number): Promise<number> {
    let allowed = 0;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (!(await limiter.consume(budgets))) allowed += 1;
      }),
    );
    return allowed;
  }

  const BURST = 40;

  /**
   * 40 calls from 8 callers at once, 5 each: busy enough that the limiter takes several uses at a
   * time, and is left holding some when the calls stop. How many were let through.
   */
  async function burst(limiter: UsageLimiter, budgets: UsageBudget[]): Promise<number> {
    let allowed = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let call = 0; call < BURST / 8; call++) if (!(await limiter.consume(budgets))) allowed += 1;
      }),
    );
    return allowed;
  }

  /** A burst that leaves the limiter holding uses of `budget`, then the end of the window they are of. */
  async function burstOutlivingItsWindow(limiter: UsageLimiter, budget: UsageBudget, redis: Redis, counter: string) {
    expect(await burst(limiter, [budget])).toBe(BURST);
    expect(Number(await redis.get(counter))).toBeGreaterThan(BURST);
    const windowLeft = await redis.pttl(counter);
    await new Promise((resolve) => setTimeout(resolve, windowLeft + 20));
  }

  it("lets exactly the limit through instances that call at once, with a round trip per many uses", async () => {
    const { limiters, connections: own, prefix } = await instances(2);
    const takes = own.map((redis) => vi.spyOn(redis, "evalsha"));
    const budgets = [
      { key: "api-key:hot", limit: 3_000, windowMs: 60_000 },
      { key: "api-key-quota:hot", limit: 5_000, windowMs: 3_600_000 },
    ];
    const allowed = await Promise.all(limiters.map((limiter) => callUntilRefused(limiter, budgets, 25)));
    expect(allowed[0]! + allowed[1]!).toBe(3_000);
    // Both instances served: neither took the whole budget for itself.
    expect(Math.min(...allowed)).toBeGreaterThan(300);
    const roundTrips = takes.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    expect(roundTrips).toBeLessThan(3_000 / 10);
    // The quota counted what was let through, and no refused use.
    expect(await limiters[0]!.consume([budgets[1]!])).toBeNull();
    const [, quotaUsed] = await own[0]!.mget(budgets.map(({ key }) => `${prefix}usage:${key}`));
    expect(Number(quotaUsed)).toBe(3_001);
  });

  it("gives what a lease did not hand out back to the budgets whose windows go on", async () => {
    const {
      limiters: [limiter],
    } = await instances(1);
    const rate = { key: "api-key:bursty", limit: 1_000, windowMs: 100 };
    const quota = { key: "api-key-quota:bursty", limit: 500, windowMs: 60_000 };
    let served = 0;
    let refusal: UsageRefusal | null = null;
    // Bursts of calls at once, each in a rate window of its own: each burst's lease outlives its
    // calls, and what it holds then has been counted against the quota too.
    for (let burst = 0; burst < 40 && !refusal; burst++) {
      const outcomes = await Promise.all(Array.from({ length: 33 }, () => limiter!.consume([rate, quota])));
      served += outcomes.filter((outcome) => outcome === null).length;
      refusal = outcomes.find((outcome) => outcome !== null) ?? null;
      await new Promise((resolve) => setTimeout(resolve, rate.windowMs + 20));
    }
    expect(refusal?.budget).toEqual(quota);
    expect(served).toBe(quota.limit);
  });

  it("hands out nothing it took once the window it was taken in has ended", async () => {
    const {
      limiters: [limiter],
      connections: [redis],
      prefix,
    } = await instances(1);
    const budget = { key: "api-key:brief", limit: 1_000, windowMs: 300 };
    const counter = `${prefix}usage:${budget.key}`;
    await burstOutlivingItsWindow(limiter!, budget, redis!, counter);
    expect(await redis!.exists(counter)).toBe(0);
    // The next use is counted in a new window, not handed out of the old one's leftovers.
    expect(await limiter!.consume([budget])).toBeNull();
    expect(Number(await redis!.get(counter))).toBeGreaterThanOrEqual(1);
  });

  it("gives nothing back to a window begun after the one it was taken in", async () => {
    const {
      limiters: [first, second],
      connections: [redis],
      prefix,
    } = await instances(2);
    const budget = { key: "api-key:renewed", limit: 3_200, windowMs: 2_000 };
    const counter = `${prefix}usage:${budget.key}`;
    await burstOutlivingItsWindow(first!, budget, redis!, counter);
    // The other instance begins the next window; the first then has uses of the last one left,
    // which must not be given back to this one.
    expect(await second!.consume([budget])).toBeNull();
    const served = await Promise.all([first!, second!].map((limiter) => callUntilRefused(limiter, [budget], 8)));
    expect(1 + served[0]! + served[1]!).toBe(budget.limit);
  });

  it("gives back everything its leases hold when it closes", async () => {
    const {
      limiters: [limiter],
      connections: [redis],
      prefix,
    } = await instances(1);
    const rate = { key: "api-key:closing", limit: 3_200, windowMs: 60_000 };
    const quota = { key: "api-key-quota:closing", limit: 3_200, windowMs: 3_600_000 };
    const counters = [rate, quota].map(({ key }) => `${prefix}usage:${key}`);
    expect(await burst(limiter!, [rate, quota])).toBe(BURST);
    expect((await redis!.mget(counters)).map(Number).every((used) => used > BURST)).toBe(true);
    await limiter!.close();
    expect((await redis!.mget(counters)).map(Number)).toEqual([BURST, BURST]);
  });
});

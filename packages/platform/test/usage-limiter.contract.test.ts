import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createInProcessUsageLimiter, createRedisUsageLimiter, type UsageLimiter } from "../src";

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

  it("answers the wait of a budget before the one that refused, when the refused use filled it", async () => {
    const limiter = await createLimiter();
    const address = budget("ip:198.51.100.8", 1, 50);
    const user = budget("user:b", 1, 300);
    expect(await limiter.consume([address])).toBeNull();
    const refusal = await limiter.consume([user, address]);
    expect(refusal?.budget).toEqual(user);
    expect(refusal?.retryAfterMs).toBeGreaterThan(50);
    await new Promise((resolve) => setTimeout(resolve, refusal!.retryAfterMs + 5));
    expect(await limiter.consume([user, address])).toBeNull();
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
    // The long window was not restarted by the short one's end: it has counted three uses.
    for (let use = 0; use < 7; use++) await limiter.consume([long]);
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

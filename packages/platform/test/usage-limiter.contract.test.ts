import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createInProcessUsageLimiter, createRedisUsageLimiter, type UsageLimiter } from "../src";

const redisUrl = process.env.REDIS_URL;
const connections: Redis[] = [];
afterAll(() => Promise.all(connections.map((redis) => redis.quit())));

function redisLimiter(): UsageLimiter {
  const redis = new Redis(redisUrl!);
  connections.push(redis);
  return createRedisUsageLimiter(redis, `seed-test:${randomBytes(4).toString("hex")}:`);
}

const implementations: [string, () => UsageLimiter][] = [["in-process", createInProcessUsageLimiter]];
if (redisUrl) implementations.push(["redis", redisLimiter]);

describe.each(implementations)("the %s usage limiter", (_name, createLimiter) => {
  const windowMs = 60_000;

  it("allows the budget of each key, then says how long until the window ends", async () => {
    const limiter = createLimiter();
    for (let use = 0; use < 3; use++) expect(await limiter.consume([{ key: "user:a", limit: 3 }], windowMs)).toBe(0);
    const retryAfterMs = await limiter.consume([{ key: "user:a", limit: 3 }], windowMs);
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(windowMs);
    expect(await limiter.consume([{ key: "user:b", limit: 3 }], windowMs)).toBe(0);
  });

  it("refuses when any of several budgets is spent", async () => {
    const limiter = createLimiter();
    const address = { key: "ip:203.0.113.1", limit: 2 };
    expect(await limiter.consume([{ key: "user:a", limit: 10 }, address], windowMs)).toBe(0);
    expect(await limiter.consume([{ key: "user:b", limit: 10 }, address], windowMs)).toBe(0);
    expect(await limiter.consume([{ key: "user:c", limit: 10 }, address], windowMs)).toBeGreaterThan(0);
  });

  it("starts a new window once the old one ends", async () => {
    const limiter = createLimiter();
    expect(await limiter.consume([{ key: "short", limit: 1 }], 50)).toBe(0);
    const retryAfterMs = await limiter.consume([{ key: "short", limit: 1 }], 50);
    expect(retryAfterMs).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, retryAfterMs + 5));
    expect(await limiter.consume([{ key: "short", limit: 1 }], 50)).toBe(0);
  });
});

describe.runIf(redisUrl)("the Redis usage limiter without Redis", () => {
  it("keeps counting in process while Redis cannot be reached", async () => {
    const redis = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on("error", () => {});
    const limiter = createRedisUsageLimiter(redis, "seed-test:down:");
    expect(await limiter.consume([{ key: "user:a", limit: 1 }], 60_000)).toBe(0);
    expect(await limiter.consume([{ key: "user:a", limit: 1 }], 60_000)).toBeGreaterThan(0);
    redis.disconnect();
  });
});

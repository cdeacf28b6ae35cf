import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { type ConcurrencyLimiter, createInProcessConcurrencyLimiter, createRedisConcurrencyLimiter } from "../src";

const redisUrl = process.env.REDIS_URL;
const connections: Redis[] = [];
const limiters: ConcurrencyLimiter[] = [];
afterAll(async () => {
  for (const limiter of limiters) limiter.close();
  await Promise.all(connections.map((redis) => redis.quit()));
});

/** A limiter on its own connection, once that is ready: before, it would count in process. */
async function redisLimiter(keyPrefix: string, leaseMs = 30_000): Promise<ConcurrencyLimiter> {
  const redis = new Redis(redisUrl!);
  connections.push(redis);
  await once(redis, "ready");
  const limiter = createRedisConcurrencyLimiter(redis, keyPrefix, { leaseMs });
  limiters.push(limiter);
  return limiter;
}

const testPrefix = () => `seed-test:${randomBytes(4).toString("hex")}:`;
const implementations: [string, () => ConcurrencyLimiter | Promise<ConcurrencyLimiter>][] = [
  ["in-process", createInProcessConcurrencyLimiter],
];
if (redisUrl) implementations.push(["redis", () => redisLimiter(testPrefix())]);

describe.each(implementations)("the %s concurrency limiter", (_name, createLimiter) => {
  it("grants leases of a key up to its cap, and one more once a lease is released", async () => {
    const limiter = await createLimiter();
    const leases = await Promise.all([1, 2, 3].map(() => limiter.acquire("ip:203.0.113.1", 3)));
    expect(leases.every((release) => typeof release === "function")).toBe(true);
    expect(await limiter.acquire("ip:203.0.113.1", 3)).toBeNull();
    expect(await limiter.acquire("ip:203.0.113.2", 3)).not.toBeNull();

    leases[0]!();
    // Releasing twice frees one lease, not two.
    leases[0]!();
    expect(await limiter.acquire("ip:203.0.113.1", 3)).not.toBeNull();
    expect(await limiter.acquire("ip:203.0.113.1", 3)).toBeNull();
  });

  it("grants no more than the cap to acquisitions made at once", async () => {
    const limiter = await createLimiter();
    const leases = await Promise.all(Array.from({ length: 20 }, () => limiter.acquire("burst", 5)));
    expect(leases.filter((release) => release !== null)).toHaveLength(5);
  });
});

describe.runIf(redisUrl)("the Redis concurrency limiter across instances", () => {
  it("counts the leases of every instance against one cap, and frees them as they are released", async () => {
    const keyPrefix = testPrefix();
    const [instanceA, instanceB] = await Promise.all([redisLimiter(keyPrefix), redisLimiter(keyPrefix)]);
    const onA = await instanceA.acquire("ip:198.51.100.9", 2);
    expect(await instanceB.acquire("ip:198.51.100.9", 2)).not.toBeNull();
    expect(await instanceA.acquire("ip:198.51.100.9", 2)).toBeNull();
    expect(await instanceB.acquire("ip:198.51.100.9", 2)).toBeNull();
    onA!();
    await expect.poll(() => instanceB.acquire("ip:198.51.100.9", 2)).not.toBeNull();
  });

  it("frees the leases of an instance that died once they lapse, and keeps those of one that renews them", async () => {
    const keyPrefix = testPrefix();
    const dying = await redisLimiter(keyPrefix, 300);
    const living = await redisLimiter(keyPrefix, 300);
    expect(await dying.acquire("ip:192.0.2.7", 2)).not.toBeNull();
    expect(await living.acquire("ip:192.0.2.7", 2)).not.toBeNull();
    // Stops renewing without releasing: what a crashed instance leaves behind.
    dying.close();

    const survivor = await redisLimiter(keyPrefix, 300);
    await expect.poll(() => survivor.acquire("ip:192.0.2.7", 2), { timeout: 5_000 }).not.toBeNull();
    // The living instance's lease is renewed past many lease lives: the cap is full again.
    expect(await survivor.acquire("ip:192.0.2.7", 2)).toBeNull();
  });

  it("keeps counting in process while Redis cannot be reached", async () => {
    const redis = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on("error", () => {});
    const limiter = createRedisConcurrencyLimiter(redis, "seed-test:down:");
    limiters.push(limiter);
    expect(await limiter.acquire("ip:a", 1)).not.toBeNull();
    expect(await limiter.acquire("ip:a", 1)).toBeNull();
    redis.disconnect();
  });
});

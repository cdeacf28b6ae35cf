import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  createInProcessLoginThrottle,
  createRedisLoginThrottle,
  lockoutAfter,
  type LoginThrottle,
} from "../src/throttling";

const redisUrl = process.env.REDIS_URL;
const connections: Redis[] = [];
afterAll(() => Promise.all(connections.map((redis) => redis.quit())));

function redisThrottle(): LoginThrottle {
  const redis = new Redis(redisUrl!);
  connections.push(redis);
  return createRedisLoginThrottle(redis, `seed-test:${randomBytes(4).toString("hex")}:`);
}

const implementations: [string, () => LoginThrottle][] = [["in-process", createInProcessLoginThrottle]];
if (redisUrl) implementations.push(["redis", redisThrottle]);

describe("the lock-out schedule", () => {
  it("allows the free attempts, then doubles from 30 seconds up to 15 minutes", () => {
    expect([4, 5, 6, 7, 20].map((failures) => lockoutAfter(failures, 5))).toEqual([
      0, 30_000, 60_000, 120_000, 900_000,
    ]);
  });
});

describe.each(implementations)("the %s login throttle", (_name, createThrottle) => {
  const account = (label: string) => ({ key: `account:${label}`, freeAttempts: 3 });

  it("lets a key try until its free attempts are spent, then locks it out", async () => {
    const throttle = createThrottle();
    const key = account("a");
    for (let attempt = 0; attempt < 2; attempt += 1) await throttle.recordFailure([key]);
    expect(await throttle.retryAfterMs([key.key])).toBe(0);
    await throttle.recordFailure([key]);
    const locked = await throttle.retryAfterMs([key.key]);
    expect(locked).toBeGreaterThan(25_000);
    expect(locked).toBeLessThanOrEqual(30_000);
  });

  it("locks longer with every further failure", async () => {
    const throttle = createThrottle();
    const key = account("b");
    for (let attempt = 0; attempt < 4; attempt += 1) await throttle.recordFailure([key]);
    expect(await throttle.retryAfterMs([key.key])).toBeGreaterThan(55_000);
  });

  it("answers for the most locked of several keys, and keeps keys apart", async () => {
    const throttle = createThrottle();
    const locked = account("c");
    const other = account("d");
    for (let attempt = 0; attempt < 3; attempt += 1) await throttle.recordFailure([locked]);
    expect(await throttle.retryAfterMs([other.key])).toBe(0);
    expect(await throttle.retryAfterMs([other.key, locked.key])).toBeGreaterThan(0);
  });

  it("forgets a key's failures on reset", async () => {
    const throttle = createThrottle();
    const key = account("e");
    for (let attempt = 0; attempt < 3; attempt += 1) await throttle.recordFailure([key]);
    await throttle.reset(key.key);
    expect(await throttle.retryAfterMs([key.key])).toBe(0);
    await throttle.recordFailure([key]);
    expect(await throttle.retryAfterMs([key.key])).toBe(0);
  });
});

describe.skipIf(!redisUrl)("the redis login throttle across instances", () => {
  it("counts failures made through different instances together", async () => {
    const prefix = `seed-test:${randomBytes(4).toString("hex")}:`;
    const [a, b] = [new Redis(redisUrl!), new Redis(redisUrl!)];
    connections.push(a, b);
    const [onA, onB] = [createRedisLoginThrottle(a, prefix), createRedisLoginThrottle(b, prefix)];
    const key = { key: "account:spread", freeAttempts: 2 };
    await onA.recordFailure([key]);
    await onB.recordFailure([key]);
    expect(await onA.retryAfterMs([key.key])).toBeGreaterThan(0);
  });
});

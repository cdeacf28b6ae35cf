import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createInProcessPermissionCache, createRedisPermissionCache, type PermissionCache } from "../src";

const redisUrl = process.env.REDIS_URL;
const connections: Redis[] = [];
afterAll(() => Promise.all(connections.map((redis) => redis.quit())));

/** Two instances' caches on one Redis, under a prefix of this test's own. */
function redisCaches(): [PermissionCache, PermissionCache] {
  const prefix = `seed-test:${randomBytes(4).toString("hex")}:`;
  const [a, b] = [new Redis(redisUrl!), new Redis(redisUrl!)];
  connections.push(a, b);
  return [createRedisPermissionCache(a, prefix), createRedisPermissionCache(b, prefix)];
}

const access = { roles: ["customer"], permissions: ["order:create"], changesAt: null };

const implementations: [string, () => PermissionCache][] = [["in-process", createInProcessPermissionCache]];
if (redisUrl) implementations.push(["redis", () => redisCaches()[0]]);

describe.each(implementations)("the %s permission cache", (_name, createCache) => {
  it("returns what was set under a key, and nothing under another", async () => {
    const cache = createCache();
    await cache.set("user:1", access, 60_000);
    expect(await cache.get("user:1")).toEqual(access);
    expect(await cache.get("user:2")).toBeNull();
  });

  it("forgets an entry when its time is up", async () => {
    const cache = createCache();
    await cache.set("user:short", access, 30);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await cache.get("user:short")).toBeNull();
  });
});

describe.runIf(redisUrl)("the Redis permission cache across instances", () => {
  it("serves one instance what another resolved, for no longer than the entry lives", async () => {
    const [first, second] = redisCaches();
    await first.set("user:shared", access, 40);
    expect(await second.get("user:shared")).toEqual(access);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await second.get("user:shared")).toBeNull();
  });
});

import { once } from "node:events";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisScript } from "../src/redis";

const redisUrl = process.env.REDIS_URL;

describe.runIf(redisUrl)("a Redis script", () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(redisUrl!);
    await once(redis, "ready");
  });
  afterAll(() => redis.quit());

  const echo = redisScript(`return { KEYS[1], ARGV[1], ARGV[2] }`);

  it("runs with its keys and arguments, by digest once Redis knows it", async () => {
    expect(await echo.run(redis, ["k"], ["a", 2])).toEqual(["k", "a", "2"]);
    const [known] = (await redis.script("EXISTS", echo.digest)) as number[];
    expect(known).toBe(1);
    expect(await echo.run(redis, ["k2"], ["b", 3])).toEqual(["k2", "b", "3"]);
  });

  it("sends its source again when Redis forgot it (a restart, SCRIPT FLUSH)", async () => {
    const fresh = redisScript(`return 'fresh ' .. ARGV[1] .. ' ${Math.random()}'`);
    expect(await fresh.run(redis, [], ["one"])).toMatch(/^fresh one /);
    await redis.script("FLUSH");
    expect(await fresh.run(redis, [], ["two"])).toMatch(/^fresh two /);
  });

  it("rejects with the script's own error", async () => {
    const failing = redisScript(`return redis.call('INCR', KEYS[1])`);
    await redis.set("seed-test:redis-script:text", "not a number");
    await expect(failing.run(redis, ["seed-test:redis-script:text"], [])).rejects.toThrow(/not an integer/);
    await redis.del("seed-test:redis-script:text");
  });
});

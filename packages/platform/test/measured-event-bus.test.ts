import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createInProcessEventBus, createRedisEventBus, type EventBus, measuredEventBus } from "../src";

const redisUrl = process.env.REDIS_URL;
const connections: Redis[] = [];
afterAll(async () => {
  await Promise.all(connections.map((redis) => redis.quit()));
});

function redisBus(): EventBus {
  const redis = new Redis(redisUrl!);
  connections.push(redis);
  return createRedisEventBus(redis, `seed-test:${randomBytes(4).toString("hex")}:`);
}

const implementations: [string, () => EventBus][] = [["in-process", createInProcessEventBus]];
if (redisUrl) implementations.push(["redis", redisBus]);

describe.each(implementations)("a measured %s event bus", (_name, createBus) => {
  it("delivers events unchanged, reporting the lag of each delivery", async () => {
    const lags: number[] = [];
    const bus = measuredEventBus(createBus(), { delivered: (lagMs) => lags.push(lagMs) });
    const controller = new AbortController();
    const events = await bus.subscribe<{ n: number }>("measured", controller.signal);

    const id = await bus.publish("measured", { n: 1 });
    for await (const event of events) {
      expect(event).toEqual({ id, payload: { n: 1 } });
      controller.abort();
    }
    expect(lags).toHaveLength(1);
    expect(lags[0]).toBeGreaterThanOrEqual(0);
    await bus.close();
  });

  it("does not count as lag the events replayed to a subscriber that resumes", async () => {
    const lags: number[] = [];
    const bus = measuredEventBus(createBus(), { delivered: (lag) => lags.push(lag) });
    const first = await bus.publish("resumed", { n: 1 });
    await bus.publish("resumed", { n: 2 });
    const controller = new AbortController();
    // Ids are stamped in milliseconds: the resumed subscription starts strictly later.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const events = await bus.subscribe<{ n: number }>("resumed", controller.signal, first);
    for await (const event of events) {
      expect(event.payload).toEqual({ n: 2 });
      controller.abort();
    }
    expect(lags).toEqual([]);
    await bus.close();
  });
});

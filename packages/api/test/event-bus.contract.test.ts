import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createInProcessEventBus, createRedisEventBus, type EventBus } from "../src/events";

const redisUrl = process.env.REDIS_URL;
const keyPrefix = `seed-test:${randomBytes(4).toString("hex")}:`;
const connections: Redis[] = [];

function redisBus(): EventBus {
  const redis = new Redis(redisUrl!);
  connections.push(redis);
  return createRedisEventBus(redis, keyPrefix);
}

afterAll(async () => {
  await Promise.all(connections.map((redis) => redis.quit()));
});

/** Collects `count` events from a subscription, then ends it. */
async function take<T>(events: AsyncIterable<T>, count: number, controller: AbortController): Promise<T[]> {
  const received: T[] = [];
  for await (const event of events) {
    received.push(event);
    if (received.length === count) controller.abort();
  }
  return received;
}

const implementations: [string, () => EventBus][] = [["in-process", createInProcessEventBus]];
if (redisUrl) implementations.push(["redis", redisBus]);

describe.each(implementations)("the %s event bus", (_name, createBus) => {
  it("delivers events in order to every subscriber of a channel, and only of that channel", async () => {
    const bus = createBus();
    const first = new AbortController();
    const second = new AbortController();
    const other = new AbortController();
    const a = await bus.subscribe<number>("numbers", first.signal);
    const b = await bus.subscribe<number>("numbers", second.signal);
    const c = await bus.subscribe<number>("letters", other.signal);

    for (const n of [1, 2, 3]) await bus.publish("numbers", n);
    await bus.publish("letters", "x");

    expect(await take(a, 3, first)).toEqual([1, 2, 3]);
    expect(await take(b, 3, second)).toEqual([1, 2, 3]);
    expect(await take(c, 1, other)).toEqual(["x"]);
    await bus.close();
  });

  it("keeps dates and nested values intact", async () => {
    const bus = createBus();
    const controller = new AbortController();
    const events = await bus.subscribe<{ at: Date; tags: string[] }>("typed", controller.signal);
    const at = new Date("2026-01-02T03:04:05.006Z");
    await bus.publish("typed", { at, tags: ["a", "b"] });
    const [event] = await take(events, 1, controller);
    expect(event!.at).toBeInstanceOf(Date);
    expect(event).toEqual({ at, tags: ["a", "b"] });
    await bus.close();
  });

  it("ends a subscription when its signal aborts, without touching the others", async () => {
    const bus = createBus();
    const leaving = new AbortController();
    const staying = new AbortController();
    const left = await bus.subscribe<number>("shared", leaving.signal);
    const stays = await bus.subscribe<number>("shared", staying.signal);
    leaving.abort();
    expect(await take(left, 1, leaving)).toEqual([]);

    await bus.publish("shared", 42);
    expect(await take(stays, 1, staying)).toEqual([42]);
    await bus.close();
  });
});

describe.skipIf(!redisUrl)("the redis event bus across instances", () => {
  it("delivers an event published on one instance to subscribers on another", async () => {
    const instanceA = redisBus();
    const instanceB = redisBus();
    const controller = new AbortController();
    const onA = await instanceA.subscribe<string>("orders", controller.signal);
    await instanceB.publish("orders", "placed on B");
    expect(await take(onA, 1, controller)).toEqual(["placed on B"]);
    await instanceA.close();
    await instanceB.close();
  });

  it("keeps deployments with different key prefixes apart", async () => {
    const ours = redisBus();
    const theirsRedis = new Redis(redisUrl!);
    connections.push(theirsRedis);
    const theirs = createRedisEventBus(theirsRedis, `${keyPrefix}other:`);
    const controller = new AbortController();
    const events = await ours.subscribe<string>("news", controller.signal);
    await theirs.publish("news", "not for us");
    await ours.publish("news", "for us");
    expect(await take(events, 1, controller)).toEqual(["for us"]);
    await ours.close();
    await theirs.close();
  });
});

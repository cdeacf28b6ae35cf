import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  compareEventIds,
  createInProcessEventBus,
  createRedisEventBus,
  defaultEventBusOptions,
  type EventBus,
  type EventBusOptions,
  type TrackedEvent,
} from "../src";
import { cutSubscriberConnection } from "./subscriber-connection";
import { appErrorOf } from "./support";

const redisUrl = process.env.REDIS_URL;
const keyPrefix = `seed-test:${randomBytes(4).toString("hex")}:`;
const connections: Redis[] = [];

function redisBus(options: EventBusOptions = defaultEventBusOptions, prefix = keyPrefix): EventBus {
  const redis = new Redis(redisUrl!);
  connections.push(redis);
  return createRedisEventBus(redis, prefix, options);
}

afterAll(async () => {
  await Promise.all(connections.map((redis) => redis.quit()));
});

/** Collects `count` events from a subscription, then ends it. */
async function take<T>(events: AsyncIterable<TrackedEvent<T>>, count: number, controller: AbortController) {
  const received: TrackedEvent<T>[] = [];
  if (count === 0) controller.abort();
  for await (const event of events) {
    received.push(event);
    if (received.length === count) controller.abort();
  }
  return received;
}

const payloadsOf = <T>(events: TrackedEvent<T>[]) => events.map((event) => event.payload);

/** Publishes `payloads` in order; resolves with their ids. */
async function publishAll(bus: EventBus, channel: string, payloads: unknown[]): Promise<string[]> {
  const ids: string[] = [];
  for (const payload of payloads) ids.push(await bus.publish(channel, payload));
  return ids;
}

type BusFactory = (options?: EventBusOptions) => EventBus;
const inProcess: BusFactory = (options = defaultEventBusOptions) =>
  createInProcessEventBus({ ...options, ringSize: 1000 });
const implementations: [string, BusFactory][] = [["in-process", inProcess]];
if (redisUrl) implementations.push(["redis", (options) => redisBus(options)]);

describe.each(implementations)("the %s event bus", (_name, createBus) => {
  it("delivers events in order to every subscriber of a channel, and only of that channel", async () => {
    const bus = createBus();
    const first = new AbortController();
    const second = new AbortController();
    const other = new AbortController();
    const a = await bus.subscribe<number>("numbers", first.signal);
    const b = await bus.subscribe<number>("numbers", second.signal);
    const c = await bus.subscribe<string>("letters", other.signal);

    const ids = await publishAll(bus, "numbers", [1, 2, 3]);
    await bus.publish("letters", "x");

    const received = await take(a, 3, first);
    expect(received).toEqual([
      { id: ids[0], payload: 1 },
      { id: ids[1], payload: 2 },
      { id: ids[2], payload: 3 },
    ]);
    expect(compareEventIds(ids[0]!, ids[1]!)).toBeLessThan(0);
    expect(compareEventIds(ids[1]!, ids[2]!)).toBeLessThan(0);
    expect(payloadsOf(await take(b, 3, second))).toEqual([1, 2, 3]);
    expect(payloadsOf(await take(c, 1, other))).toEqual(["x"]);
    await bus.close();
  });

  it("keeps dates and nested values intact", async () => {
    const bus = createBus();
    const controller = new AbortController();
    const events = await bus.subscribe<{ at: Date; tags: string[] }>("typed", controller.signal);
    const at = new Date("2026-01-02T03:04:05.006Z");
    await bus.publish("typed", { at, tags: ["a", "b"] });
    const [event] = await take(events, 1, controller);
    expect(event!.payload.at).toBeInstanceOf(Date);
    expect(event!.payload).toEqual({ at, tags: ["a", "b"] });
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
    expect(payloadsOf(await take(stays, 1, staying))).toEqual([42]);
    await bus.close();
  });

  it("resumes after the last id with exactly the events missed, in order, then live ones once", async () => {
    const bus = createBus();
    const channel = `resume-${randomBytes(3).toString("hex")}`;
    const first = new AbortController();
    const before = await bus.subscribe<string>(channel, first.signal);
    await publishAll(bus, channel, ["a", "b"]);
    const seen = await take(before, 2, first);

    await publishAll(bus, channel, ["c", "d", "e"]);
    const again = new AbortController();
    const resumed = await bus.subscribe<string>(channel, again.signal, seen[1]!.id);
    expect(resumed.from).toBe(seen[1]!.id);
    await bus.publish(channel, "f");
    expect(payloadsOf(await take(resumed, 4, again))).toEqual(["c", "d", "e", "f"]);
    await bus.close();
  });

  it("gives nothing twice to a subscriber resuming from the newest id", async () => {
    const bus = createBus();
    const channel = `newest-${randomBytes(3).toString("hex")}`;
    const [, newest] = await publishAll(bus, channel, ["old", "newest"]);
    const controller = new AbortController();
    const resumed = await bus.subscribe<string>(channel, controller.signal, newest);
    await bus.publish(channel, "next");
    expect(payloadsOf(await take(resumed, 1, controller))).toEqual(["next"]);
    await bus.close();
  });

  it("starts a new subscription after the newest event, so a resume from its start misses nothing", async () => {
    const bus = createBus();
    const channel = `start-${randomBytes(3).toString("hex")}`;
    await bus.publish(channel, "before");
    const controller = new AbortController();
    const fresh = await bus.subscribe<string>(channel, controller.signal);
    controller.abort();
    await bus.publish(channel, "after");
    const again = new AbortController();
    expect(payloadsOf(await take(await bus.subscribe<string>(channel, again.signal, fresh.from), 1, again))).toEqual([
      "after",
    ]);
    await bus.close();
  });

  it("refuses a last id older than the retention window with EXPIRED", async () => {
    const bus = createBus({ ...defaultEventBusOptions, retentionMs: 60_000 });
    const controller = new AbortController();
    const error = await appErrorOf(bus.subscribe("kept", controller.signal, `${Date.now() - 120_000}-0`));
    expect(error.code).toBe("EXPIRED");
    expect(error.message).toMatch(/older than the events kept/);
    controller.abort();
    await bus.close();
  });

  it("refuses with INVALID_INPUT a last id ahead of every id the channel gave out, which would skip events", async () => {
    const bus = createBus();
    const channel = `ahead-${randomBytes(3).toString("hex")}`;
    const [newest] = await publishAll(bus, channel, ["given"]);
    const [time, sequence] = newest!.split("-").map(Number);
    const unissued = [
      `${time}-${sequence! + 1}`,
      `${time! + 1}-0`,
      `${Date.now() + 60_000}-0`,
      "999999999999999-999999999999999",
    ];
    const controller = new AbortController();
    for (const lastEventId of unissued) {
      const error = await appErrorOf(bus.subscribe(channel, controller.signal, lastEventId));
      expect(error.code).toBe("INVALID_INPUT");
      expect(error.message).toMatch(/ahead of every event/);
    }
    const neverPublished = `never-${randomBytes(3).toString("hex")}`;
    expect((await appErrorOf(bus.subscribe(neverPublished, controller.signal, `${Date.now() + 60_000}-0`))).code).toBe(
      "INVALID_INPUT",
    );

    // The channel still serves a subscriber resuming from the id it gave out.
    const again = new AbortController();
    const resumed = await bus.subscribe<string>(channel, again.signal, newest);
    await bus.publish(channel, "next");
    expect(payloadsOf(await take(resumed, 1, again))).toEqual(["next"]);
    controller.abort();
    await bus.close();
  });

  it("ends a subscriber that falls too far behind with RATE_LIMITED, after what it was given", async () => {
    const bus = createBus({ ...defaultEventBusOptions, maxQueuedEvents: 3 });
    const channel = `slow-${randomBytes(3).toString("hex")}`;
    const slow = new AbortController();
    const reader = new AbortController();
    const slowEvents = await bus.subscribe<number>(channel, slow.signal);
    const readerEvents = await bus.subscribe<number>(channel, reader.signal);
    // Once the reader has an event, so has the slow subscriber's queue: both hear every event in turn.
    const reading = readerEvents[Symbol.asyncIterator]();
    for (const n of [1, 2, 3, 4, 5]) {
      await bus.publish(channel, n);
      expect((await reading.next()).value).toMatchObject({ payload: n });
    }
    reader.abort();

    const received: number[] = [];
    const error = await appErrorOf(
      (async () => {
        for await (const event of slowEvents) received.push(event.payload);
      })(),
    );
    expect(error.code).toBe("RATE_LIMITED");
    expect(received).toEqual([1, 2, 3]);
    slow.abort();
    await bus.close();
  });
});

describe("the in-process event bus's ring", () => {
  it("refuses a last id pushed out of the ring, and one from before the process started", async () => {
    const bus = createInProcessEventBus({ ...defaultEventBusOptions, ringSize: 3 });
    const controller = new AbortController();
    const [first, second] = await publishAll(bus, "ring", [1, 2, 3, 4, 5]);
    expect((await appErrorOf(bus.subscribe("ring", controller.signal, first))).code).toBe("EXPIRED");
    expect((await appErrorOf(bus.subscribe("ring", controller.signal, "1-0"))).code).toBe("EXPIRED");

    // The second event went out of the ring, but whoever received it missed nothing kept.
    const resumed = await bus.subscribe<number>("ring", controller.signal, second);
    expect(payloadsOf(await take(resumed, 3, controller))).toEqual([3, 4, 5]);
  });
});

describe.skipIf(!redisUrl)("the redis event bus across instances", () => {
  it("delivers an event published on one instance to subscribers on another", async () => {
    const instanceA = redisBus();
    const instanceB = redisBus();
    const controller = new AbortController();
    const onA = await instanceA.subscribe<string>("orders", controller.signal);
    const id = await instanceB.publish("orders", "placed on B");
    expect(await take(onA, 1, controller)).toEqual([{ id, payload: "placed on B" }]);
    await instanceA.close();
    await instanceB.close();
  });

  it("resumes on one instance after an id received on another", async () => {
    const instanceA = redisBus();
    const instanceB = redisBus();
    const channel = `moving-${randomBytes(3).toString("hex")}`;
    const [last] = await publishAll(instanceA, channel, ["seen"]);
    await publishAll(instanceA, channel, ["x", "y", "z"]);
    const controller = new AbortController();
    const onB = await instanceB.subscribe<string>(channel, controller.signal, last);
    expect(payloadsOf(await take(onB, 3, controller))).toEqual(["x", "y", "z"]);
    await instanceA.close();
    await instanceB.close();
  });

  it("keeps events of every instance in one order, the order of their ids", async () => {
    const instanceA = redisBus();
    const instanceB = redisBus();
    const channel = `interleaved-${randomBytes(3).toString("hex")}`;
    const controller = new AbortController();
    const events = await instanceA.subscribe<number>(channel, controller.signal);
    await Promise.all([
      ...[1, 2, 3].map((n) => instanceA.publish(channel, n)),
      ...[4, 5, 6].map((n) => instanceB.publish(channel, n)),
    ]);
    const received = await take(events, 6, controller);
    const ids = received.map((event) => event.id);
    expect([...ids].sort(compareEventIds)).toEqual(ids);
    expect(new Set(payloadsOf(received))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    await instanceA.close();
    await instanceB.close();
  });

  it("hands over, in order and once, what was published while its subscriber connection was down", async () => {
    const prefix = `${keyPrefix}${randomBytes(3).toString("hex")}:`;
    const bus = redisBus(defaultEventBusOptions, prefix);
    const publisher = redisBus(defaultEventBusOptions, prefix);
    const channel = "outage";
    const controller = new AbortController();
    const events = await bus.subscribe<number>(channel, controller.signal);
    const iterator = events[Symbol.asyncIterator]();
    await publisher.publish(channel, 1);
    expect((await iterator.next()).value).toMatchObject({ payload: 1 });

    const admin = new Redis(redisUrl!);
    connections.push(admin);
    await cutSubscriberConnection(admin, prefix);
    for (const n of [2, 3, 4]) await publisher.publish(channel, n);

    const received: number[] = [];
    for (let i = 0; i < 3; i++) received.push(((await iterator.next()).value as TrackedEvent<number>).payload);
    await publisher.publish(channel, 5);
    received.push(((await iterator.next()).value as TrackedEvent<number>).payload);
    expect(received).toEqual([2, 3, 4, 5]);
    controller.abort();
    await bus.close();
    await publisher.close();
  });

  it("holds live events back while catching up fails, and hands everything over in order once it succeeds", async () => {
    const prefix = `${keyPrefix}${randomBytes(3).toString("hex")}:`;
    // Without an offline queue, a command fails at once while this connection is down.
    const commands = new Redis(redisUrl!, { enableOfflineQueue: false });
    // For the same reason, nothing may be sent before the first connection is up.
    await once(commands, "ready");
    const bus = createRedisEventBus(commands, prefix);
    const publisher = redisBus(defaultEventBusOptions, prefix);
    const channel = "catch-up";
    const controller = new AbortController();
    const events = await bus.subscribe<number>(channel, controller.signal);
    const iterator = events[Symbol.asyncIterator]();
    await publisher.publish(channel, 1);
    expect((await iterator.next()).value).toMatchObject({ payload: 1 });

    const reported: boolean[] = [];
    const caughtUp = new Promise<void>((resolve) =>
      bus.onConnectivityChange((connected) => {
        reported.push(connected);
        if (connected) resolve();
      }),
    );
    // The streams cannot be read when the subscriber comes back: its first catch-up fails.
    commands.disconnect();
    const admin = new Redis(redisUrl!);
    connections.push(admin);
    await cutSubscriberConnection(admin, prefix);
    await publisher.publish(channel, 2);
    await vi.waitFor(async () => {
      const resubscribed = (await admin.call("PUBSUB", "NUMSUB", `${prefix}events:${channel}`)) as [string, number];
      expect(resubscribed[1]).toBe(1);
    });
    await publisher.publish(channel, 3);

    await commands.connect();
    await caughtUp;
    const received: number[] = [];
    for (let i = 0; i < 2; i++) received.push(((await iterator.next()).value as TrackedEvent<number>).payload);
    expect(received).toEqual([2, 3]);
    expect(reported).toEqual([false, true]);
    controller.abort();
    await bus.close();
    await commands.quit();
  });

  it("keeps deployments with different key prefixes apart", async () => {
    const ours = redisBus();
    const theirs = redisBus(defaultEventBusOptions, `${keyPrefix}other:`);
    const controller = new AbortController();
    const events = await ours.subscribe<string>("news", controller.signal);
    await theirs.publish("news", "not for us");
    await ours.publish("news", "for us");
    expect(payloadsOf(await take(events, 1, controller))).toEqual(["for us"]);
    await ours.close();
    await theirs.close();
  });
});

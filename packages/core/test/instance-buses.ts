import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { createInProcessEventBus, createRedisEventBus, type EventBus } from "@seed/platform";

export const redisUrl = process.env.REDIS_URL;
const connections: Redis[] = [];

/** A connection to the test Redis, quit by `quitRedisConnections`. */
export function redisConnection(): Redis {
  const redis = new Redis(redisUrl!);
  connections.push(redis);
  return redis;
}

export async function quitRedisConnections(): Promise<void> {
  await Promise.all(connections.splice(0).map((redis) => redis.quit()));
}

/** A key prefix of its own, so that tests sharing one Redis never hear each other. */
export const redisTestPrefix = () => `seed-test:${randomBytes(4).toString("hex")}:`;

/** Two instances' buses: one shared in-process bus, or two Redis connections under one prefix. */
export type Instances = () => [EventBus, EventBus];

const inProcess: Instances = () => {
  const bus = createInProcessEventBus();
  return [bus, bus];
};

const overRedis: Instances = () => {
  const prefix = redisTestPrefix();
  return [createRedisEventBus(redisConnection(), prefix), createRedisEventBus(redisConnection(), prefix)];
};

/** What a cache's contract runs over: the in-process bus, and Redis when the tests have one. */
export const busImplementations: [string, Instances][] = redisUrl
  ? [
      ["in-process", inProcess],
      ["redis", overRedis],
    ]
  : [["in-process", inProcess]];

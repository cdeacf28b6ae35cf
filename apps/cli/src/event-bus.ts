import { createInProcessEventBus, createRedisEventBus, type EventBus } from "@seed/api";
import type { Config } from "@seed/config";
import { Redis } from "ioredis";

/**
 * Runs `work` with the event bus the servers listen on, so that what a command changes reaches
 * them at once. Without Redis they cannot be reached: they notice when their memory runs out.
 */
export async function withEventBus<T>(
  config: Config,
  work: (events: EventBus, reachesServers: boolean) => Promise<T>,
): Promise<T> {
  const redis = config.redis.url ? new Redis(config.redis.url, { maxRetriesPerRequest: 2 }) : null;
  const events = redis ? createRedisEventBus(redis, config.redis.keyPrefix) : createInProcessEventBus();
  try {
    return await work(events, redis !== null);
  } finally {
    await events.close();
    redis?.disconnect();
  }
}

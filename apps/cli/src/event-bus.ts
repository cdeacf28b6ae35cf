import { createInProcessEventBus, createRedisEventBus, type EventBus, type Logger } from "@seed/platform";
import type { Config } from "@seed/config";
import { Redis } from "ioredis";

/**
 * Runs `work` with the event bus the servers listen on, so that what a command changes reaches
 * them at once. The change has committed by the time they are told, so failing to tell them does
 * not fail the command: without Redis, or with Redis away, `reachedServers` is false, and the
 * servers notice when their memory of the user runs out.
 */
export async function withEventBus<T>(
  config: Config,
  log: Logger,
  work: (events: EventBus) => Promise<T>,
): Promise<{ result: T; reachedServers: boolean }> {
  const redis = config.redis.url ? new Redis(config.redis.url, { maxRetriesPerRequest: 2 }) : null;
  // A failed command says why below; the connection's own error events would repeat it.
  redis?.on("error", () => {});
  const bus = redis ? createRedisEventBus(redis, config.redis.keyPrefix) : createInProcessEventBus();
  let reachedServers = redis !== null;
  const events: EventBus = {
    ...bus,
    async publish(channel, payload) {
      try {
        return await bus.publish(channel, payload);
      } catch (error) {
        reachedServers = false;
        log.warn({ err: error, channel }, "could not tell the running servers");
        // Nothing of a command reads the id of what it announces.
        return "";
      }
    },
  };
  try {
    return { result: await work(events), reachedServers };
  } finally {
    await bus.close();
    redis?.disconnect();
  }
}

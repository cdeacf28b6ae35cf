import type { Redis } from "ioredis";
import superjson from "superjson";
import type { EventBus } from "./event-bus";
import { LocalChannels } from "./local-channels";

/**
 * Events travel through Redis pub/sub so that a subscriber on any instance receives them.
 * Each instance holds one subscriber connection and one Redis subscription per channel that
 * has at least one local subscriber.
 */
export function createRedisEventBus(redis: Redis, keyPrefix: string): EventBus {
  const prefix = `${keyPrefix}events:`;
  // A subscription made while Redis is away waits for it to come back rather than failing.
  const subscriber = redis.duplicate({ enableOfflineQueue: true });
  // The subscriber reconnects and resubscribes by itself; an outage of its server is reported
  // by the connection it was duplicated from, so its own error events are not repeated.
  subscriber.on("error", () => {});
  const channels = new LocalChannels();

  subscriber.on("message", (redisChannel: string, message: string) => {
    channels.emit(redisChannel.slice(prefix.length), superjson.parse(message));
  });

  return {
    async publish(channel, payload) {
      await redis.publish(prefix + channel, superjson.stringify(payload));
    },

    async subscribe<T>(channel: string, signal: AbortSignal) {
      const events = channels.listen<T>(channel, signal);
      signal.addEventListener(
        "abort",
        () => {
          if (channels.listenerCount(channel) === 0) void subscriber.unsubscribe(prefix + channel).catch(() => {});
        },
        { once: true },
      );
      await subscriber.subscribe(prefix + channel);
      return events;
    },

    async close() {
      subscriber.disconnect();
    },
  };
}

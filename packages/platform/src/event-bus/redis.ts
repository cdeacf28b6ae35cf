import type { Redis } from "ioredis";
import superjson from "superjson";
import { redisScript } from "../redis";
import { defaultEventBusOptions, type EventBus, type EventBusOptions, type TrackedEvent } from "./event-bus";
import { compareEventIds, publishedAt } from "./event-ids";
import { expiredResume, LocalChannels, unissuedResume } from "./local-channels";

/**
 * Appends to the channel's stream, trims what is older than the retention window, and
 * announces the event with its id, in one step: Redis runs a script alone, so every instance
 * hears the events of a channel in the order of their ids.
 */
const PUBLISH_SCRIPT = redisScript(`
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local retentionMs = tonumber(ARGV[1])
local id = redis.call('XADD', KEYS[1], 'MINID', '~', tostring(nowMs - retentionMs), '*', 'p', ARGV[2])
redis.call('PEXPIRE', KEYS[1], retentionMs)
redis.call('PUBLISH', ARGV[3], id .. ' ' .. ARGV[2])
return id
`);

/**
 * Where a new subscriber starts: the newest id of the channel's stream or, when it holds
 * nothing, one just before any id Redis will give out from now on. Asked once the live
 * subscription stands, so every event after it arrives live.
 */
const HEAD_SCRIPT = redisScript(`
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if newest[1] then return newest[1][1] end
local now = redis.call('TIME')
return tostring(tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - 1) .. '-0'
`);

/** Redis's own clock, which stamps the ids, judges whether a last id is past the window. */
const NOW_SCRIPT = redisScript(`
local now = redis.call('TIME')
return tostring(tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
`);

/** How long to wait before reading the streams again when catching up failed. */
const CATCH_UP_RETRY_MS = 1_000;

/**
 * Events are kept per channel in a Redis stream for the retention window and travel through
 * Redis pub/sub, so that a subscriber on any instance receives them. Each instance holds one
 * subscriber connection and one Redis subscription per channel with at least one local subscriber.
 */
export function createRedisEventBus(
  redis: Redis,
  keyPrefix: string,
  options: EventBusOptions = defaultEventBusOptions,
): EventBus {
  const prefix = `${keyPrefix}events:`;
  const streamKey = (channel: string) => `${keyPrefix}event-stream:${channel}`;
  // Named, so that an operator (or a test) can tell this instance's subscriber connection apart.
  // A subscription made while Redis is away waits for it to come back rather than failing.
  const subscriber = redis.duplicate({
    connectionName: `${keyPrefix}events`.replace(/[^\w:.-]/g, "_"),
    enableOfflineQueue: true,
  });
  // The subscriber reconnects and resubscribes by itself; an outage of its server is reported
  // by the connection it was duplicated from, so its own error events are not repeated.
  subscriber.on("error", () => {});
  const channels = new LocalChannels(options.maxQueuedEvents);
  // The newest event handed to this instance's subscribers, per channel: where to catch up from
  // after the subscriber connection was lost, and what not to hand over twice.
  const newestDelivered = new Map<string, string>();
  let catchingUp = false;
  const heldDuringCatchUp: [string, TrackedEvent<unknown>][] = [];

  function deliver(channel: string, event: TrackedEvent<unknown>) {
    const newest = newestDelivered.get(channel);
    if (newest !== undefined && compareEventIds(event.id, newest) <= 0) return;
    newestDelivered.set(channel, event.id);
    channels.emit(channel, event);
  }

  subscriber.on("message", (redisChannel: string, message: string) => {
    const space = message.indexOf(" ");
    const channel = redisChannel.slice(prefix.length);
    const event = { id: message.slice(0, space), payload: superjson.parse(message.slice(space + 1)) };
    if (catchingUp) heldDuringCatchUp.push([channel, event]);
    else deliver(channel, event);
  });

  const connectivityListeners = new Set<(connected: boolean) => void>();
  const tell = (connected: boolean) => {
    for (const listener of connectivityListeners) listener(connected);
  };
  subscriber.on("close", () => tell(false));

  // Pub/sub forgets what was published while the connection was down; the streams have it. Live
  // messages wait until the missed ones are handed over, so that each channel stays in order.
  let catchUpRetry: NodeJS.Timeout | undefined;
  function catchUp() {
    clearTimeout(catchUpRetry);
    catchingUp = true;
    void (async () => {
      for (const [channel, newest] of newestDelivered) {
        for (const event of await eventsAfter(channel, newest)) deliver(channel, event);
      }
    })().then(
      () => {
        catchingUp = false;
        for (const [channel, event] of heldDuringCatchUp.splice(0)) deliver(channel, event);
        tell(true);
      },
      // Live messages stay held: handing them over would move each channel past what is missed.
      () => (catchUpRetry = setTimeout(catchUp, CATCH_UP_RETRY_MS).unref()),
    );
  }
  subscriber.on("ready", () => {
    if (newestDelivered.size === 0) tell(true);
    else catchUp();
  });

  async function eventsAfter<T>(channel: string, after: string): Promise<TrackedEvent<T>[]> {
    const entries = await redis.xrange(streamKey(channel), `(${after}`, "+");
    return entries.map(([id, fields]) => ({ id, payload: superjson.parse<T>(fields[1]!) }));
  }

  return {
    async publish(channel, payload) {
      return (await PUBLISH_SCRIPT.run(
        redis,
        [streamKey(channel)],
        [options.retentionMs, superjson.stringify(payload), prefix + channel],
      )) as string;
    },

    async subscribe<T>(channel: string, signal: AbortSignal, lastEventId?: string | null) {
      const live = channels.listen<T>(channel, signal);
      signal.addEventListener(
        "abort",
        () => {
          if (channels.listenerCount(channel) > 0) return;
          newestDelivered.delete(channel);
          void subscriber.unsubscribe(prefix + channel).catch(() => {});
        },
        { once: true },
      );
      await subscriber.subscribe(prefix + channel);
      const head = (await HEAD_SCRIPT.run(redis, [streamKey(channel)], [])) as string;
      if (!newestDelivered.has(channel)) newestDelivered.set(channel, head);
      if (!lastEventId) return live.startAfter(head, []);
      // The head is the newest id the stream gave out, or one before any it will give from now.
      if (compareEventIds(lastEventId, head) > 0) throw unissuedResume();
      const now = Number(await NOW_SCRIPT.run(redis, [], []));
      if (publishedAt(lastEventId) < now - options.retentionMs) throw expiredResume();
      return live.startAfter(lastEventId, await eventsAfter<T>(channel, lastEventId));
    },

    onConnectivityChange(listener) {
      connectivityListeners.add(listener);
      return () => connectivityListeners.delete(listener);
    },

    async close() {
      clearTimeout(catchUpRetry);
      subscriber.disconnect();
    },
  };
}

import type { EventBus, TrackedEvent } from "./event-bus";
import { publishedAt } from "./event-ids";

/** Told how long events take from publish to delivery. */
export interface EventBusObserver {
  delivered(lagMs: number): void;
}

/**
 * The bus, reporting each delivery's lag: an event's id carries the time it was published. Events
 * replayed to a subscriber that resumed were published before it subscribed; they are delivered
 * unmeasured, so that a catch-up does not read as lag. Ids are stamped by the Redis server's clock
 * (or this process's), which the lag of a Redis bus then includes.
 */
export function measuredEventBus(bus: EventBus, observer: EventBusObserver): EventBus {
  return {
    publish: (channel, payload) => bus.publish(channel, payload),
    async subscribe<T>(channel: string, signal: AbortSignal, lastEventId?: string | null) {
      const subscribedAt = Date.now();
      const subscription = await bus.subscribe<T>(channel, signal, lastEventId);
      return {
        from: subscription.from,
        async *[Symbol.asyncIterator](): AsyncGenerator<TrackedEvent<T>> {
          for await (const event of subscription) {
            const sentAt = publishedAt(event.id);
            if (sentAt >= subscribedAt) observer.delivered(Math.max(0, Date.now() - sentAt));
            yield event;
          }
        },
      };
    },
    onConnectivityChange: (listener) => bus.onConnectivityChange(listener),
    close: () => bus.close(),
  };
}

import type { ChannelSubscription, EventBus, TrackedEvent } from "./event-bus";
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
      const observe = (event: TrackedEvent<T>) => {
        const sentAt = publishedAt(event.id);
        if (sentAt >= subscribedAt) observer.delivered(Math.max(0, Date.now() - sentAt));
      };
      return {
        from: subscription.from,
        deliverTo: (receiver) =>
          subscription.deliverTo({
            event(event) {
              observe(event);
              receiver.event(event);
            },
            end: (error) => receiver.end(error),
          }),
        pause: () => subscription.pause(),
        resume: () => subscription.resume(),
        async *[Symbol.asyncIterator]() {
          for await (const event of subscription) {
            observe(event);
            yield event;
          }
        },
      } satisfies ChannelSubscription<T>;
    },
    onConnectivityChange: (listener) => bus.onConnectivityChange(listener),
    close: () => bus.close(),
  };
}

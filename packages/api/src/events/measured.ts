import type { EventBus } from "./event-bus";

/** Told how long events take from publish to delivery, and how many subscriptions are open. */
export interface EventBusObserver {
  delivered(lagMs: number): void;
  subscribed(): void;
  unsubscribed(): void;
}

interface Stamped {
  publishedAt: number;
  payload: unknown;
}

/**
 * The bus with each event stamped at publish time, so that subscribers can report the lag.
 * Every instance of a deployment must wrap its bus alike: the stamp is part of the message.
 * Instances' clocks differ a little, which the lag of a Redis bus then includes.
 */
export function measuredEventBus(bus: EventBus, observer: EventBusObserver): EventBus {
  return {
    publish(channel, payload) {
      return bus.publish(channel, { publishedAt: Date.now(), payload } satisfies Stamped);
    },
    async subscribe<T>(channel: string, signal: AbortSignal) {
      const events = await bus.subscribe<Stamped>(channel, signal);
      observer.subscribed();
      signal.addEventListener("abort", () => observer.unsubscribed(), { once: true });
      return (async function* () {
        for await (const event of events) {
          observer.delivered(Date.now() - event.publishedAt);
          yield event.payload as T;
        }
      })();
    },
    close: () => bus.close(),
  };
}

import type { EventBus } from "./event-bus";

/** Told how long events take from publish to delivery, and how many subscriptions are open. */
export interface EventBusObserver {
  delivered(lagMs: number): void;
  subscribed(): void;
  unsubscribed(): void;
}

/** A key no payload uses, so that a stamped event cannot be mistaken for a bare one. */
const STAMP = "seed:publishedAt";

interface Stamped {
  [STAMP]: number;
  payload: unknown;
}

function isStamped(event: unknown): event is Stamped {
  return typeof event === "object" && event !== null && typeof (event as Partial<Stamped>)[STAMP] === "number";
}

/**
 * The bus with each event stamped at publish time, so that subscribers can report the lag.
 * Events published by a process that does not stamp them (a CLI) are delivered as they are,
 * unmeasured. Instances' clocks differ a little, which the lag of a Redis bus then includes.
 */
export function measuredEventBus(bus: EventBus, observer: EventBusObserver): EventBus {
  return {
    publish(channel, payload) {
      return bus.publish(channel, { [STAMP]: Date.now(), payload } satisfies Stamped);
    },
    async subscribe<T>(channel: string, signal: AbortSignal) {
      const events = await bus.subscribe<unknown>(channel, signal);
      observer.subscribed();
      signal.addEventListener("abort", () => observer.unsubscribed(), { once: true });
      return (async function* () {
        for await (const event of events) {
          if (!isStamped(event)) {
            yield event as T;
            continue;
          }
          observer.delivered(Date.now() - event[STAMP]);
          yield event.payload as T;
        }
      })();
    },
    close: () => bus.close(),
  };
}

import { defaultEventBusOptions, type EventBus, type EventBusOptions, type TrackedEvent } from "./event-bus";
import { compareEventIds, EventIdClock, publishedAt } from "./event-ids";
import { expiredResume, LocalChannels, unissuedResume } from "./local-channels";

export interface InProcessEventBusOptions extends EventBusOptions {
  /** The most events kept for resuming, across channels: a bound on memory whatever the traffic. */
  ringSize: number;
}

type StoredEvent = TrackedEvent<unknown> & { channel: string };

/**
 * The embedded default: events reach the subscribers of this process only, and the latest
 * `ringSize` of them, no older than the retention window, are kept for resuming.
 */
export function createInProcessEventBus(
  options: InProcessEventBusOptions = { ...defaultEventBusOptions, ringSize: 10_000 },
): EventBus {
  const channels = new LocalChannels(options.maxQueuedEvents);
  const clock = new EventIdClock();
  const ring: (StoredEvent | undefined)[] = new Array<StoredEvent | undefined>(options.ringSize);
  let next = 0;
  // A subscriber whose last id is older than this may have missed events: those published
  // before this process started, or pushed out of the ring since.
  let forgottenUpTo = clock.current();

  function retained(channel: string, after: string): TrackedEvent<unknown>[] {
    const events: TrackedEvent<unknown>[] = [];
    for (let i = 0; i < ring.length; i++) {
      const event = ring[(next + i) % ring.length];
      if (event?.channel === channel && compareEventIds(event.id, after) > 0) {
        events.push({ id: event.id, payload: event.payload });
      }
    }
    return events;
  }

  return {
    async publish(channel, payload) {
      const id = clock.next();
      const overwritten = ring[next];
      if (overwritten) forgottenUpTo = overwritten.id;
      ring[next] = { id, channel, payload };
      next = (next + 1) % ring.length;
      channels.emit(channel, { id, payload });
      return id;
    },

    async subscribe<T>(channel: string, signal: AbortSignal, lastEventId?: string | null) {
      if (!lastEventId) return channels.listen<T>(channel, signal).startAfter(clock.current(), []);
      const tooOld =
        publishedAt(lastEventId) < Date.now() - options.retentionMs || compareEventIds(lastEventId, forgottenUpTo) < 0;
      if (tooOld) throw expiredResume();
      if (compareEventIds(lastEventId, clock.current()) > 0) throw unissuedResume();
      const missed = retained(channel, lastEventId) as TrackedEvent<T>[];
      return channels.listen<T>(channel, signal).startAfter(lastEventId, missed);
    },

    onConnectivityChange: () => () => {},

    async close() {},
  };
}

import { EventEmitter } from "node:events";
import { AppError } from "../errors";
import type { TrackedEvent } from "./event-bus";
import { compareEventIds } from "./event-ids";

/** Fans events out to the subscribers of this process; both bus implementations build on it. */
export class LocalChannels {
  private readonly emitter = new EventEmitter();

  constructor(private readonly maxQueuedEvents: number) {
    // Every open subscription is a listener; the default cap of 10 is a leak warning, not a limit.
    this.emitter.setMaxListeners(0);
  }

  emit(channel: string, event: TrackedEvent<unknown>): void {
    this.emitter.emit(channel, event);
  }

  listenerCount(channel: string): number {
    return this.emitter.listenerCount(channel);
  }

  /**
   * Starts listening at once, so nothing emitted after this call is missed. Events wait in a
   * queue of at most `maxQueuedEvents` for a subscriber that reads slower than they come; past
   * that the subscriber is dropped, since holding on would let one client grow the server's memory.
   */
  listen<T>(channel: string, signal: AbortSignal): AsyncIterable<TrackedEvent<T>> {
    const queue: TrackedEvent<T>[] = [];
    let overflowed = false;
    let wake: (() => void) | null = null;
    const stop = () => void this.emitter.off(channel, listener);
    const listener = (event: TrackedEvent<T>) => {
      if (queue.length >= this.maxQueuedEvents) {
        overflowed = true;
        stop();
      } else {
        queue.push(event);
      }
      wake?.();
    };
    this.emitter.on(channel, listener);
    signal.addEventListener(
      "abort",
      () => {
        stop();
        wake?.();
      },
      { once: true },
    );
    return {
      async *[Symbol.asyncIterator]() {
        try {
          while (!signal.aborted) {
            const event = queue.shift();
            if (event) {
              yield event;
            } else if (overflowed) {
              throw new AppError(
                "RATE_LIMITED",
                "Events arrived faster than they were read; subscribe again with the last event id",
              );
            } else {
              await new Promise<void>((resolve) => (wake = resolve));
              wake = null;
            }
          }
        } finally {
          stop();
        }
      },
    };
  }
}

/**
 * The events of a channel after `from`: first those already published (`missed`), then live
 * ones. The live listener starts before `missed` is read, so an event may come both ways; its
 * id tells, and it is delivered once.
 */
export function resumedSubscription<T>(from: string, missed: TrackedEvent<T>[], live: AsyncIterable<TrackedEvent<T>>) {
  return {
    from,
    async *[Symbol.asyncIterator]() {
      let last = from;
      for (const event of missed) {
        if (compareEventIds(event.id, last) <= 0) continue;
        last = event.id;
        yield event;
      }
      for await (const event of live) {
        if (compareEventIds(event.id, last) <= 0) continue;
        last = event.id;
        yield event;
      }
    },
  };
}

export function expiredResume(): AppError {
  return new AppError(
    "EXPIRED",
    "The last event id is older than the events kept for resuming; load the current state and subscribe without it",
  );
}

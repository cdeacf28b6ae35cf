import type { TrackedEnvelope } from "@trpc/server";
import type { TrackedEvent } from "@seed/platform";

/**
 * How a transport that writes its own frames reads a live subscription: each event by a plain
 * call, as it comes. Every subscriber of a channel on this instance is handed the same `event`
 * object, so that the transport can serialise it once for all of them.
 */
export interface LiveReceiver<T> {
  /** `cursor` is the id the client resumes after: the event's own id when one channel is read. */
  event(cursor: string, event: TrackedEvent<T>): void;
  /** Called once: with the error that ended the subscription, or with nothing when it was stopped. */
  end(error?: unknown): void;
}

/**
 * A live subscription, read one way, once: iterated as tracked events (server-sent events, tests,
 * `createCaller`), or handed to a receiver with `deliverTo` (the WebSocket transport).
 */
export interface LiveFeed<T> extends AsyncIterable<TrackedEnvelope<T>> {
  deliverTo(receiver: LiveReceiver<T>): void;
}

export function isLiveFeed(value: unknown): value is LiveFeed<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    Symbol.asyncIterator in value &&
    typeof (value as Partial<LiveFeed<unknown>>).deliverTo === "function"
  );
}

/**
 * The same events, with `finish` called once however they end: with the error that ends them, or
 * with nothing. What `finish` returns is the error the reader gets instead. A live feed stays one,
 * so that wrapping it (metrics, error mapping) keeps the transport's way of reading it.
 */
export function finishing<T>(events: AsyncIterable<T>, finish: (error?: unknown) => unknown): AsyncIterable<T> {
  if (isLiveFeed(events)) {
    const feed: LiveFeed<unknown> = {
      deliverTo: (receiver) =>
        events.deliverTo({
          event: (cursor, event) => receiver.event(cursor, event),
          end: (error) => receiver.end(finish(error)),
        }),
      [Symbol.asyncIterator]: () => finishedIteration(events, finish),
    };
    return feed as unknown as AsyncIterable<T>;
  }
  return { [Symbol.asyncIterator]: () => finishedIteration(events, finish) };
}

async function* finishedIteration<T>(events: AsyncIterable<T>, finish: (error?: unknown) => unknown) {
  let failed = false;
  try {
    yield* events;
  } catch (error) {
    failed = true;
    throw finish(error);
  } finally {
    if (!failed) finish();
  }
}

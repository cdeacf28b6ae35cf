/** An event as a subscriber receives it: its id orders it within its channel and resumes after it. */
export interface TrackedEvent<T> {
  id: string;
  payload: T;
}

/**
 * Takes a channel's events as they come, each by a plain call: a fan-out to thousands of local
 * subscribers then costs no promise per subscriber. Every subscriber of the channel on this
 * instance is handed the same event object.
 */
export interface EventReceiver<T> {
  event(event: TrackedEvent<T>): void;
  /** Called once: with the error that ended the subscription, or with nothing when its signal aborted. */
  end(error?: unknown): void;
}

/**
 * The events of one channel, from the moment named by `from` on. It is read one way, once:
 * iterated, or handed over to a receiver with `deliverTo`.
 */
export interface ChannelSubscription<T> extends AsyncIterable<TrackedEvent<T>> {
  /** The id the subscription continues after: the given last id, or the channel's newest one when it started. */
  readonly from: string;
  deliverTo(receiver: EventReceiver<T>): void;
  /**
   * Holds events back from the receiver: they wait in the subscription's bounded queue, and
   * past `maxQueuedEvents` the subscription ends with RATE_LIMITED once the waiting ones are given.
   */
  pause(): void;
  resume(): void;
}

export interface EventBusOptions {
  /** How long published events are kept for subscribers that resume. */
  retentionMs: number;
  /** Events that may wait for one slow subscriber before its subscription is ended. */
  maxQueuedEvents: number;
}

export const defaultEventBusOptions: EventBusOptions = { retentionMs: 5 * 60_000, maxQueuedEvents: 1000 };

/**
 * Publishes events to every subscriber of a channel, on this instance and, with the Redis
 * implementation, on every other instance. Every event gets an id, and published events are
 * kept for a retention window, so a subscriber that lost its connection resumes where it left
 * off: exactly the events after its last id, once each, in order.
 */
export interface EventBus {
  /** Resolves with the event's id once it is published. */
  publish(channel: string, payload: unknown): Promise<string>;
  /**
   * Resolves once the subscription is live (an event published after that is delivered), with
   * the events of the channel until `signal` aborts. With `lastEventId`, the events published
   * after it come first; it rejects with EXPIRED when that id is older than the retention window,
   * and with INVALID_INPUT when the channel never gave it out and it is ahead of every id it did
   * (resuming after it would skip every event up to it).
   * A subscriber that falls `maxQueuedEvents` behind is ended with RATE_LIMITED.
   */
  subscribe<T>(channel: string, signal: AbortSignal, lastEventId?: string | null): Promise<ChannelSubscription<T>>;
  /**
   * Tells `listener` whether this instance hears every event published elsewhere: false as soon
   * as its link to the other instances is lost, true once it is back and has handed over what it
   * missed. The embedded bus has no such link and never calls it. Returns how to stop the calls.
   */
  onConnectivityChange(listener: (connected: boolean) => void): () => void;
  close(): Promise<void>;
}

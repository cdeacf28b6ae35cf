import { EventEmitter } from "node:events";
import { AppError } from "../errors/app-error";
import type { ChannelSubscription, EventReceiver, TrackedEvent } from "./event-bus";
import { compareEventIds } from "./event-ids";
import { pulled } from "./pulled";

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
   * Starts listening at once, so nothing emitted after this call is missed; the bus then says
   * where the subscription starts with `startAfter`.
   */
  listen<T>(channel: string, signal: AbortSignal): ChannelListener<T> {
    return new ChannelListener<T>(this.emitter, channel, signal, this.maxQueuedEvents);
  }
}

/**
 * One subscriber's listener. An event goes straight to the receiver when nothing waits before it;
 * otherwise it waits in a queue of at most `maxQueuedEvents` (before the receiver is attached,
 * while it is paused). Past that the subscriber is dropped, since holding on would let one client
 * grow the server's memory.
 */
export class ChannelListener<T> implements ChannelSubscription<T> {
  from = "";
  /** The newest id handed over: an event may come both with the missed ones and live; it is handed over once. */
  private last = "";
  /**
   * Set once a live event has been handed over: the missed ones are behind, and a channel's live
   * events come in the order of their ids, so the ones after it need no comparing.
   */
  private inOrder = false;
  /** The missed events still to hand over, the oldest last. */
  private missed: TrackedEvent<T>[] = [];
  private readonly queue: TrackedEvent<T>[] = [];
  private overflowed = false;
  private receiver: EventReceiver<T> | null = null;
  private paused = false;
  private ended = false;

  constructor(
    private readonly emitter: EventEmitter,
    private readonly channel: string,
    private readonly signal: AbortSignal,
    private readonly maxQueuedEvents: number,
  ) {
    emitter.on(channel, this.onEvent);
    signal.addEventListener("abort", () => this.end(), { once: true });
  }

  /** The events of the channel after `from`: first those already published (`missed`), then live ones. */
  startAfter(from: string, missed: TrackedEvent<T>[]): ChannelSubscription<T> {
    this.from = this.last = from;
    this.missed = missed.toReversed();
    return this;
  }

  deliverTo(receiver: EventReceiver<T>): void {
    this.receiver = receiver;
    if (this.signal.aborted) this.end();
    else this.drain();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.drain();
  }

  [Symbol.asyncIterator](): AsyncIterator<TrackedEvent<T>> {
    return pulled<TrackedEvent<T>>(this, () => this.end());
  }

  private readonly onEvent = (event: TrackedEvent<T>) => {
    if (this.receiver && !this.paused && this.missed.length === 0 && this.queue.length === 0) {
      this.handOver(event, true);
    } else if (this.queue.length >= this.maxQueuedEvents) {
      this.overflowed = true;
      this.stopListening();
    } else {
      this.queue.push(event);
    }
  };

  private handOver(event: TrackedEvent<T>, live: boolean): void {
    if (!this.inOrder) {
      if (compareEventIds(event.id, this.last) <= 0) return;
      this.inOrder = live;
    }
    this.last = event.id;
    this.receiver!.event(event);
  }

  private drain(): void {
    while (this.receiver && !this.paused && !this.ended) {
      const missed = this.missed.length > 0;
      const event = missed ? this.missed.pop() : this.queue.shift();
      if (event) {
        this.handOver(event, !missed);
      } else {
        if (this.overflowed) {
          this.end(
            new AppError(
              "RATE_LIMITED",
              "Events arrived faster than they were read; subscribe again with the last event id",
            ),
          );
        }
        return;
      }
    }
  }

  private end(error?: unknown): void {
    this.stopListening();
    if (this.ended || !this.receiver) return;
    this.ended = true;
    this.receiver.end(error);
  }

  private stopListening(): void {
    this.emitter.off(this.channel, this.onEvent);
  }
}

export function expiredResume(): AppError {
  return new AppError(
    "EXPIRED",
    "The last event id is older than the events kept for resuming; load the current state and subscribe without it",
  );
}

/** A last id the channel never gave out: resuming after it would silently skip every event up to it. */
export function unissuedResume(): AppError {
  return new AppError(
    "INVALID_INPUT",
    "The last event id is ahead of every event of this subscription; subscribe with an id it sent, or without one",
  );
}

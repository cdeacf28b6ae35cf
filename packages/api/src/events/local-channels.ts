import { EventEmitter, on } from "node:events";

/** Fans events out to the subscribers of this process; both bus implementations build on it. */
export class LocalChannels {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every open subscription is a listener; the default cap of 10 is a leak warning, not a limit.
    this.emitter.setMaxListeners(0);
  }

  emit(channel: string, payload: unknown): void {
    this.emitter.emit(channel, payload);
  }

  listenerCount(channel: string): number {
    return this.emitter.listenerCount(channel);
  }

  /** Starts listening at once, so nothing emitted after this call is missed. */
  listen<T>(channel: string, signal: AbortSignal): AsyncIterable<T> {
    const iterator = on(this.emitter, channel, { signal });
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for await (const [payload] of iterator) yield payload as T;
        } catch (error) {
          if (!signal.aborted) throw error;
        }
      },
    };
  }
}

/** What hands its items over by calls and can be held back: a channel subscription, a live feed. */
export interface PushSource<T> {
  deliverTo(receiver: { event(item: T): void; end(error?: unknown): void }): void;
  pause(): void;
  resume(): void;
}

/**
 * The items of `source` as an async iterator. One item at a time waits here, and while it does the
 * source is paused, so that the source's own bound on what waits for a slow reader still holds.
 * An error ends the iteration after the item waiting; a stop ends it at once. `stop` is called
 * however the reading ends, also when the reader leaves early.
 */
export async function* pulled<T>(source: PushSource<T>, stop: () => void): AsyncGenerator<T> {
  const ready: T[] = [];
  let ending = null as { error?: unknown } | null;
  let holding = false;
  let wake: (() => void) | null = null;
  try {
    source.deliverTo({
      event(item) {
        ready.push(item);
        if (!holding) {
          holding = true;
          source.pause();
        }
        wake?.();
      },
      end(error) {
        ending = { error };
        wake?.();
      },
    });
    while (!(ending && ending.error === undefined)) {
      if (ready.length > 0) {
        yield ready.shift()!;
      } else if (holding) {
        holding = false;
        source.resume();
      } else if (ending) {
        throw ending.error;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    }
  } finally {
    stop();
  }
}

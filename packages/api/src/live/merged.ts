/**
 * The items of every source in one sequence, in the order they come. Each source hands over
 * one item at a time, so a source's own bound on what waits for a slow reader still holds.
 * The sources must end when `signal` aborts: the merged sequence never waits on a source to
 * finish, since one waiting for its next item would keep the whole subscription from closing.
 */
export async function* merged<T>(sources: AsyncIterable<T>[], signal: AbortSignal): AsyncGenerator<T> {
  const ready: { item: T; taken: () => void }[] = [];
  let failure = null as { error: unknown } | null;
  let wake: (() => void) | null = null;
  const notify = () => wake?.();
  signal.addEventListener("abort", notify, { once: true });

  for (const source of sources) {
    void (async () => {
      for await (const item of source) {
        await new Promise<void>((taken) => {
          ready.push({ item, taken });
          notify();
        });
      }
    })().catch((error: unknown) => {
      failure ??= { error };
      notify();
    });
  }

  try {
    while (!signal.aborted) {
      const next = ready.shift();
      if (next) {
        next.taken();
        yield next.item;
      } else if (failure) {
        throw failure.error;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    }
  } finally {
    signal.removeEventListener("abort", notify);
    for (const { taken } of ready) taken();
  }
}

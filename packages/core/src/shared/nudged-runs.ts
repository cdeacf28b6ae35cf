import type { EventBus, Logger } from "@seed/platform";

/**
 * Runs `run` whenever `channel` tells of new work (a commit that left some), and once now for
 * what was left while nothing listened. Nudges that come while it runs make one more run after
 * it, not one each. Resolves, once listening, with how to stop, which waits for a run under way.
 */
export async function runOnNudges(
  deps: { events: EventBus; log: Logger },
  channel: string,
  run: () => Promise<unknown>,
  failure: string,
): Promise<() => Promise<void>> {
  const stop = new AbortController();
  let running: Promise<void> | null = null;
  let again = false;
  const start = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = run()
      .then(() => undefined)
      .catch((error: unknown) => deps.log.error({ err: error }, failure))
      .finally(() => {
        running = null;
        if (again && !stop.signal.aborted) {
          again = false;
          start();
        }
      });
  };
  const nudges = await deps.events.subscribe(channel, stop.signal);
  nudges.deliverTo({ event: start, end: () => undefined });
  start();
  return async () => {
    stop.abort();
    await running;
  };
}

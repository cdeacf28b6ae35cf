import type { Database, Transaction } from "@seed/db";
import type { EventBus, Logger } from "@seed/platform";

export type Emit = (channel: string, payload: unknown) => void;

/**
 * Runs `work` in one transaction and publishes the events it emitted only once that transaction
 * has committed: a change that rolls back is never announced. A failed publish does not undo a
 * committed change; it is logged.
 */
export async function transactionWithEvents<T>(
  deps: { db: Database; events: EventBus; log: Logger },
  work: (tx: Transaction, emit: Emit) => Promise<T>,
): Promise<T> {
  const emitted: [string, unknown][] = [];
  const result = await deps.db.transaction((tx) => work(tx, (channel, payload) => emitted.push([channel, payload])));
  await Promise.all(
    emitted.map(([channel, payload]) =>
      deps.events.publish(channel, payload).catch((error: unknown) => {
        deps.log.error({ err: error, channel }, "could not publish a committed change");
      }),
    ),
  );
  return result;
}

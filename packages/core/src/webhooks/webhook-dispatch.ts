import { webhookDeliveries, webhookEndpoints, webhookEvents } from "@seed/db";
import { and, asc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { EventBus, Logger } from "@seed/platform";
import type { ServiceDependencies } from "../dependencies";
import { queueWebhookDelivery } from "./webhook-delivery";
import { webhookEventsChannel } from "./webhook-outbox";
import { runOnNudges } from "../shared/nudged-runs";

/** Rows taken per transaction, so that a long backlog never holds its locks for long. */
const BATCH_SIZE = 100;

type DispatchDeps = ServiceDependencies<"db" | "jobs" | "webhooks">;

/**
 * Sends what the outbox holds: each undispatched event becomes one delivery per enabled endpoint
 * subscribed to its type, then every delivery not queued yet gets its job, and so does one whose
 * round was lost (still unfinished after `lostAfterMs`). Rows are locked with SKIP LOCKED, so
 * instances dispatching at once share the work instead of doing it twice. A crash
 * between queuing a job and marking it queued only queues it again; the job skips a delivery that
 * is already done.
 */
export async function dispatchWebhookEvents(deps: DispatchDeps): Promise<{ events: number; queued: number }> {
  const events = await untilEmpty(() => fanOutBatch(deps));
  const queued = await untilEmpty(() => queueBatch(deps));
  return { events, queued };
}

/** Runs `batch` until it finds nothing left to take; resolves with how many rows it took in all. */
async function untilEmpty(batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let taken = await batch(); taken > 0; taken = await batch()) total += taken;
  return total;
}

async function fanOutBatch(deps: DispatchDeps): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const pending = await tx
      .select({ id: webhookEvents.id, type: webhookEvents.type })
      .from(webhookEvents)
      .where(isNull(webhookEvents.dispatchedAt))
      .orderBy(asc(webhookEvents.occurredAt))
      .limit(BATCH_SIZE)
      .for("update", { skipLocked: true });
    if (pending.length === 0) return 0;
    const endpoints = await tx
      .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes })
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.enabled, true));
    const deliveries = pending.flatMap((event) =>
      endpoints
        .filter((endpoint) => endpoint.eventTypes.includes(event.type))
        .map((endpoint) => ({ eventId: event.id, endpointId: endpoint.id })),
    );
    if (deliveries.length > 0) await tx.insert(webhookDeliveries).values(deliveries).onConflictDoNothing();
    await tx
      .update(webhookEvents)
      .set({ dispatchedAt: sql`now()` })
      .where(
        inArray(
          webhookEvents.id,
          pending.map((event) => event.id),
        ),
      );
    return pending.length;
  });
}

async function queueBatch(deps: DispatchDeps): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const unqueued = await tx
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(
        or(
          and(isNull(webhookDeliveries.queuedAt), eq(webhookDeliveries.status, "pending")),
          and(
            inArray(webhookDeliveries.status, ["pending", "retrying"]),
            lt(webhookDeliveries.queuedAt, sql`now() - make_interval(secs => ${deps.webhooks.lostAfterMs / 1000})`),
          ),
        ),
      )
      .orderBy(asc(webhookDeliveries.createdAt))
      .limit(BATCH_SIZE)
      .for("update", { skipLocked: true });
    for (const delivery of unqueued) await queueWebhookDelivery(deps, delivery.id);
    if (unqueued.length > 0) {
      await tx
        .update(webhookDeliveries)
        .set({ queuedAt: sql`now()` })
        .where(
          inArray(
            webhookDeliveries.id,
            unqueued.map((delivery) => delivery.id),
          ),
        );
    }
    return unqueued.length;
  });
}

/**
 * Dispatches whenever a commit recorded webhook events, on every instance that runs jobs (they
 * share the work), and once now for what was recorded while none was running. Resolves with how
 * to stop, which waits for a dispatch under way.
 */
export function startWebhookDispatcher(
  deps: DispatchDeps & { events: EventBus; log: Logger },
): Promise<() => Promise<void>> {
  return runOnNudges(deps, webhookEventsChannel, () => dispatchWebhookEvents(deps), "webhook dispatch failed");
}

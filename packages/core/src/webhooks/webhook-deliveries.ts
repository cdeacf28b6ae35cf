import { webhookDeliveries, webhookEvents, type Database } from "@seed/db";
import { and, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { AppError } from "@seed/platform";
import type { z } from "zod";
import type { ServiceDependencies } from "../dependencies";
import { recordAudit } from "../audit/audit";
import type { Actor } from "../shared/actor";
import { toPage } from "../shared/pagination";
import { queueWebhookDelivery, webhookIdOf } from "./webhook-delivery";
import { getWebhookEndpoint } from "./webhook-endpoints";
import type { webhookDeliveryQuerySchema, WebhookDeliverySummary } from "./webhook-schemas";

/** An endpoint's deliveries, newest first, with what the last attempt of each got back. */
export async function listWebhookDeliveries(
  db: Database,
  query: z.output<typeof webhookDeliveryQuerySchema>,
): Promise<{ items: WebhookDeliverySummary[]; nextCursor: string | null }> {
  await getWebhookEndpoint(db, query.endpointId);
  const conditions: SQL[] = [eq(webhookDeliveries.endpointId, query.endpointId)];
  if (query.status) conditions.push(eq(webhookDeliveries.status, query.status));
  if (query.cursor) {
    conditions.push(
      sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.id}) < (select created_at, id from webhook_deliveries where id = ${query.cursor})`,
    );
  }
  const rows = await db
    .select({ delivery: webhookDeliveries, eventType: webhookEvents.type })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(and(...conditions))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(query.limit + 1);
  const page = toPage(rows, query.limit, (row) => row.delivery.id);
  return {
    items: page.items.map(({ delivery, eventType }) => ({
      id: delivery.id,
      endpointId: delivery.endpointId,
      eventId: delivery.eventId,
      eventType,
      webhookId: webhookIdOf(delivery.eventId),
      status: delivery.status,
      attempts: delivery.attempts,
      lastAttemptAt: delivery.lastAttemptAt,
      deliveredAt: delivery.deliveredAt,
      responseStatus: delivery.responseStatus,
      responseBody: delivery.responseBody,
      error: delivery.error,
      createdAt: delivery.createdAt,
    })),
    nextCursor: page.nextCursor,
  };
}

/**
 * Sends a delivery again, with fresh attempts and the same `webhook-id`: a dead letter, or one
 * that was delivered and that the receiver lost. One still on its way is left to finish.
 */
export async function redeliverWebhook(
  deps: ServiceDependencies<"db" | "jobs" | "webhooks">,
  actor: Actor,
  deliveryId: string,
): Promise<void> {
  const restarted = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookDeliveries)
      .set({ status: "pending", attempts: 0, error: null, queuedAt: sql`now()` })
      .where(and(eq(webhookDeliveries.id, deliveryId), inArray(webhookDeliveries.status, ["dead", "delivered"])))
      .returning({ id: webhookDeliveries.id, endpointId: webhookDeliveries.endpointId });
    if (!row) return null;
    await recordAudit(tx, actor, {
      action: "webhook_delivery.redeliver",
      resource: "webhook_delivery",
      resourceId: deliveryId,
      after: { endpointId: row.endpointId },
    });
    return row;
  });
  if (!restarted) {
    const exists = await deps.db.query.webhookDeliveries.findFirst({
      where: eq(webhookDeliveries.id, deliveryId),
      columns: { id: true },
    });
    if (!exists) throw new AppError("NOT_FOUND", "No such webhook delivery");
    throw new AppError("CONFLICT", "This delivery is still on its way; wait for it to end before redelivering");
  }
  await queueWebhookDelivery(deps, deliveryId);
}

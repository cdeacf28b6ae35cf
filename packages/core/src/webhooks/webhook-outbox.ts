import { webhookEvents, type Transaction } from "@seed/db";
import type { Emit } from "../shared/committed-events";
import type { WebhookEventType } from "./webhook-event-types";

/** Told, after a commit that recorded webhook events, so that the dispatcher sends them at once. */
export const webhookEventsChannel = "webhooks:recorded";

/**
 * Writes an event to the outbox in the caller's transaction: it is sent if and only if the change
 * it tells of commits. Through `emit` (of `transactionWithEvents`) the dispatcher is nudged after
 * the commit, so that the event goes out at once; should the nudge be lost, the dispatcher's
 * schedule sends the event, but only on its next round (a minute by default).
 */
export async function recordWebhookEvent(
  tx: Transaction,
  type: WebhookEventType,
  data: Record<string, unknown>,
  emit: Emit,
): Promise<void> {
  await tx.insert(webhookEvents).values({ type, data });
  emit(webhookEventsChannel, { type });
}

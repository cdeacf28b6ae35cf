import { webhookDeliveries, webhookEndpoints, webhookEvents } from "@seed/db";
import { and, eq, sql } from "drizzle-orm";
import { OutboundRequestFailed, type JobQueue, type OutboundResponse } from "@seed/platform";
import type { ServiceDependencies } from "../dependencies";
import { storableText } from "../shared/text";
import { signedWebhookHeaders } from "./webhook-secret";

type DeliveryDeps = ServiceDependencies<"db" | "webhooks">;

/** The `webhook-id` of an event: the same on every attempt, every redelivery and every endpoint. */
export function webhookIdOf(eventId: string): string {
  return `msg_${eventId.replaceAll("-", "")}`;
}

/** Queues one round of attempts of a delivery, with the webhook retry policy. */
export async function queueWebhookDelivery(
  deps: { jobs: JobQueue; webhooks: { retries: { attempts: number; backoffMs: number } } },
  deliveryId: string,
): Promise<void> {
  await deps.jobs.enqueue("webhooks.deliver", { deliveryId }, deps.webhooks.retries);
}

/** What one attempt came to, as the delivery log keeps it. */
export type AttemptOutcome = "delivered" | "retrying" | "dead" | "skipped";

/** Why a delivery whose secret no longer opens is dead: retrying cannot help, rotating the secret does. */
const UNSIGNABLE =
  "The endpoint's signing secret cannot be opened (the server secret changed since it was made): rotate the secret, then redeliver";

/**
 * One attempt of a delivery: signs the event as Standard Webhooks says (same id on every
 * attempt, the attempt's own timestamp) and posts it. A 2xx answer delivers it. Anything else
 * is written down and thrown, so that the queue tries again after its backoff, until the last
 * attempt, which makes it a dead letter (resolved, not thrown: the delivery log holds it, an
 * admin redelivers it from there). A delivery already done, or whose endpoint is gone or
 * disabled, or whose secret no longer opens, is not sent.
 */
export async function attemptWebhookDelivery(deps: DeliveryDeps, deliveryId: string): Promise<AttemptOutcome> {
  const [found] = await deps.db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints, event: webhookEvents })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (!found || found.delivery.status === "delivered" || found.delivery.status === "dead") return "skipped";
  const { endpoint, event } = found;
  if (!endpoint.enabled) {
    await recordAttempt(deps, deliveryId, "dead", { error: "The endpoint is disabled" }, false);
    return "dead";
  }
  const body = JSON.stringify({ type: event.type, timestamp: event.occurredAt.toISOString(), data: event.data });
  let headers: Record<string, string>;
  try {
    headers = signedWebhookHeaders(deps.webhooks.sealingKey, endpoint, {
      webhookId: webhookIdOf(event.id),
      body,
      at: new Date(),
    });
  } catch (error) {
    deps.log.error({ err: error, deliveryId, endpointId: endpoint.id }, "webhook secret cannot be opened");
    await recordAttempt(deps, deliveryId, "dead", { error: UNSIGNABLE }, false);
    return "dead";
  }
  let response: OutboundResponse | null = null;
  let failure: string | null = null;
  try {
    response = await deps.webhooks.http.post({ url: endpoint.url, headers, body });
    if (response.status < 200 || response.status > 299) failure = `The endpoint answered ${response.status}`;
  } catch (error) {
    if (!(error instanceof OutboundRequestFailed)) deps.log.error({ err: error, deliveryId }, "webhook request failed");
    failure = error instanceof OutboundRequestFailed ? error.message : "The request failed";
  }
  const attempts = found.delivery.attempts + 1;
  const outcome = !failure ? "delivered" : attempts >= deps.webhooks.retries.attempts ? "dead" : "retrying";
  const responseStatus = response?.status ?? null;
  try {
    // The receiver's answer is whatever it sent; kept as a preview, it must be text Postgres takes.
    const responseBody = response ? storableText(response.body) : null;
    await recordAttempt(deps, deliveryId, outcome, { responseStatus, responseBody, error: failure }, true);
  } catch (error) {
    // Unrecorded, the attempt would be sent again and again with nothing in the log: it is
    // recorded without the answer, its outcome the same, so retries and dead letters go on.
    deps.log.error({ err: error, deliveryId }, "webhook attempt could not be recorded");
    const unrecorded = "The endpoint's answer could not be recorded";
    await recordAttempt(
      deps,
      deliveryId,
      outcome,
      { responseStatus, responseBody: null, error: failure ? `${failure}; ${unrecorded}` : unrecorded },
      true,
    );
  }
  deps.log.info({ deliveryId, eventType: event.type, attempt: attempts, outcome }, "webhook attempt");
  if (outcome === "retrying") throw new Error(failure!);
  return outcome;
}

async function recordAttempt(
  deps: DeliveryDeps,
  deliveryId: string,
  status: "delivered" | "retrying" | "dead",
  response: { responseStatus?: number | null; responseBody?: string | null; error: string | null },
  attempted: boolean,
): Promise<void> {
  await deps.db
    .update(webhookDeliveries)
    .set({
      status,
      ...response,
      ...(attempted ? { attempts: sql`${webhookDeliveries.attempts} + 1`, lastAttemptAt: sql`now()` } : {}),
      ...(status === "delivered" ? { deliveredAt: sql`now()` } : {}),
    })
    // A redelivery started meanwhile owns the row now; this attempt's result is stale.
    .where(and(eq(webhookDeliveries.id, deliveryId), sql`${webhookDeliveries.status} in ('pending', 'retrying')`));
}

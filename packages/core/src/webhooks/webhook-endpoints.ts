import { webhookEndpoints, type Database, type WebhookEndpoint } from "@seed/db";
import { asc, eq, sql } from "drizzle-orm";
import { AppError } from "@seed/platform";
import type { ServiceDependencies } from "../dependencies";
import { recordAudit } from "../audit/audit";
import type { Actor } from "../shared/actor";
import { createWebhookSecret, sealWebhookSecret } from "./webhook-secret";
import type { WebhookEndpointCreation, WebhookEndpointSummary, WebhookEndpointUpdate } from "./webhook-schemas";
import type { WebhookUrlPolicy } from "./webhook-settings";
import { webhookUrlProblem } from "./webhook-url";

type EndpointDeps = ServiceDependencies<"db" | "webhooks">;

export function toWebhookEndpointSummary(row: WebhookEndpoint): WebhookEndpointSummary {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    enabled: row.enabled,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function requireUsableUrl(url: string, policy: WebhookUrlPolicy): void {
  const problem = webhookUrlProblem(url, policy);
  if (problem) throw new AppError("INVALID_INPUT", `url: ${problem}`);
}

/** What the audit trail keeps of an endpoint: where it points and what it hears, never its secret. */
function audited(endpoint: WebhookEndpointSummary) {
  return { url: endpoint.url, eventTypes: endpoint.eventTypes, enabled: endpoint.enabled };
}

/**
 * Registers an endpoint with a new signing secret, answered once: only a sealed copy is kept,
 * for signing.
 */
export async function createWebhookEndpoint(
  deps: EndpointDeps,
  actor: Actor,
  input: WebhookEndpointCreation,
): Promise<WebhookEndpointSummary & { secret: string }> {
  requireUsableUrl(input.url, deps.webhooks.urlPolicy);
  const secret = createWebhookSecret();
  const id = crypto.randomUUID();
  const endpoint = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(webhookEndpoints)
      .values({
        id,
        url: input.url,
        description: input.description,
        eventTypes: input.eventTypes,
        sealedSecret: sealWebhookSecret(deps.webhooks.sealingKey, id, secret),
        createdBy: actor.userId,
      })
      .returning();
    const summary = toWebhookEndpointSummary(row!);
    await recordAudit(tx, actor, {
      action: "webhook_endpoint.create",
      resource: "webhook_endpoint",
      resourceId: id,
      after: audited(summary),
    });
    return summary;
  });
  return { ...endpoint, secret };
}

export async function listWebhookEndpoints(db: Database): Promise<WebhookEndpointSummary[]> {
  const rows = await db.select().from(webhookEndpoints).orderBy(asc(webhookEndpoints.createdAt));
  return rows.map(toWebhookEndpointSummary);
}

export async function getWebhookEndpoint(db: Database, endpointId: string): Promise<WebhookEndpointSummary> {
  const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpointId));
  if (!row) throw new AppError("NOT_FOUND", "No such webhook endpoint");
  return toWebhookEndpointSummary(row);
}

/** Changes an endpoint if it is still at the version the caller read. Disabling it stops its deliveries. */
export async function updateWebhookEndpoint(
  deps: EndpointDeps,
  actor: Actor,
  input: WebhookEndpointUpdate,
): Promise<WebhookEndpointSummary> {
  if (input.changes.url !== undefined) requireUsableUrl(input.changes.url, deps.webhooks.urlPolicy);
  return deps.db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, input.endpointId))
      .for("update");
    if (!before) throw new AppError("NOT_FOUND", "No such webhook endpoint");
    if (before.version !== input.version) {
      throw new AppError(
        "CONFLICT",
        `The endpoint changed since you read it (version ${input.version}, now ${before.version}); reload and retry`,
      );
    }
    const [row] = await tx
      .update(webhookEndpoints)
      .set({ ...input.changes, version: sql`${webhookEndpoints.version} + 1`, updatedAt: new Date() })
      .where(eq(webhookEndpoints.id, input.endpointId))
      .returning();
    const after = toWebhookEndpointSummary(row!);
    await recordAudit(tx, actor, {
      action: "webhook_endpoint.update",
      resource: "webhook_endpoint",
      resourceId: after.id,
      before: audited(toWebhookEndpointSummary(before)),
      after: audited(after),
    });
    return after;
  });
}

/**
 * Gives an endpoint a new secret, answered once. The old one stops signing at once: attempts
 * still to come are signed with the new one.
 */
export async function rotateWebhookSecret(
  deps: EndpointDeps,
  actor: Actor,
  endpointId: string,
): Promise<WebhookEndpointSummary & { secret: string }> {
  const secret = createWebhookSecret();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookEndpoints)
      .set({
        sealedSecret: sealWebhookSecret(deps.webhooks.sealingKey, endpointId, secret),
        version: sql`${webhookEndpoints.version} + 1`,
        updatedAt: new Date(),
      })
      .where(eq(webhookEndpoints.id, endpointId))
      .returning();
    if (!row) throw new AppError("NOT_FOUND", "No such webhook endpoint");
    await recordAudit(tx, actor, {
      action: "webhook_endpoint.rotate_secret",
      resource: "webhook_endpoint",
      resourceId: endpointId,
    });
    return { ...toWebhookEndpointSummary(row), secret };
  });
}

/** Deletes an endpoint and its delivery log; deliveries on their way stop at their next attempt. */
export async function deleteWebhookEndpoint(deps: EndpointDeps, actor: Actor, endpointId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const [row] = await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, endpointId)).returning();
    if (!row) throw new AppError("NOT_FOUND", "No such webhook endpoint");
    await recordAudit(tx, actor, {
      action: "webhook_endpoint.delete",
      resource: "webhook_endpoint",
      resourceId: endpointId,
      before: audited(toWebhookEndpointSummary(row)),
    });
  });
}

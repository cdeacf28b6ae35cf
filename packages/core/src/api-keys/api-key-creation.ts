import { apiKeys, users } from "@seed/db";
import { and, count, eq, gt, isNull, sql } from "drizzle-orm";
import { AppError } from "@seed/platform";
import type { ServiceDependencies } from "../dependencies";
import { recordAudit } from "../audit/audit";
import type { Actor, Principal } from "../shared/actor";
import { createApiKeySecret } from "./api-key-format";
import { toApiKeySummary } from "./api-key-listing";
import type { ApiKeyCreation, ApiKeySummary } from "./api-key-schemas";

const DAY_MS = 24 * 3600 * 1000;

/**
 * Creates a key for the caller, with scopes among the permissions they hold now, and answers it
 * whole: the only time it is shown. Only its hash is kept.
 */
export async function createApiKey(
  deps: ServiceDependencies<"db" | "apiKeyPolicy">,
  principal: Pick<Principal, "id" | "permissions">,
  actor: Actor,
  input: ApiKeyCreation,
): Promise<ApiKeySummary & { key: string }> {
  const beyond = input.scopes.filter((scope) => !principal.permissions.has(scope));
  if (beyond.length > 0) {
    throw new AppError("FORBIDDEN", `A key cannot have ${beyond.join(", ")}: you do not hold it`);
  }
  const { maxLifetimeDays, maxKeysPerUser } = deps.apiKeyPolicy;
  if (input.expiresInDays > maxLifetimeDays) {
    throw new AppError("INVALID_INPUT", `expiresInDays: a key lives at most ${maxLifetimeDays} days`);
  }
  const { key, publicId, secretHash } = createApiKeySecret();
  const row = await deps.db.transaction(async (tx) => {
    // The owner's row is locked so that two creations at once cannot both pass the count.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, principal.id)).for("update");
    const [held] = await tx
      .select({ count: count() })
      .from(apiKeys)
      .where(and(eq(apiKeys.userId, principal.id), isNull(apiKeys.revokedAt), gt(apiKeys.expiresAt, sql`now()`)));
    if ((held?.count ?? 0) >= maxKeysPerUser) {
      throw new AppError("CONFLICT", `You hold ${maxKeysPerUser} keys, the most allowed: revoke one first`);
    }
    const [created] = await tx
      .insert(apiKeys)
      .values({
        userId: principal.id,
        publicId,
        secretHash,
        name: input.name,
        scopes: input.scopes,
        metadata: input.metadata ?? null,
        quotaLimit: input.quota?.limit ?? null,
        quotaIntervalSeconds: input.quota?.intervalSeconds ?? null,
        expiresAt: new Date(Date.now() + input.expiresInDays * DAY_MS),
      })
      .returning();
    const summary = toApiKeySummary(created!);
    await recordAudit(tx, actor, {
      action: "api_key.create",
      resource: "api_key",
      resourceId: summary.id,
      after: {
        name: summary.name,
        prefix: summary.prefix,
        scopes: summary.scopes,
        expiresAt: summary.expiresAt,
        quota: summary.quota,
      },
    });
    return summary;
  });
  return { ...row, key };
}

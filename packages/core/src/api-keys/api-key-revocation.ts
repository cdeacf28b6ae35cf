import { apiKeys, type Database, type Transaction } from "@seed/db";
import { and, eq, isNull, type SQL } from "drizzle-orm";
import { AppError } from "@seed/platform";
import type { ServiceDependencies } from "../dependencies";
import { recordAudit } from "../audit/audit";
import { recordSecurityEvent } from "../audit/security-events";
import type { Actor } from "../shared/actor";
import type { ApiKeyCache } from "./api-key-cache";

export interface RevokedApiKey {
  id: string;
  userId: string;
  publicId: string;
}

/**
 * Revokes the keys matching `which` that are not revoked yet, in the caller's transaction, with
 * an audit row each (`reason` says why, when it was not the owner's or an admin's choice).
 */
export async function revokeApiKeysWhere(
  tx: Database | Transaction,
  actor: Actor,
  which: SQL,
  reason: string | null = null,
): Promise<RevokedApiKey[]> {
  const revoked = await tx
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(which, isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id, userId: apiKeys.userId, publicId: apiKeys.publicId });
  for (const key of revoked) {
    await recordAudit(tx, actor, {
      action: "api_key.revoke",
      resource: "api_key",
      resourceId: key.id,
      after: { owner: key.userId, ...(reason ? { reason } : {}) },
    });
  }
  return revoked;
}

/** Tells every instance to stop honouring the keys, once their revocation has committed. */
export async function announceRevokedApiKeys(
  deps: { apiKeyCache: Pick<ApiKeyCache, "invalidate"> },
  revoked: RevokedApiKey[],
): Promise<void> {
  await Promise.all(revoked.map((key) => deps.apiKeyCache.invalidate({ userId: key.userId, publicId: key.publicId })));
}

/**
 * Revokes one key: it is refused from the next call on, on every instance. A key revoked by
 * someone other than its owner (an administrator) is also a security event.
 */
export async function revokeApiKey(
  deps: ServiceDependencies<"db" | "apiKeyCache">,
  actor: Actor,
  keyId: string,
): Promise<void> {
  const revoked = await deps.db.transaction((tx) => revokeApiKeysWhere(tx, actor, eq(apiKeys.id, keyId)));
  const [key] = revoked;
  if (!key) throw new AppError("NOT_FOUND", "No such API key");
  await announceRevokedApiKeys(deps, revoked);
  if (actor.userId !== key.userId) {
    await recordSecurityEvent(deps, actor, "api_key_revoked", { targetUserId: key.userId, keyId: key.id });
  }
}

import {
  apiKeys,
  emailTokens,
  mfaFactors,
  oauthAccounts,
  passkeyChallenges,
  passkeys,
  recoveryCodes,
  refreshSessions,
  userPermissions,
  userRoles,
  users,
} from "@seed/db";
import { eq } from "drizzle-orm";
import type { Transaction } from "@seed/db";
import type { Actor } from "../shared/actor";
import type { EventBus } from "@seed/platform";
import { recordAccessChange } from "../access/access";
import type { OwnerProof } from "../auth/reauthentication";
import { assertNotLastAdmin } from "../access/role-assignments";
import { announceRevokedSessions, revokeSessionsWhere, type RevokedSession } from "../sessions/session-revocation";
import type { SessionInvalidator } from "../sessions/session-cache";
import type { ApiKeyCache } from "../api-keys/api-key-cache";
import { announceRevokedApiKeys, revokeApiKeysWhere, type RevokedApiKey } from "../api-keys/api-key-revocation";
import { confirmOwner, type OwnerConfirmationDeps, type Owner } from "./owner-confirmation";

export type AccountDeletionDeps = {
  events: EventBus;
  sessionCache: SessionInvalidator;
  apiKeyCache: Pick<ApiKeyCache, "invalidate">;
};

/**
 * Deletes an account at its owner's request, once they proved again who they are (see
 * `anonymizeAccount`).
 */
export async function deleteAccount(
  deps: OwnerConfirmationDeps & AccountDeletionDeps,
  actor: Owner,
  proof: OwnerProof,
): Promise<void> {
  await confirmOwner(deps, actor, proof, "delete your account");
  const ended = await deps.db.transaction(async (tx) => {
    await assertNotLastAdmin(tx, actor.userId);
    return anonymizeAccount(tx, actor, actor.userId, "user.delete_account");
  });
  await announceAnonymizedAccount(deps, ended);
}

/**
 * Deletes an account, in the caller's transaction, the same way whoever asks (its owner, an
 * administrator). The row stays, so that orders and audit rows keep pointing at it, but
 * everything that identifies or signs in as the person goes: address, name, password,
 * authenticators, passkeys, linked identities, roles, sessions and API keys. Announce what it returns
 * once the transaction has committed.
 */
export async function anonymizeAccount(
  tx: Transaction,
  actor: Actor,
  userId: string,
  auditAction: string,
): Promise<{ revoked: RevokedSession[]; revokedKeys: RevokedApiKey[] }> {
  const revoked = await revokeSessionsWhere(tx, actor, eq(refreshSessions.userId, userId), "account deleted");
  const revokedKeys = await revokeApiKeysWhere(tx, actor, eq(apiKeys.userId, userId), "account deleted");
  for (const table of [
    mfaFactors,
    recoveryCodes,
    passkeys,
    passkeyChallenges,
    oauthAccounts,
    emailTokens,
    userRoles,
    userPermissions,
  ]) {
    await tx.delete(table).where(eq(table.userId, userId));
  }
  await tx
    .update(users)
    .set({
      // `.invalid` is reserved: no mail can reach it, and no sign-up can claim it.
      email: `deleted-${userId}@deleted.invalid`,
      passwordHash: null,
      displayName: null,
      emailVerifiedAt: null,
      deletedAt: new Date(),
    })
    .where(eq(users.id, userId));
  await recordAccessChange(tx, actor, userId, { action: auditAction });
  return { revoked, revokedKeys };
}

/** Tells every instance to stop honouring the deleted account's sessions and keys. */
export async function announceAnonymizedAccount(
  deps: AccountDeletionDeps,
  ended: { revoked: RevokedSession[]; revokedKeys: RevokedApiKey[] },
): Promise<void> {
  await announceRevokedSessions(deps, ended.revoked);
  await announceRevokedApiKeys(deps, ended.revokedKeys);
}

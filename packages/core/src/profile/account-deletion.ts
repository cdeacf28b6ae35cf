import {
  apiKeys,
  emailTokens,
  mfaFactors,
  oauthAccounts,
  recoveryCodes,
  refreshSessions,
  userPermissions,
  userRoles,
  users,
} from "@seed/db";
import { eq } from "drizzle-orm";
import type { EventBus } from "@seed/platform";
import { recordAccessChange } from "../access/access";
import type { OwnerProof } from "../auth/reauthentication";
import { assertNotLastAdmin } from "../access/role-assignments";
import { announceRevokedSessions, revokeSessionsWhere } from "../sessions/session-revocation";
import type { SessionCache } from "../sessions/session-cache";
import type { ApiKeyCache } from "../api-keys/api-key-cache";
import { announceRevokedApiKeys, revokeApiKeysWhere } from "../api-keys/api-key-revocation";
import { confirmOwner, type OwnerConfirmationDeps, type Owner } from "./owner-confirmation";

/**
 * Deletes an account at its owner's request. The row stays, so that orders and audit rows keep
 * pointing at it, but everything that identifies or signs in as the person goes, in one
 * transaction: address, name, password, authenticators, linked identities, roles, sessions and API keys.
 */
export async function deleteAccount(
  deps: OwnerConfirmationDeps & {
    events: EventBus;
    sessionCache: SessionCache;
    apiKeyCache: Pick<ApiKeyCache, "invalidate">;
  },
  actor: Owner,
  proof: OwnerProof,
): Promise<void> {
  await confirmOwner(deps, actor, proof, "delete your account");
  const userId = actor.userId;
  const { revoked, revokedKeys } = await deps.db.transaction(async (tx) => {
    await assertNotLastAdmin(tx, userId);
    const revoked = await revokeSessionsWhere(tx, actor, eq(refreshSessions.userId, userId), "account deleted");
    const revokedKeys = await revokeApiKeysWhere(tx, actor, eq(apiKeys.userId, userId), "account deleted");
    for (const table of [mfaFactors, recoveryCodes, oauthAccounts, emailTokens, userRoles, userPermissions]) {
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
    await recordAccessChange(tx, actor, userId, { action: "user.delete_account" });
    return { revoked, revokedKeys };
  });
  await announceRevokedSessions(deps, revoked);
  await announceRevokedApiKeys(deps, revokedKeys);
}

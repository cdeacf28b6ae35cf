import type { ServiceDependencies } from "../dependencies";
import type { Actor } from "../shared/actor";
import { assertNotLastAdmin } from "../access/role-assignments";
import { recordSecurityEvent } from "../audit/security-events";
import { anonymizeAccount, announceAnonymizedAccount, type AccountDeletionDeps } from "../profile/account-deletion";
import { lockManagedUser } from "./managed-user";

/**
 * Deletes an account for an administrator, exactly as its owner would (see `anonymizeAccount`).
 * The last enabled admin cannot be deleted.
 */
export async function deleteUser(
  deps: ServiceDependencies<"db"> & AccountDeletionDeps,
  actor: Actor,
  userId: string,
): Promise<void> {
  const ended = await deps.db.transaction(async (tx) => {
    await lockManagedUser(tx, actor, userId, "delete");
    await assertNotLastAdmin(tx, userId);
    return anonymizeAccount(tx, actor, userId, "user.delete");
  });
  await announceAnonymizedAccount(deps, ended);
  await recordSecurityEvent(deps, actor, "user_deleted", { targetUserId: userId });
}

import type { ServiceDependencies } from "../dependencies";
import type { Actor, Principal } from "../shared/actor";
import { recordSecurityEvent } from "../audit/security-events";
import { anonymizeAccount, announceAnonymizedAccount, type AccountDeletionDeps } from "../profile/account-deletion";
import { lockManagedUser } from "./managed-user";

/**
 * Deletes an account for an administrator, exactly as its owner would (see `anonymizeAccount`).
 * The last enabled admin cannot be deleted.
 */
export async function deleteUser(
  deps: ServiceDependencies<"db"> & AccountDeletionDeps,
  principal: Principal,
  actor: Actor,
  userId: string,
): Promise<void> {
  const ended = await deps.db.transaction(async (tx) => {
    await lockManagedUser(tx, principal, actor, userId, "delete", { keepLastAdmin: true });
    return anonymizeAccount(tx, actor, userId, "user.delete");
  });
  await announceAnonymizedAccount(deps, ended);
  await recordSecurityEvent(deps, actor, "user_deleted", { targetUserId: userId });
}

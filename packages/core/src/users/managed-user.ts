import { users, type Transaction } from "@seed/db";
import { eq } from "drizzle-orm";
import { AppError } from "@seed/platform";
import type { Actor, Principal } from "../shared/actor";
import { assertHoldsEveryPermissionOfUser } from "../access/access";
import { assertNotLastAdmin } from "../access/role-assignments";

export interface ManagedUser {
  id: string;
  email: string;
  disabledAt: Date | null;
}

/**
 * The account an administrator acts on, locked for the rest of the transaction: it exists, is
 * not deleted, and is not the administrator's own, since disabling or deleting oneself through
 * these procedures would lock out whoever made the mistake (the owner deletes their own account
 * from the account page instead). As with roles (`assertHoldsEveryPermissionOf`), nobody acts on
 * an account that can do more than they can (`assertHoldsEveryPermissionOfUser`). With
 * `keepLastAdmin`, the last enabled admin is refused (see `assertNotLastAdmin`).
 */
export async function lockManagedUser(
  tx: Transaction,
  principal: Principal,
  actor: Actor,
  userId: string,
  action: string,
  options: { keepLastAdmin?: boolean } = {},
): Promise<ManagedUser> {
  if (actor.userId === userId) throw new AppError("FORBIDDEN", `You cannot ${action} your own account`);
  // The admins are locked before the account: two admins acting on each other at once then lock
  // in the same order and take turns, where locking each one's target first would deadlock.
  if (options.keepLastAdmin) await assertNotLastAdmin(tx, userId);
  const [user] = await tx
    .select({ id: users.id, email: users.email, disabledAt: users.disabledAt, deletedAt: users.deletedAt })
    .from(users)
    .where(eq(users.id, userId))
    .for("update");
  if (!user || user.deletedAt) throw new AppError("NOT_FOUND", "No such user");
  await assertHoldsEveryPermissionOfUser(tx, principal, userId, action);
  return { id: user.id, email: user.email, disabledAt: user.disabledAt };
}

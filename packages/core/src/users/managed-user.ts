import { users, type Transaction } from "@seed/db";
import { eq } from "drizzle-orm";
import { AppError } from "@seed/platform";
import type { Actor } from "../shared/actor";

export interface ManagedUser {
  id: string;
  email: string;
  disabledAt: Date | null;
}

/**
 * The account an administrator acts on, locked for the rest of the transaction: it exists, is
 * not deleted, and is not the administrator's own, since disabling or deleting oneself through
 * these procedures would lock out whoever made the mistake (the owner deletes their own account
 * from the account page instead).
 */
export async function lockManagedUser(
  tx: Transaction,
  actor: Actor,
  userId: string,
  action: string,
): Promise<ManagedUser> {
  if (actor.userId === userId) throw new AppError("FORBIDDEN", `You cannot ${action} your own account`);
  const [user] = await tx
    .select({ id: users.id, email: users.email, disabledAt: users.disabledAt, deletedAt: users.deletedAt })
    .from(users)
    .where(eq(users.id, userId))
    .for("update");
  if (!user || user.deletedAt) throw new AppError("NOT_FOUND", "No such user");
  return { id: user.id, email: user.email, disabledAt: user.disabledAt };
}

import { mfaChallenges, mfaFactors, recoveryCodes } from "@seed/db";
import { and, eq, isNull } from "drizzle-orm";
import { AppError } from "@seed/platform";
import type { ServiceDependencies } from "../dependencies";
import type { Actor, Principal } from "../shared/actor";
import { recordAudit } from "../audit/audit";
import { recordSecurityEvent } from "../audit/security-events";
import { lockManagedUser } from "../users/managed-user";

/**
 * Removes a user's authenticator and recovery codes for an administrator, when the user lost
 * both: they sign in with their password alone until they set up another. Challenges already
 * opened are ended, and the user is told by mail, so that a reset they did not ask for is seen.
 */
export async function resetUserMfa(
  deps: ServiceDependencies<"db" | "mailer">,
  principal: Principal,
  actor: Actor,
  userId: string,
): Promise<void> {
  const user = await deps.db.transaction(async (tx) => {
    const user = await lockManagedUser(tx, principal, actor, userId, "reset two-step sign-in of");
    const removed = await tx
      .delete(mfaFactors)
      .where(eq(mfaFactors.userId, userId))
      .returning({ userId: mfaFactors.userId });
    if (removed.length === 0) throw new AppError("CONFLICT", "This user has no authenticator to reset");
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await tx
      .update(mfaChallenges)
      .set({ usedAt: new Date() })
      .where(and(eq(mfaChallenges.userId, userId), isNull(mfaChallenges.usedAt)));
    await recordAudit(tx, actor, { action: "mfa.reset", resource: "mfa_factor", resourceId: userId });
    return user;
  });
  await deps.mailer.send({
    to: user.email,
    subject: "Two-step sign-in was turned off",
    text: "An administrator removed the authenticator and recovery codes of your account: you sign in with your password alone until you set up two-step sign-in again. If you did not ask for this, tell your administrator at once.",
  });
  await recordSecurityEvent(deps, actor, "mfa_reset", { targetUserId: userId });
}

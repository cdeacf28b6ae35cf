import type { ServiceDependencies } from "../dependencies";
import { mfaChallenges, refreshSessions, users } from "@seed/db";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Actor } from "../shared/actor";
import { AppError } from "@seed/platform";
import { recordAudit } from "../audit/audit";
import { consumeEmailToken, issueEmailToken, type EmailTokenPurpose } from "./email-tokens";
import { removeFactorsOfUnconfirmedAccount } from "../mfa/unclaimed-factors";
import { createOpaqueToken } from "../shared/opaque-tokens";
import { hashPassword } from "./passwords";
import { mayMailUnsolicited } from "./unsolicited-mail";
import { recordSecurityEvent } from "../audit/security-events";
import { announceRevokedSessions, revokeSessionsWhere } from "../sessions/session-revocation";

type Deps = ServiceDependencies<"db" | "mailer" | "appUrl" | "events" | "sessionCache">;

/**
 * Mails a reset link when the address belongs to an account. The caller learns nothing either
 * way: the answer is the same, and so is the work, as login does with its dummy hash: for an
 * unknown address a token is made and a decoy mail goes the real one's way, to be dropped before
 * it leaves. Only storing the token is left out, as it needs an account. Anyone may ask for
 * any address: past the address's budget of unsolicited mails, the real one goes as a decoy too,
 * and no link is made, which would void the one mailed before.
 */
export async function requestPasswordReset(
  deps: ServiceDependencies<"db" | "mailer" | "usageLimiter" | "appUrl">,
  email: string,
): Promise<void> {
  const allowed = await mayMailUnsolicited(deps, email, "password reset");
  const user = await deps.db.query.users.findFirst({ where: sql`lower(${users.email}) = ${email}` });
  const token = user && allowed ? await issueEmailToken(deps.db, user, "reset_password") : createOpaqueToken().token;
  await deps.mailer.send({
    to: user?.email ?? email,
    subject: "Reset your password",
    text: `Open this link to choose a new password:\n\n${deps.appUrl}/reset-password?token=${token}\n\nIt works once, for one hour. If you did not ask for it, ignore this message: your password is unchanged.`,
    decoy: !user || !allowed,
  });
}

/**
 * Sets a new password with a reset link, and signs the account out everywhere: whoever knew the
 * old password, or held a session, is shut out.
 */
export async function resetPassword(deps: Deps, input: { token: string; password: string }, actor: Actor) {
  const outcome = await setPasswordByLink(deps, input, actor, {
    purpose: "reset_password",
    auditAction: "user.reset_password",
    revocationReason: "password_reset",
  });
  await recordSecurityEvent(deps, { ...actor, userId: outcome.userId }, "password_reset", {
    sessionsRevoked: outcome.sessionsRevoked,
  });
}

/**
 * What every link that sets a password does (a reset, an invitation): the link is used up, the
 * password set, the address confirmed (the link reached it), and every session and pending
 * challenge of the account ended, in one transaction with its audit row.
 */
export async function setPasswordByLink(
  deps: Deps,
  input: { token: string; password: string },
  actor: Actor,
  link: {
    purpose: Extract<EmailTokenPurpose, "reset_password" | "invitation">;
    auditAction: string;
    revocationReason: string;
  },
): Promise<{ userId: string; sessionsRevoked: number }> {
  const passwordHash = await hashPassword(input.password);
  const outcome = await deps.db.transaction(async (tx) => {
    const issued = await consumeEmailToken(tx, input.token, link.purpose);
    if (!issued) return null;
    const factorRemoved = await removeFactorsOfUnconfirmedAccount(tx, issued.userId);
    await tx
      .update(users)
      .set({ passwordHash, emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())` })
      .where(eq(users.id, issued.userId));
    // Challenges opened with the old password are worthless now.
    await tx
      .update(mfaChallenges)
      .set({ usedAt: new Date() })
      .where(and(eq(mfaChallenges.userId, issued.userId), isNull(mfaChallenges.usedAt)));
    const userActor = { ...actor, userId: issued.userId };
    const revoked = await revokeSessionsWhere(
      tx,
      userActor,
      eq(refreshSessions.userId, issued.userId),
      link.revocationReason,
    );
    await recordAudit(tx, userActor, {
      action: link.auditAction,
      resource: "user",
      resourceId: issued.userId,
      after: { sessionsRevoked: revoked.length, unconfirmedFactorRemoved: factorRemoved },
    });
    return { userId: issued.userId, revoked };
  });
  if (!outcome) throw new AppError("INVALID_INPUT", "This link is invalid, used or expired; ask for a new one");
  // Announced first: the instances must stop honouring the sessions even if recording fails.
  await announceRevokedSessions(deps, outcome.revoked);
  return { userId: outcome.userId, sessionsRevoked: outcome.revoked.length };
}

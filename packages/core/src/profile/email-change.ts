import type { Dependencies } from "../dependencies";
import { users, isUniqueViolation } from "@seed/db";
import { and, eq, ne, sql } from "drizzle-orm";
import type { Actor } from "../shared/actor";
import { AppError } from "@seed/platform";
import { recordAudit } from "../audit/audit";
import { consumeEmailToken, issueEmailToken } from "../auth/email-tokens";
import { tellOwnerOfTakenAddress } from "../auth/taken-address";
import { mayMailUnsolicited } from "../auth/unsolicited-mail";
import type { OwnerProof } from "../auth/reauthentication";
import type { SessionCache } from "../sessions/session-cache";
import { confirmOwner, type OwnerConfirmationDeps, type Owner } from "./owner-confirmation";

type Deps = Pick<Dependencies, "db" | "mailer" | "usageLimiter" | "appUrl">;

/**
 * Starts moving the account to `newEmail`: nothing changes until a link sent to the new address
 * is opened. The answer is the same whether the address is free or taken, so this cannot be used
 * to find out who has an account; the owner of a taken address is told instead.
 */
export async function requestEmailChange(
  deps: Deps & OwnerConfirmationDeps,
  actor: Owner,
  input: { newEmail: string } & OwnerProof,
): Promise<{ sent: true }> {
  const user = await confirmOwner(deps, actor, input, "change your email address");
  if (user.email.toLowerCase() === input.newEmail) {
    throw new AppError("INVALID_INPUT", "This is already your address");
  }
  const taken = await deps.db.query.users.findFirst({
    where: and(eq(sql`lower(${users.email})`, input.newEmail), ne(users.id, user.id)),
    columns: { id: true },
  });
  // Counted, and past the budget sent as a decoy, either way: the count would tell otherwise.
  const decoy = !(await mayMailUnsolicited(deps, input.newEmail, "email change"));
  if (taken) {
    await tellOwnerOfTakenAddress(deps.mailer, input.newEmail, "move another account to this address", { decoy });
  } else {
    const token = await issueEmailToken(deps.db, { id: user.id, email: input.newEmail }, "change_email");
    await deps.mailer.send({
      to: input.newEmail,
      subject: "Confirm your new email address",
      text: `Open this link to make this your account's address:\n\n${deps.appUrl}/confirm-email-change?token=${token}\n\nIt works once, for 24 hours.`,
      decoy,
    });
  }
  await recordAudit(deps.db, actor, {
    action: "user.request_email_change",
    resource: "user",
    resourceId: user.id,
    after: { newEmail: input.newEmail },
  });
  return { sent: true };
}

/** Moves the account to the address the link was sent to, now proven to be the user's. */
export async function confirmEmailChange(
  deps: Deps & { sessionCache: SessionCache },
  actor: Actor,
  token: string,
): Promise<{ email: string }> {
  let userId: string;
  let previous: string;
  let email: string;
  try {
    ({ userId, previous, email } = await deps.db.transaction(async (tx) => {
      const issued = await consumeEmailToken(tx, token, "change_email");
      if (!issued) throw new AppError("INVALID_INPUT", "This link is invalid, used or expired; ask for a new one");
      const [before] = await tx
        .select({ email: users.email })
        .from(users)
        .where(eq(users.id, issued.userId))
        .for("update");
      await tx
        .update(users)
        .set({ email: issued.email, emailVerifiedAt: new Date() })
        .where(eq(users.id, issued.userId));
      await recordAudit(
        tx,
        { ...actor, userId: actor.userId ?? issued.userId },
        {
          action: "user.change_email",
          resource: "user",
          resourceId: issued.userId,
          before: { email: before!.email },
          after: { email: issued.email },
        },
      );
      return { userId: issued.userId, previous: before!.email, email: issued.email };
    }));
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("CONFLICT", "This address has been taken meanwhile");
    throw error;
  }
  await deps.sessionCache.invalidate({ userId, sessionId: null });
  await deps.mailer.send({
    to: previous,
    subject: "Your account's email address changed",
    text: `Your account now uses ${email}. If you did not ask for this, reset your password and contact support.`,
  });
  return { email };
}

import type { Dependencies } from "../dependencies";
import { users } from "@seed/db";
import { and, eq, sql } from "drizzle-orm";
import type { Actor } from "../shared/actor";
import { AppError } from "@seed/platform";
import { recordAudit } from "../audit/audit";
import { consumeEmailToken, issueEmailToken } from "./email-tokens";
import { removeFactorsOfUnconfirmedAccount } from "../mfa/unclaimed-factors";

type Deps = Pick<Dependencies, "db" | "mailer" | "appUrl">;

/** Mails the user a link that proves they read mail at their address. */
export async function sendEmailVerification(
  deps: Deps,
  userId: string,
  options: { decoy: boolean } = { decoy: false },
): Promise<{ sent: boolean }> {
  const user = await deps.db.query.users.findFirst({ where: eq(users.id, userId) });
  if (!user) throw new AppError("NOT_FOUND", "No such user");
  if (user.emailVerifiedAt) return { sent: false };
  const token = await issueEmailToken(deps.db, user, "verify_email");
  await deps.mailer.send({
    to: user.email,
    subject: "Confirm your email address",
    text: `Open this link to confirm your address:\n\n${deps.appUrl}/verify-email?token=${token}\n\nIt works once, for 24 hours. If you did not sign up, ignore this message.`,
    decoy: options.decoy,
  });
  return { sent: true };
}

/** Marks the address verified, provided it is still the account's address. */
export async function verifyEmail(deps: Pick<Deps, "db">, token: string, actor: Actor): Promise<void> {
  const verified = await deps.db.transaction(async (tx) => {
    const issued = await consumeEmailToken(tx, token, "verify_email");
    if (!issued) return false;
    const [user] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.id, issued.userId), sql`lower(${users.email}) = lower(${issued.email})`))
      .for("update");
    if (!user) return false;
    // Proof that the address's owner reads its mail, as a reset link is: factors put on the
    // account before (by whoever registered the address first) go, passkeys included.
    await removeFactorsOfUnconfirmedAccount(tx, user.id);
    await tx.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, user.id));
    await recordAudit(
      tx,
      { ...actor, userId: actor.userId ?? user.id },
      {
        action: "user.verify_email",
        resource: "user",
        resourceId: user.id,
        after: { email: issued.email },
      },
    );
    return true;
  });
  if (!verified) throw new AppError("INVALID_INPUT", "This link is invalid, used or expired; ask for a new one");
}

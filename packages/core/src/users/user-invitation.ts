import { users } from "@seed/db";
import { and, eq } from "drizzle-orm";
import { AppError, type MailTransaction } from "@seed/platform";
import type { ServiceDependencies } from "../dependencies";
import type { Actor, Principal } from "../shared/actor";
import { DEFAULT_ROLE, type RoleName } from "../access/catalog";
import { assertHoldsEveryPermissionOf } from "../access/role-assignments";
import { createAccount } from "../auth/auth-service";
import { transactionWithEvents } from "../shared/committed-events";
import { EMAIL_TOKEN_TTL_MS, issueEmailToken } from "../auth/email-tokens";
import { setPasswordByLink } from "../auth/password-reset";
import { recordAudit } from "../audit/audit";
import type { UserInvitation } from "./admin-schemas";
import { lockManagedUser } from "./managed-user";
import { isOpenInvitation } from "./open-invitation";

type InvitationDeps = ServiceDependencies<"db" | "events" | "mailer" | "appUrl">;

/**
 * Mails a new invitation link; the earlier ones stop working (see issueEmailToken). The mailer
 * writes its outbox copy in the transaction, so the mail goes only if the transaction commits.
 */
async function mailInvitation(
  deps: ServiceDependencies<"mailer" | "appUrl">,
  within: MailTransaction,
  account: { id: string; email: string },
): Promise<void> {
  const token = await issueEmailToken(within.tx, account, "invitation");
  const days = EMAIL_TOKEN_TTL_MS.invitation / (24 * 3600_000);
  await deps.mailer.send(
    {
      to: account.email,
      subject: "You have been invited",
      text: `An account was made for you. Open this link to choose your password:\n\n${deps.appUrl}/accept-invitation?token=${token}\n\nIt works once, for ${days} days. If you did not expect it, ignore this message.`,
    },
    within,
  );
}

/**
 * Creates an account for someone else, without a password, and mails them a single-use link
 * that expires (see EMAIL_TOKEN_TTL_MS) to choose one. The mail is handed to the mailer, which
 * writes its outbox copy in the account's transaction, before the account commits: an
 * invitation that could not be sent leaves no account behind, and
 * retrying it is creating the account again. Nobody hands out a role that can do more than they can.
 */
export async function inviteUser(
  deps: InvitationDeps,
  principal: Principal,
  actor: Actor,
  invitation: UserInvitation,
): Promise<{ id: string; email: string; displayName: string | null; roles: RoleName[]; createdAt: Date }> {
  const roles: RoleName[] = invitation.roles?.length ? [...new Set(invitation.roles)] : [DEFAULT_ROLE];
  for (const role of roles) assertHoldsEveryPermissionOf(principal, role);
  const displayName = invitation.displayName ?? null;
  return transactionWithEvents(deps, async (tx, emit) => {
    const account = await createAccount(tx, emit, actor, { email: invitation.email, password: null, roles });
    if (displayName !== null) await tx.update(users).set({ displayName }).where(eq(users.id, account.id));
    await mailInvitation(deps, { tx, emit }, account);
    return { ...account, displayName, roles };
  });
}

/**
 * Mails an invited account a new link, for when the first expired or was lost; the earlier link
 * stops working. Only an account whose invitation is still open (`isOpenInvitation`) is sent
 * one, and, as with inviting, only by someone who holds every permission the account holds.
 */
export async function resendInvitation(
  deps: ServiceDependencies<"db" | "events" | "mailer" | "appUrl">,
  principal: Principal,
  actor: Actor,
  userId: string,
): Promise<{ id: string; email: string }> {
  return transactionWithEvents(deps, async (tx, emit) => {
    const user = await lockManagedUser(tx, principal, actor, userId, "re-invite");
    if (user.disabledAt) throw new AppError("CONFLICT", "A disabled account cannot be sent an invitation");
    const [open] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.id, userId), isOpenInvitation()));
    if (!open) throw new AppError("CONFLICT", "This account has already been set up");
    await mailInvitation(deps, { tx, emit }, user);
    await recordAudit(tx, actor, { action: "user.resend_invitation", resource: "user", resourceId: userId });
    return { id: user.id, email: user.email };
  });
}

/**
 * Sets the password of an invited account with its link, as a reset link does: the link is
 * used up and the address is confirmed by it.
 */
export async function acceptInvitation(
  deps: ServiceDependencies<"db" | "mailer" | "appUrl" | "events" | "sessionCache">,
  input: { token: string; password: string },
  actor: Actor,
): Promise<void> {
  await setPasswordByLink(deps, input, actor, {
    purpose: "invitation",
    auditAction: "user.accept_invitation",
    revocationReason: "invitation_accepted",
  });
}

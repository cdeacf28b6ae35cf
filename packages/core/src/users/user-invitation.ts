import { users } from "@seed/db";
import { eq } from "drizzle-orm";
import type { ServiceDependencies } from "../dependencies";
import type { Actor, Principal } from "../shared/actor";
import { DEFAULT_ROLE, type RoleName } from "../access/catalog";
import { assertHoldsEveryPermissionOf } from "../access/role-assignments";
import { createAccount } from "../auth/auth-service";
import { transactionWithEvents } from "../shared/committed-events";
import { EMAIL_TOKEN_TTL_MS, issueEmailToken } from "../auth/email-tokens";
import { setPasswordByLink } from "../auth/password-reset";
import type { UserInvitation } from "./admin-schemas";

type InvitationDeps = ServiceDependencies<"db" | "events" | "mailer" | "appUrl">;

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
    const token = await issueEmailToken(tx, account, "invitation");
    const days = EMAIL_TOKEN_TTL_MS.invitation / (24 * 3600_000);
    await deps.mailer.send(
      {
        to: account.email,
        subject: "You have been invited",
        text: `An account was made for you. Open this link to choose your password:\n\n${deps.appUrl}/accept-invitation?token=${token}\n\nIt works once, for ${days} days. If you did not expect it, ignore this message.`,
      },
      tx,
    );
    return { ...account, displayName, roles };
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

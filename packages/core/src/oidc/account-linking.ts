import { isUniqueViolation, oauthAccounts, refreshSessions, users, type Database, type Transaction } from "@seed/db";
import { and, eq, sql } from "drizzle-orm";
import type { Actor } from "../shared/actor";
import { DEFAULT_ROLE } from "../access/catalog";
import { AppError, type EventBus, type Logger } from "@seed/platform";
import { recordAudit } from "../audit/audit";
import { createAccount } from "../auth/auth-service";
import { transactionWithEvents, type Emit } from "../shared/committed-events";
import { removeFactorsOfUnconfirmedAccount } from "../mfa/unclaimed-factors";
import { revokeSessionsWhere, type RevokedSession } from "../sessions/session-revocation";
import type { ProviderIdentity } from "./identity";

type Account = { id: string; email: string; createdAt: Date };

export type AccountResolution =
  | { outcome: "signed-in"; user: Account }
  | { outcome: "linked" | "created"; user: Account; revokedSessions: RevokedSession[] }
  | { outcome: "email-not-verified" };

/**
 * The local account an identity signs in to: the one it is linked to; else, only when the
 * provider vouches for the email, the account with that email (linked now) or a new one.
 * `issuer` names the provider, so renaming it in the configuration keeps its links.
 */
export async function resolveAccount(
  deps: { db: Database; events: EventBus; log: Logger },
  actor: Actor,
  issuer: string,
  identity: ProviderIdentity,
): Promise<AccountResolution> {
  const resolve = () =>
    transactionWithEvents(deps, (tx, emit) => resolveInTransaction(tx, emit, actor, issuer, identity));
  try {
    return await resolve();
  } catch (error) {
    // Two first sign-ins of one identity (or one racing a registration of the email) collide on
    // a unique key; the loser runs again and finds what the winner made.
    const collided = isUniqueViolation(error) || (error instanceof AppError && error.code === "CONFLICT");
    if (!collided) throw error;
    return resolve();
  }
}

async function resolveInTransaction(
  tx: Transaction,
  emit: Emit,
  actor: Actor,
  issuer: string,
  identity: ProviderIdentity,
): Promise<AccountResolution> {
  const [linked] = await tx
    .select({ id: users.id, email: users.email, createdAt: users.createdAt })
    .from(oauthAccounts)
    .innerJoin(users, eq(users.id, oauthAccounts.userId))
    .where(and(eq(oauthAccounts.provider, issuer), eq(oauthAccounts.subject, identity.subject)));
  if (linked) return { outcome: "signed-in", user: linked };
  if (!identity.emailVerified) return { outcome: "email-not-verified" };

  const existing = await tx.query.users.findFirst({
    where: sql`lower(${users.email}) = ${identity.email}`,
    columns: { id: true, email: true, createdAt: true, emailVerifiedAt: true },
  });
  const user = existing
    ? { id: existing.id, email: existing.email, createdAt: existing.createdAt }
    : await createAccount(tx, emit, actor, { email: identity.email, password: null, roles: [DEFAULT_ROLE] });
  // An address confirmed through our own mail, or already linked, was claimed by its owner.
  const claimsPasswordAccount =
    existing !== undefined && existing.emailVerifiedAt === null && !(await hasLinkedIdentity(tx, existing.id));
  const revokedSessions = claimsPasswordAccount ? await endPasswordAccess(tx, actor, existing.id) : [];
  // The provider vouched for the address.
  await tx
    .update(users)
    .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())` })
    .where(eq(users.id, user.id));

  const [link] = await tx
    .insert(oauthAccounts)
    .values({ userId: user.id, provider: issuer, subject: identity.subject, email: identity.email })
    .returning({ id: oauthAccounts.id });
  await recordAudit(
    tx,
    { ...actor, userId: user.id },
    {
      action: "oauth_account.link",
      resource: "oauth_account",
      resourceId: link!.id,
      after: {
        userId: user.id,
        provider: issuer,
        subject: identity.subject,
        email: identity.email,
        account: existing ? "existing" : "created",
        passwordDisabled: claimsPasswordAccount,
        revokedSessions: revokedSessions.length,
      },
    },
  );
  return { outcome: existing ? "linked" : "created", user, revokedSessions };
}

async function hasLinkedIdentity(tx: Transaction, userId: string): Promise<boolean> {
  const link = await tx.query.oauthAccounts.findFirst({
    where: eq(oauthAccounts.userId, userId),
    columns: { id: true },
  });
  return link !== undefined;
}

/**
 * The address of this password account was never confirmed, so whoever registered it first may
 * not be its owner, and may be waiting for the owner to move in (account pre-hijacking). Now
 * that the provider has proven who owns the address, the password and the sessions set up
 * before are ended; the owner signs in through the provider, or resets the password by mail.
 */
async function endPasswordAccess(tx: Transaction, actor: Actor, userId: string): Promise<RevokedSession[]> {
  await removeFactorsOfUnconfirmedAccount(tx, userId);
  await tx.update(users).set({ passwordHash: null }).where(eq(users.id, userId));
  return revokeSessionsWhere(
    tx,
    { ...actor, userId },
    eq(refreshSessions.userId, userId),
    "address_claimed_by_provider",
  );
}

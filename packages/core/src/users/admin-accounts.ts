import { userRoles, users, type Database, type Transaction } from "@seed/db";
import { sql } from "drizzle-orm";
import type { Actor } from "../shared/actor";
import { ADMIN_ROLE } from "../access/catalog";
import { AppError, type EventBus, type Logger } from "@seed/platform";
import { announceAccessChange, recordAccessChange } from "../access/access";
import { createAccount } from "../auth/auth-service";
import { recordSecurityEvent } from "../audit/security-events";
import type { SessionInvalidator } from "../sessions/session-cache";

export type MakeAdminOutcome = "created" | "promoted" | "already-admin";

/** The account of an email address, compared as accounts are (case does not matter). */
export async function findUserByEmail(
  db: Database | Transaction,
  email: string,
): Promise<{ id: string; email: string } | null> {
  const user = await db.query.users.findFirst({
    where: sql`lower(${users.email}) = ${email.trim().toLowerCase()}`,
    columns: { id: true, email: true },
  });
  return user ?? null;
}

/**
 * Makes `email` an administrator, for an operator at the console: an existing account gets the
 * admin role; a new one is created with `password`, which is then required.
 */
export type AdminPromotionDeps = { db: Database; log: Logger; events: EventBus; sessionCache: SessionInvalidator };

/**
 * After a promotion has committed: the account may be signed in on a running instance, which
 * remembers its old access, and a new admin is a security event.
 */
export async function announcePromotion(deps: AdminPromotionDeps, actor: Actor, userId: string): Promise<void> {
  await announceAccessChange(deps, userId);
  await recordSecurityEvent(deps, actor, "role_changed", { targetUserId: userId, added: ADMIN_ROLE });
}

export async function makeAdmin(
  deps: AdminPromotionDeps,
  actor: Actor,
  account: { email: string; password: string | null },
): Promise<MakeAdminOutcome> {
  const change = await deps.db.transaction(async (tx): Promise<{ outcome: MakeAdminOutcome; promoted?: string }> => {
    const existing = await findUserByEmail(tx, account.email);
    if (!existing) {
      if (account.password === null) throw new AppError("INVALID_INPUT", "A new account needs a password");
      await createAccount(tx, actor, { email: account.email, password: account.password, roles: [ADMIN_ROLE] });
      return { outcome: "created" };
    }
    const inserted = await tx
      .insert(userRoles)
      .values({ userId: existing.id, roleName: ADMIN_ROLE })
      .onConflictDoNothing()
      .returning({ userId: userRoles.userId });
    if (inserted.length === 0) return { outcome: "already-admin" };
    await recordAccessChange(tx, actor, existing.id, { action: "role.assign", after: { role: ADMIN_ROLE } });
    return { outcome: "promoted", promoted: existing.id };
  });
  if (change.promoted) await announcePromotion(deps, actor, change.promoted);
  return change.outcome;
}

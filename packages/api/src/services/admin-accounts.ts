import { userRoles, users, type Database, type Transaction } from "@seed/db";
import { sql } from "drizzle-orm";
import type { Actor } from "../actor";
import { ADMIN_ROLE } from "../authorization";
import { AppError } from "../errors";
import { recordAccessChange } from "./access";
import { createAccount } from "./auth";

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
export async function makeAdmin(
  db: Database,
  actor: Actor,
  account: { email: string; password: string | null },
): Promise<MakeAdminOutcome> {
  return db.transaction(async (tx) => {
    const existing = await findUserByEmail(tx, account.email);
    if (!existing) {
      if (account.password === null) throw new AppError("INVALID_INPUT", "A new account needs a password");
      await createAccount(tx, actor, { email: account.email, password: account.password, roles: [ADMIN_ROLE] });
      return "created";
    }
    const promoted = await tx
      .insert(userRoles)
      .values({ userId: existing.id, roleName: ADMIN_ROLE })
      .onConflictDoNothing()
      .returning({ userId: userRoles.userId });
    if (promoted.length === 0) return "already-admin";
    await recordAccessChange(tx, actor, existing.id, { action: "role.assign", after: { role: ADMIN_ROLE } });
    return "promoted";
  });
}

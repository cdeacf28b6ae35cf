import { userRoles, users } from "@seed/db";
import { eq, sql } from "drizzle-orm";
import { systemActor } from "../shared/actor";
import { ADMIN_ROLE } from "../access/catalog";
import { recordAccessChange } from "../access/access";
import { announcePromotion, type AdminPromotionDeps } from "./admin-accounts";
import { createAccount } from "../auth/auth-service";
import { transactionWithEvents } from "../shared/committed-events";
import { verifyPassword } from "../auth/passwords";

const FIRST_ADMIN_LOCK_ID = 0x5eed_ad;

export type FirstAdminOutcome = "already-present" | "created" | "promoted" | "not-configured";
type FirstAdminChange = { outcome: FirstAdminOutcome; promoted?: string };

/**
 * Makes sure someone can administer a new installation. When no admin exists yet, the account of
 * ADMIN_EMAIL becomes one: created with ADMIN_PASSWORD, or, if it already exists, promoted only
 * when ADMIN_PASSWORD is its password — otherwise whoever registered that address first would
 * be handed the platform.
 */
export async function ensureFirstAdmin(
  deps: AdminPromotionDeps,
  credentials: { email: string; password: string } | null,
): Promise<FirstAdminOutcome> {
  const change = await transactionWithEvents(deps, async (tx, emit): Promise<FirstAdminChange> => {
    await tx.execute(sql`select pg_advisory_xact_lock(${FIRST_ADMIN_LOCK_ID})`);
    const admin = await tx.query.userRoles.findFirst({ where: eq(userRoles.roleName, ADMIN_ROLE) });
    if (admin) return { outcome: "already-present" };
    if (!credentials) return { outcome: "not-configured" };

    const email = credentials.email.trim().toLowerCase();
    const existing = await tx.query.users.findFirst({ where: sql`lower(${users.email}) = ${email}` });
    if (!existing) {
      await createAccount(tx, emit, systemActor, { email, password: credentials.password, roles: [ADMIN_ROLE] });
      return { outcome: "created" };
    }
    if (!(await verifyPassword(existing.passwordHash, credentials.password))) {
      throw new Error("ADMIN_EMAIL belongs to an existing account and ADMIN_PASSWORD is not its password");
    }
    await tx.insert(userRoles).values({ userId: existing.id, roleName: ADMIN_ROLE });
    await recordAccessChange(tx, systemActor, existing.id, { action: "role.assign", after: { role: ADMIN_ROLE } });
    return { outcome: "promoted", promoted: existing.id };
  });
  if (change.promoted) await announcePromotion(deps, systemActor, change.promoted);
  const { outcome } = change;
  if (outcome === "not-configured") {
    deps.log.warn("no admin exists yet: set ADMIN_EMAIL and ADMIN_PASSWORD to create the first one");
  } else if (outcome !== "already-present") {
    deps.log.info({ outcome }, "first admin ready");
  }
  return outcome;
}

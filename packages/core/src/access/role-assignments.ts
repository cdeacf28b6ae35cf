import type { ServiceDependencies } from "../dependencies";
import { userRoles, users, type Transaction } from "@seed/db";
import { and, eq } from "drizzle-orm";
import type { Actor, Principal } from "../shared/actor";
import { ADMIN_ROLE, roleCatalog, type RoleName } from "./catalog";
import { AppError } from "@seed/platform";
import { announceAccessChange, recordAccessChange } from "./access";
import { rolesOf } from "../auth/auth-service";
import { recordSecurityEvent } from "../audit/security-events";
import { assertUserExists } from "../users/user-directory";

type Deps = ServiceDependencies<"db" | "events" | "sessionCache">;
type RoleChange = { userId: string; role: RoleName };

/** Nobody hands out, or takes away, a role that can do more than they can. */
export function assertHoldsEveryPermissionOf(principal: Principal, role: RoleName): void {
  const missing = roleCatalog[role].permissions.filter((permission) => !principal.permissions.has(permission));
  if (missing.length > 0) {
    throw new AppError("FORBIDDEN", `You cannot manage the ${role} role: it grants permissions you do not hold`);
  }
}

/**
 * The frame of both role changes: checks, then the change with its audit row in one
 * transaction, then a security event if anything changed. Resolves with the user's roles.
 */
async function changeRole(
  deps: Deps,
  principal: Principal,
  actor: Actor,
  input: RoleChange,
  kind: "assign" | "remove",
  apply: (tx: Transaction) => Promise<boolean>,
): Promise<RoleName[]> {
  assertHoldsEveryPermissionOf(principal, input.role);
  await assertUserExists(deps.db, input.userId);
  const changed = await deps.db.transaction(async (tx) => {
    if (!(await apply(tx))) return false;
    const role = { role: input.role };
    await recordAccessChange(tx, actor, input.userId, {
      action: `role.${kind}`,
      ...(kind === "assign" ? { after: role } : { before: role }),
    });
    return true;
  });
  if (changed) {
    await announceAccessChange(deps, input.userId);
    await recordSecurityEvent(deps, actor, "role_changed", {
      targetUserId: input.userId,
      [kind === "assign" ? "added" : "removed"]: input.role,
    });
  }
  return rolesOf(deps.db, input.userId);
}

export function assignRole(deps: Deps, principal: Principal, actor: Actor, input: RoleChange): Promise<RoleName[]> {
  return changeRole(deps, principal, actor, input, "assign", async (tx) => {
    const inserted = await tx
      .insert(userRoles)
      .values({ userId: input.userId, roleName: input.role, grantedBy: actor.userId })
      .onConflictDoNothing()
      .returning();
    return inserted.length > 0;
  });
}

export function removeRole(deps: Deps, principal: Principal, actor: Actor, input: RoleChange): Promise<RoleName[]> {
  return changeRole(deps, principal, actor, input, "remove", async (tx) => {
    if (input.role === ADMIN_ROLE) await assertNotLastAdmin(tx, input.userId);
    const deleted = await tx
      .delete(userRoles)
      .where(and(eq(userRoles.userId, input.userId), eq(userRoles.roleName, input.role)))
      .returning();
    return deleted.length > 0;
  });
}

/**
 * Refuses to let the last admin go: the last holder of the admin role whose account is enabled
 * keeps the role, the account and the access. Locking every admin row makes two concurrent
 * changes take turns, so they cannot each see "another admin remains" and together remove the last two.
 */
export async function assertNotLastAdmin(tx: Transaction, userId: string): Promise<void> {
  const admins = await tx
    .select({ userId: userRoles.userId, disabledAt: users.disabledAt })
    .from(userRoles)
    .innerJoin(users, eq(users.id, userRoles.userId))
    .where(eq(userRoles.roleName, ADMIN_ROLE))
    // In one order for everyone, so that two changes lock the admins in turn rather than crosswise.
    .orderBy(userRoles.userId)
    .for("update");
  const enabledAdmins = admins.filter((admin) => admin.disabledAt === null);
  if (enabledAdmins.length <= 1 && enabledAdmins.some((admin) => admin.userId === userId)) {
    throw new AppError("CONFLICT", "The last admin cannot be removed");
  }
}

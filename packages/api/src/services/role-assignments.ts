import { userRoles, type Database } from "@seed/db";
import { and, eq } from "drizzle-orm";
import type { Actor, Principal } from "../actor";
import { ADMIN_ROLE, roleCatalog, type RoleName } from "../authorization";
import { AppError } from "../errors";
import type { Logger } from "../logger";
import { bumpAccessVersion } from "./access";
import { recordAudit } from "./audit";
import { rolesOf } from "./auth";
import { assertUserExists } from "./user-directory";
import { recordSecurityEvent } from "./security-events";

type Deps = { db: Database; log: Logger };

/** Nobody hands out, or takes away, a role that can do more than they can. */
function assertHoldsEveryPermissionOf(principal: Principal, role: RoleName): void {
  const missing = roleCatalog[role].permissions.filter((permission) => !principal.permissions.has(permission));
  if (missing.length > 0) {
    throw new AppError("FORBIDDEN", `You cannot manage the ${role} role: it grants permissions you do not hold`);
  }
}

export async function assignRole(
  deps: Deps,
  principal: Principal,
  actor: Actor,
  input: { userId: string; role: RoleName },
): Promise<RoleName[]> {
  assertHoldsEveryPermissionOf(principal, input.role);
  await assertUserExists(deps.db, input.userId);
  const assigned = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(userRoles)
      .values({ userId: input.userId, roleName: input.role, grantedBy: principal.id })
      .onConflictDoNothing()
      .returning();
    if (!row) return false;
    await bumpAccessVersion(tx, input.userId);
    await recordAudit(tx, actor, {
      action: "role.assign",
      resource: "user",
      resourceId: input.userId,
      after: { role: input.role },
    });
    return true;
  });
  if (assigned) {
    await recordSecurityEvent(deps, actor, "role_changed", { targetUserId: input.userId, added: input.role });
  }
  return rolesOf(deps.db, input.userId);
}

export async function removeRole(
  deps: Deps,
  principal: Principal,
  actor: Actor,
  input: { userId: string; role: RoleName },
): Promise<RoleName[]> {
  assertHoldsEveryPermissionOf(principal, input.role);
  await assertUserExists(deps.db, input.userId);
  const removed = await deps.db.transaction(async (tx) => {
    if (input.role === ADMIN_ROLE) {
      // Locking every admin row makes two concurrent demotions take turns, so they cannot
      // each see "another admin remains" and together remove the last two.
      const admins = await tx
        .select({ userId: userRoles.userId })
        .from(userRoles)
        .where(eq(userRoles.roleName, ADMIN_ROLE))
        .for("update");
      if (admins.length <= 1 && admins.some((admin) => admin.userId === input.userId)) {
        throw new AppError("CONFLICT", "The last admin cannot be removed");
      }
    }
    const [row] = await tx
      .delete(userRoles)
      .where(and(eq(userRoles.userId, input.userId), eq(userRoles.roleName, input.role)))
      .returning();
    if (!row) return false;
    await bumpAccessVersion(tx, input.userId);
    await recordAudit(tx, actor, {
      action: "role.remove",
      resource: "user",
      resourceId: input.userId,
      before: { role: input.role },
    });
    return true;
  });
  if (removed) {
    await recordSecurityEvent(deps, actor, "role_changed", { targetUserId: input.userId, removed: input.role });
  }
  return rolesOf(deps.db, input.userId);
}

import type { ServiceDependencies } from "../dependencies";
import { userPermissions } from "@seed/db";
import { and, eq } from "drizzle-orm";
import type { Actor, Principal } from "../shared/actor";
import type { Permission } from "./catalog";
import { AppError } from "@seed/platform";
import { announceAccessChange, recordAccessChange } from "./access";
import { recordSecurityEvent } from "../audit/security-events";
import { assertUserExists } from "../users/user-directory";

type Deps = ServiceDependencies<"db" | "events" | "sessionCache">;

function assertHolds(principal: Principal, permission: Permission): void {
  if (!principal.permissions.has(permission)) {
    throw new AppError("FORBIDDEN", `You cannot grant or revoke ${permission}: you do not hold it`);
  }
}

/** Grants one permission to one user, for good or until `expiresAt`; granting again replaces the terms. */
export async function grantPermission(
  deps: Deps,
  principal: Principal,
  actor: Actor,
  input: { userId: string; permission: Permission; expiresAt?: Date | undefined; reason: string },
) {
  assertHolds(principal, input.permission);
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new AppError("INVALID_INPUT", "expiresAt must be in the future");
  }
  await assertUserExists(deps.db, input.userId);
  const grant = await deps.db.transaction(async (tx) => {
    const previous = await tx.query.userPermissions.findFirst({
      where: and(eq(userPermissions.userId, input.userId), eq(userPermissions.permissionName, input.permission)),
    });
    const terms = { expiresAt: input.expiresAt ?? null, reason: input.reason, grantedBy: actor.userId };
    const [row] = await tx
      .insert(userPermissions)
      .values({ userId: input.userId, permissionName: input.permission, ...terms })
      .onConflictDoUpdate({ target: [userPermissions.userId, userPermissions.permissionName], set: terms })
      .returning();
    await recordAccessChange(tx, actor, input.userId, {
      action: "permission.grant",
      before: previous
        ? { permission: previous.permissionName, expiresAt: previous.expiresAt, reason: previous.reason }
        : null,
      after: { permission: row!.permissionName, expiresAt: row!.expiresAt, reason: row!.reason },
    });
    return row!;
  });
  await announceAccessChange(deps, input.userId);
  await recordSecurityEvent(deps, actor, "permission_changed", {
    targetUserId: input.userId,
    granted: input.permission,
    expiresAt: input.expiresAt?.toISOString() ?? null,
  });
  return grant;
}

export async function revokePermission(
  deps: Deps,
  principal: Principal,
  actor: Actor,
  input: { userId: string; permission: Permission },
): Promise<void> {
  assertHolds(principal, input.permission);
  const revoked = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(userPermissions)
      .where(and(eq(userPermissions.userId, input.userId), eq(userPermissions.permissionName, input.permission)))
      .returning();
    if (!row) return null;
    await recordAccessChange(tx, actor, input.userId, {
      action: "permission.revoke",
      before: { permission: row.permissionName, expiresAt: row.expiresAt, reason: row.reason },
    });
    return row;
  });
  if (!revoked) throw new AppError("NOT_FOUND", "That user does not hold this permission directly");
  await announceAccessChange(deps, input.userId);
  await recordSecurityEvent(deps, actor, "permission_changed", {
    targetUserId: input.userId,
    revoked: input.permission,
  });
}

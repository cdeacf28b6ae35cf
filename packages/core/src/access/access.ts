import { createHash } from "node:crypto";
import { rolePermissions, userPermissions, userRoles, users, type Database, type Transaction } from "@seed/db";
import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Actor, Principal } from "../shared/actor";
import { isPermission, isRoleName, roleCatalog, type Permission, type RoleName } from "./catalog";
import {
  AppError,
  type EventBus,
  PERMISSION_CACHE_TTL_MS,
  type PermissionCache,
  type ResolvedAccess,
} from "@seed/platform";
import { accessChangesChannel, type AccessChange } from "./access-events";
import { recordAudit, type AuditRecord } from "../audit/audit";
import type { SessionInvalidator } from "../sessions/session-cache";

// Part of every cache key: a deploy that changes what a role grants never reads old entries.
const CATALOG_VERSION = createHash("sha256").update(JSON.stringify(roleCatalog)).digest("hex").slice(0, 12);

export interface Access {
  roles: readonly RoleName[];
  permissions: ReadonlySet<Permission>;
}

/** Roles and permissions of a user now: from their roles, plus direct grants that have not expired. */
export async function loadAccess(db: Database | Transaction, userId: string): Promise<ResolvedAccess> {
  const now = new Date();
  const [fromRoles, grants] = await Promise.all([
    db
      .select({ role: userRoles.roleName, permission: rolePermissions.permissionName })
      .from(userRoles)
      .leftJoin(rolePermissions, eq(rolePermissions.roleName, userRoles.roleName))
      .where(eq(userRoles.userId, userId)),
    db
      .select({ permission: userPermissions.permissionName, expiresAt: userPermissions.expiresAt })
      .from(userPermissions)
      .where(
        and(
          eq(userPermissions.userId, userId),
          or(isNull(userPermissions.expiresAt), gt(userPermissions.expiresAt, now)),
        ),
      ),
  ]);
  const expiries = grants.flatMap((grant) => (grant.expiresAt ? [grant.expiresAt.getTime()] : []));
  return {
    roles: [...new Set(fromRoles.map((row) => row.role))].sort(),
    permissions: [
      ...new Set([
        ...fromRoles.flatMap((row) => (row.permission ? [row.permission] : [])),
        ...grants.map((g) => g.permission),
      ]),
    ].sort(),
    changesAt: expiries.length > 0 ? Math.min(...expiries) : null,
  };
}

/**
 * Nobody acts on an account that can do more than they can: else a holder of one narrow
 * permission over other accounts (`user:delete`, `session:revoke:any`) could use it on the admins.
 */
export async function assertHoldsEveryPermissionOfUser(
  tx: Transaction,
  principal: Principal,
  userId: string,
  action: string,
): Promise<void> {
  const target = await loadAccess(tx, userId);
  // A permission the catalog no longer knows is held by nobody, so it cannot be lacked.
  if (target.permissions.some((permission) => isPermission(permission) && !principal.permissions.has(permission))) {
    throw new AppError("FORBIDDEN", `You cannot ${action} an account that holds permissions you do not hold`);
  }
}

/**
 * What a user may do now, read past the cache: for checks that must see a change at once. With
 * it, when that changes by itself (the earliest expiry of a temporary grant), or null.
 */
export async function currentAccess(
  db: Database,
  userId: string,
): Promise<{ access: Access; changesAt: number | null }> {
  const resolved = await loadAccess(db, userId);
  return { access: accessOf(resolved), changesAt: resolved.changesAt };
}

// A cached entry is the same object on every request of its user: its sets are made once.
const accessOfEntry = new WeakMap<ResolvedAccess, Access>();

function accessOf(resolved: ResolvedAccess): Access {
  let access = accessOfEntry.get(resolved);
  if (!access) {
    access = {
      roles: Object.freeze(resolved.roles.filter(isRoleName)),
      permissions: new Set(resolved.permissions.filter(isPermission)),
    };
    accessOfEntry.set(resolved, access);
  }
  return access;
}

/**
 * What a user may do, for this request. Served from the cache when it holds an entry for the
 * user's current access version; a cache that fails is skipped, never trusted.
 */
export async function resolveAccess(
  deps: { db: Database; permissionCache: PermissionCache },
  userId: string,
  accessVersion: number,
): Promise<Access> {
  const key = `${userId}:${accessVersion}:${CATALOG_VERSION}`;
  let resolved = await deps.permissionCache.get(key).catch(() => null);
  if (!resolved || (resolved.changesAt !== null && resolved.changesAt <= Date.now())) {
    resolved = await loadAccess(deps.db, userId);
    const ttl = Math.min(PERMISSION_CACHE_TTL_MS, (resolved.changesAt ?? Infinity) - Date.now());
    if (ttl > 0) await deps.permissionCache.set(key, resolved, ttl).catch(() => {});
  }
  return accessOf(resolved);
}

/**
 * Call in the transaction of any change to a user's roles or grants: it audits the change and
 * bumps the user's access version, so that cached permissions are not read again.
 */
export async function recordAccessChange(
  tx: Database | Transaction,
  actor: Actor,
  userId: string,
  change: Omit<AuditRecord, "resource" | "resourceId">,
): Promise<void> {
  await tx
    .update(users)
    .set({ accessVersion: sql`${users.accessVersion} + 1` })
    .where(eq(users.id, userId));
  await recordAudit(tx, actor, { ...change, resource: "user", resourceId: userId });
}

/**
 * Tells every instance, and the user's open subscriptions, once a change of their roles or
 * grants has committed: the access version each instance remembered is read again, and each
 * subscription checks again whether it may go on.
 */
export async function announceAccessChange(
  deps: { events: EventBus; sessionCache: SessionInvalidator },
  userId: string,
): Promise<void> {
  await deps.sessionCache.invalidate({ userId, sessionId: null });
  const change: AccessChange = { type: "access.changed", at: new Date() };
  await deps.events.publish(accessChangesChannel(userId), change);
}

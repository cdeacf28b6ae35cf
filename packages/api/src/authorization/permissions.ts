import type { UserRole } from "@seed/db";

export const permissions = [
  "user:read:any",
  "user:manage",
  "product:create",
  "product:update",
  "product:delete",
  "order:create",
  "order:read:any",
  "order:update:any",
] as const;

export type Permission = (typeof permissions)[number];

/** What each role may do. The one place a role gains or loses a permission. */
export const rolePermissions: Record<UserRole, ReadonlySet<Permission>> = {
  admin: new Set(permissions),
  manager: new Set(["product:create", "product:update", "order:read:any", "order:create"]),
  customer: new Set(["order:create"]),
};

export function roleHasPermission(role: UserRole, permission: Permission): boolean {
  return rolePermissions[role].has(permission);
}

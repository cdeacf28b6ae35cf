/**
 * Every permission and role of the system, declared once. `syncAuthorizationCatalog` writes it to
 * the database at start-up; a permission is `resource:action`, and `:any` means "anyone's", not
 * only the caller's own.
 */
export const permissionCatalog = {
  "user:read:any": "See any user's account, roles and permissions",
  "user:create": "Create accounts, which their owners finish by choosing a password from a mailed link",
  "user:disable": "Disable accounts, ending their sessions, and enable them again",
  "user:delete": "Delete anyone's account, as its owner can",
  "user:mfa:reset": "Remove a user's authenticator and recovery codes",
  "session:revoke:any": "Sign any user out of their sessions",
  "api_key:read:any": "See anyone's API keys (never their secrets)",
  "api_key:revoke:any": "Revoke anyone's API keys",
  "role:assign": "Give roles to users and take them away",
  "permission:grant": "Grant individual permissions, possibly for a limited time, and revoke them",
  "audit:read": "Read the audit trail",
  "security_event:read": "Read security events",
  "job:manage": "See background jobs that failed for good, and retry them",
  "webhook:manage": "Register webhook endpoints, see their deliveries and redeliver them",
  "product:create": "Create products",
  "product:update": "Update products",
  "product:delete": "Delete products",
  "product:restore": "Restore deleted products",
  "order:create": "Place orders",
  "order:read:any": "See anyone's orders",
  "order:update:any": "Change the status of anyone's orders",
} as const;

export type Permission = keyof typeof permissionCatalog;

export const allPermissions = Object.keys(permissionCatalog) as Permission[];

export const roleCatalog = {
  admin: {
    description: "Runs the platform: every permission",
    permissions: allPermissions,
  },
  manager: {
    description: "Runs the shop: products and everyone's orders",
    permissions: [
      "user:read:any",
      "product:create",
      "product:update",
      "product:delete",
      "order:create",
      "order:read:any",
      "order:update:any",
    ],
  },
  customer: {
    description: "Shops: places orders and sees their own",
    permissions: ["order:create"],
  },
} as const satisfies Record<string, { description: string; permissions: readonly Permission[] }>;

export type RoleName = keyof typeof roleCatalog;

export const roleNames = Object.keys(roleCatalog) as RoleName[];

/** The role every new account starts with. */
export const DEFAULT_ROLE: RoleName = "customer";

/** The role that must always have at least one holder. */
export const ADMIN_ROLE: RoleName = "admin";

export function isPermission(name: string): name is Permission {
  return Object.hasOwn(permissionCatalog, name);
}

export function isRoleName(name: string): name is RoleName {
  return Object.hasOwn(roleCatalog, name);
}

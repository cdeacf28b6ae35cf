export {
  ADMIN_ROLE,
  DEFAULT_ROLE,
  allPermissions,
  isPermission,
  isRoleName,
  permissionCatalog,
  roleCatalog,
  roleNames,
} from "./catalog";
export type { Permission, RoleName } from "./catalog";
export type { PermissionCache, ResolvedAccess } from "./permission-cache";
export { PERMISSION_CACHE_TTL_MS } from "./permission-cache";
export { createInProcessPermissionCache } from "./permission-cache-in-process";
export { createRedisPermissionCache } from "./permission-cache-redis";

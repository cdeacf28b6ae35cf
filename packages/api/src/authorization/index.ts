export { permissions, rolePermissions, roleHasPermission } from "./permissions";
export type { Permission } from "./permissions";

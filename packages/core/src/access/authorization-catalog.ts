import { permissions, rolePermissions, roles, type Database } from "@seed/db";
import { notInArray, inArray, sql } from "drizzle-orm";
import { allPermissions, permissionCatalog, roleCatalog, roleNames } from "./catalog";

// Serialises instances that start at the same moment; any constant shared by all of them works.
const CATALOG_LOCK_ID = 0x5eed_ca7;

/**
 * Makes the database's roles and permissions exactly those of the catalog in code. Safe to run on
 * every start: the result is the same however often, and concurrent instances take turns.
 */
export async function syncAuthorizationCatalog(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${CATALOG_LOCK_ID})`);
    await tx
      .insert(permissions)
      .values(allPermissions.map((name) => ({ name, description: permissionCatalog[name] })))
      .onConflictDoUpdate({ target: permissions.name, set: { description: sql`excluded.description` } });
    await tx.delete(permissions).where(notInArray(permissions.name, allPermissions));
    await tx
      .insert(roles)
      .values(roleNames.map((name) => ({ name, description: roleCatalog[name].description })))
      .onConflictDoUpdate({ target: roles.name, set: { description: sql`excluded.description` } });
    await tx.delete(roles).where(notInArray(roles.name, roleNames));
    await tx.delete(rolePermissions).where(inArray(rolePermissions.roleName, roleNames));
    await tx
      .insert(rolePermissions)
      .values(
        roleNames.flatMap((roleName) =>
          roleCatalog[roleName].permissions.map((permissionName) => ({ roleName, permissionName })),
        ),
      );
  });
}

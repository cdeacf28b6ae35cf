import { index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

/** Roles and permissions are named (`admin`, `product:create`); their catalog is declared in code. */
export const roles = pgTable("roles", {
  name: text("name").primaryKey(),
  description: text("description").notNull(),
});

export const permissions = pgTable("permissions", {
  name: text("name").primaryKey(),
  description: text("description").notNull(),
});

export const rolePermissions = pgTable(
  "role_permissions",
  {
    roleName: text("role_name")
      .notNull()
      .references(() => roles.name, { onDelete: "cascade" }),
    permissionName: text("permission_name")
      .notNull()
      .references(() => permissions.name, { onDelete: "cascade" }),
  },
  (table) => [primaryKey({ columns: [table.roleName, table.permissionName] })],
);

export const userRoles = pgTable(
  "user_roles",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    roleName: text("role_name")
      .notNull()
      .references(() => roles.name, { onDelete: "cascade" }),
    grantedBy: uuid("granted_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.roleName] }), index("user_roles_role_idx").on(table.roleName)],
);

/** A permission held by one user directly, for a reason, and possibly only until `expiresAt`. */
export const userPermissions = pgTable(
  "user_permissions",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    permissionName: text("permission_name")
      .notNull()
      .references(() => permissions.name, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    grantedBy: uuid("granted_by").references(() => users.id, { onDelete: "set null" }),
    reason: text("reason").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.permissionName] })],
);

export type UserPermission = typeof userPermissions.$inferSelect;

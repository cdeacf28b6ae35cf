import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * One row per change, written in the transaction of the change. Append-only: a trigger (see the
 * migration) refuses UPDATE, DELETE and TRUNCATE. `actor_id` has no foreign key on purpose: the
 * trail outlives the accounts it mentions.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    actorId: uuid("actor_id"),
    /**
     * The named system principal ("cli", "worker") that made the change through the routers, when
     * it was not a person; null for a person's change and for the rows written before it existed.
     */
    actorPrincipal: text("actor_principal"),
    action: text("action").notNull(),
    resource: text("resource").notNull(),
    resourceId: text("resource_id"),
    before: jsonb("before"),
    after: jsonb("after"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    requestId: text("request_id"),
  },
  (table) => [
    index("audit_log_resource_idx").on(table.resource, table.resourceId, table.id),
    index("audit_log_actor_idx").on(table.actorId, table.id),
    index("audit_log_action_idx").on(table.action, table.id),
    index("audit_log_at_idx").on(table.at),
  ],
);

export type AuditEntry = typeof auditLog.$inferSelect;

/** Denied access, failed sign-ins, token misuse and permission changes, for the security team. */
export const securityEvents = pgTable(
  "security_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    type: text("type").notNull(),
    userId: uuid("user_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    requestId: text("request_id"),
    details: jsonb("details").notNull().default({}),
  },
  (table) => [
    index("security_events_type_idx").on(table.type, table.id),
    index("security_events_user_idx").on(table.userId, table.id),
    index("security_events_at_idx").on(table.at),
  ],
);

export type SecurityEventRow = typeof securityEvents.$inferSelect;

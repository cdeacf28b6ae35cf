import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

/**
 * Personal API keys: a bearer credential for scripts, acting for its owner within its scopes.
 * The secret is never stored, only its hash; the public id, part of the key itself, finds the row.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The short random id between the key's prefix and its secret: shown in lists, used for lookups. */
    publicId: text("public_id").notNull().unique(),
    /** SHA-256 of the secret part of the key. */
    secretHash: text("secret_hash").notNull(),
    name: text("name").notNull(),
    /** The permissions the key may use, each also held by its owner when it is used. */
    scopes: text("scopes").array().notNull(),
    /** The owner's own notes on the key (what uses it, a ticket), at most a few kilobytes. */
    metadata: jsonb("metadata"),
    /** Calls allowed per `quota_interval_seconds`, counted from the first call of each interval. */
    quotaLimit: integer("quota_limit"),
    quotaIntervalSeconds: integer("quota_interval_seconds"),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    /** Written at most once a minute per key, so that busy keys cost no write per call. */
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    lastUsedIp: text("last_used_ip"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("api_keys_user_id_idx").on(table.userId),
    check("api_keys_quota_whole", sql`(${table.quotaLimit} is null) = (${table.quotaIntervalSeconds} is null)`),
  ],
);

export type ApiKey = typeof apiKeys.$inferSelect;

/** Every address a key was used from, so that a use from a new one is told apart and audited. */
export const apiKeyAddresses = pgTable(
  "api_key_addresses",
  {
    keyId: uuid("key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    ip: text("ip").notNull(),
    firstUsedAt: timestamp("first_used_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.keyId, table.ip] })],
);

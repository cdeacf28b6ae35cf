import { sql } from "drizzle-orm";
import { integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    /**
     * argon2id PHC string; never leaves the api package. Null for an account without a password:
     * one made through an identity provider, or whose password a provider's sign-in ended.
     */
    passwordHash: text("password_hash"),
    /**
     * Bumped in the transaction of every change to the user's roles or grants; cached
     * permissions are keyed by it, so a change is seen on the next request that reads it (each
     * instance drops the sessions it remembered, with this version, when the change is announced).
     */
    accessVersion: integer("access_version").notNull().default(0),
    /** When the owner last proved they read mail at `email`; null until then. */
    emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true }),
    /** How the user wants to be addressed; the only field a user edits on their own profile. */
    displayName: text("display_name"),
    /**
     * Set while an administrator has disabled the account: it cannot sign in by any means, and
     * its API keys are refused; clearing it lets the account back in as it was.
     */
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    /** Set when the account was deleted (by its owner or an administrator): personal data is gone, orders and audit rows stay. */
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  // The database, not the application, guarantees one account per address whatever its case.
  (table) => [uniqueIndex("users_email_lower_key").on(sql`lower(${table.email})`)],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

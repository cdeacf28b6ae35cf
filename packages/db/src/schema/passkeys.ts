import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

/**
 * Passkeys (WebAuthn credentials): a key pair held by an authenticator, of which only the public
 * key is stored. Each is discoverable, so that signing in needs no address typed first.
 */
export const passkeys = pgTable(
  "passkeys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The credential id the authenticator chose, base64url: how an assertion names its key. */
    credentialId: text("credential_id").notNull().unique(),
    /** The COSE public key, base64url. */
    publicKey: text("public_key").notNull(),
    /** The authenticator's signature counter at the last accepted use; 0 for those that keep none. */
    signCount: bigint("sign_count", { mode: "number" }).notNull().default(0),
    /** How the browser may reach the authenticator again (usb, nfc, internal, hybrid...). */
    transports: text("transports")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** "singleDevice" for a key bound to one device, "multiDevice" for one synced between devices. */
    deviceType: text("device_type").notNull(),
    backedUp: boolean("backed_up").notNull(),
    /** The authenticator model's id, as it declared it; all zeros when it keeps it to itself. */
    aaguid: text("aaguid").notNull(),
    name: text("name").notNull(),
    /** Raised by each rename, so that a rename made from a stale read is refused. */
    version: integer("version").notNull().default(1),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (table) => [
    index("passkeys_user_id_idx").on(table.userId),
    check("passkeys_device_type_known", sql`${table.deviceType} in ('singleDevice', 'multiDevice')`),
  ],
);

export type Passkey = typeof passkeys.$inferSelect;

/**
 * The challenges handed out for a passkey ceremony, each good for one answer until it expires.
 * A registration challenge belongs to the account adding a passkey; a sign-in challenge to
 * nobody yet, since the passkey itself says whose it is.
 */
export const passkeyChallenges = pgTable(
  "passkey_challenges",
  {
    challenge: text("challenge").primaryKey(),
    purpose: text("purpose").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("passkey_challenges_expires_at_idx").on(table.expiresAt),
    check(
      "passkey_challenges_purpose_owner",
      sql`(${table.purpose} = 'registration' and ${table.userId} is not null) or (${table.purpose} = 'sign-in' and ${table.userId} is null)`,
    ),
  ],
);

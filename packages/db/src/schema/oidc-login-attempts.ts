import { index, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * A sign-in through an OpenID Connect provider that was started and not yet finished: what the
 * callback must check, kept in the database so that any instance can finish what another began.
 * Each row serves once (it is deleted when consumed) and only until `expires_at`.
 */
export const oidcLoginAttempts = pgTable(
  "oidc_login_attempts",
  {
    /** SHA-256 of the `state` sent to the provider: the row is found only by whoever holds it. */
    stateHash: text("state_hash").primaryKey(),
    /** The configured provider name the attempt was started with. */
    provider: text("provider").notNull(),
    nonce: text("nonce").notNull(),
    /** The PKCE secret; only its S256 challenge went to the provider. */
    codeVerifier: text("code_verifier").notNull(),
    redirectUri: text("redirect_uri").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("oidc_login_attempts_expires_at_idx").on(table.expiresAt)],
);

export type OidcLoginAttempt = typeof oidcLoginAttempts.$inferSelect;

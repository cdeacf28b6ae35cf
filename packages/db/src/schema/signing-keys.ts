import { jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The key set that signs access tokens. The newest key that is not retired signs; every key
 * verifies until the tokens it signed have expired after its retirement.
 */
export const signingKeys = pgTable("signing_keys", {
  kid: text("kid").primaryKey(),
  algorithm: text("algorithm").notNull(),
  /** Public, as published at /.well-known/jwks.json. */
  publicJwk: jsonb("public_jwk").notNull(),
  /** The private key as a PKCS#8 PEM, sealed under a key derived from the server's secret. */
  privateKeySealed: text("private_key_sealed").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  retiredAt: timestamp("retired_at", { withTimezone: true }),
});

export type SigningKey = typeof signingKeys.$inferSelect;

import { pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

/** A sign-in identity at an OpenID Connect provider, linked to one local account. */
export const oauthAccounts = pgTable(
  "oauth_accounts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The provider's issuer URL, as configured. */
    provider: text("provider").notNull(),
    /** The provider's `sub` claim: stable, unlike the email. */
    subject: text("subject").notNull(),
    email: text("email").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [unique("oauth_accounts_provider_subject_key").on(table.provider, table.subject)],
);

export type OauthAccount = typeof oauthAccounts.$inferSelect;

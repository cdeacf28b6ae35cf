import { sql } from "drizzle-orm";
import { bigint, boolean, index, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

export const emailTokenPurposes = ["verify_email", "reset_password", "change_email", "invitation"] as const;
export const emailTokenPurpose = pgEnum("email_token_purpose", emailTokenPurposes);

/** Single-use links sent by email; only the hash of the token is kept. */
export const emailTokens = pgTable(
  "email_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: emailTokenPurpose("purpose").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    /** The address the link was sent to: a token proves control of this address only. */
    email: text("email").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("email_tokens_user_idx").on(table.userId, table.purpose)],
);

/**
 * Every message the mailer was asked to send. The default mailer only writes here; with SMTP, a
 * message is written `pending` (in the transaction of the change it tells of, when there is one)
 * and the mail dispatcher queues its delivery from here: a message is sent only if its change
 * commits, at least once, and a job queue that loses its jobs loses no mail.
 */
export const mailOutbox = pgTable(
  "mail_outbox",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    /** Waiting to be sent through SMTP; false for the default mailer's copies, which nothing sends. */
    pending: boolean("pending").notNull().default(false),
    /** A stand-in written as a real message is, so that it takes as long; deleted, never sent. */
    decoy: boolean("decoy").notNull().default(false),
    /** When its delivery was last queued, or found still queued. */
    queuedAt: timestamp("queued_at", { withTimezone: true }),
    /** The job that sends it: a delivery whose job the queue no longer has is queued again. */
    jobId: text("job_id"),
  },
  (table) => [
    index("mail_outbox_pending_idx")
      .on(table.id)
      .where(sql`${table.pending}`),
  ],
);

import { mailOutbox, type Database } from "@seed/db";
import { and, eq, sql } from "drizzle-orm";
import type { MailSender } from "@seed/platform";

/**
 * Sends one message of the outbox, unless it was sent already (a delivery queued again after its
 * job was thought lost), and records when it left. Its text goes once it has left: it may hold a
 * single-use link, whose token the database otherwise keeps only as a hash, and the recipient,
 * the subject and the time are record enough. A refusal throws, so that the queue retries it
 * with backoff, then keeps it as a dead letter an admin can retry. A message the server took just
 * before a crash, unrecorded, is sent once more: mail is delivered at least once.
 */
export async function deliverMail(
  deps: { db: Database; mailSender: MailSender | null },
  mailId: number,
): Promise<"sent" | "skipped"> {
  const [mail] = await deps.db
    .select({ to: mailOutbox.to, subject: mailOutbox.subject, text: mailOutbox.text })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.id, mailId), eq(mailOutbox.pending, true), eq(mailOutbox.decoy, false)));
  if (!mail) return "skipped";
  if (!deps.mailSender) throw new Error("No SMTP server is configured (SMTP_URL) to send mail");
  await deps.mailSender.deliver(mail);
  await deps.db
    .update(mailOutbox)
    .set({ pending: false, sentAt: sql`now()`, text: "" })
    .where(eq(mailOutbox.id, mailId));
  return "sent";
}

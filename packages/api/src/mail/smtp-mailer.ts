import { mailOutbox, type Database } from "@seed/db";
import { eq } from "drizzle-orm";
import { createTransport } from "nodemailer";
import type { Mailer } from "./mailer";

/** Sends through an SMTP server, recording each message in the outbox and when it left. */
export function createSmtpMailer(db: Database, options: { url: string; from: string }): Mailer & { close(): void } {
  const transport = createTransport(options.url);
  return {
    async send(message) {
      const [row] = await db.insert(mailOutbox).values(message).returning({ id: mailOutbox.id });
      await transport.sendMail({ from: options.from, ...message });
      await db.update(mailOutbox).set({ sentAt: new Date() }).where(eq(mailOutbox.id, row!.id));
    },
    close: () => transport.close(),
  };
}

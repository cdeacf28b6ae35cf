import { mailOutbox, type Database } from "@seed/db";
import { eq } from "drizzle-orm";
import type { Transporter } from "nodemailer";
import type { Mailer } from "./mailer";

/**
 * Sends through an SMTP server, recording each message in the outbox and when it left.
 * Nodemailer is loaded here, so a process that does not send mail itself never holds it.
 */
export function createSmtpMailer(db: Database, options: { url: string; from: string }): Mailer & { close(): void } {
  const transport: Promise<Transporter> = import("nodemailer").then(({ createTransport }) =>
    createTransport(options.url),
  );
  return {
    async send({ decoy, ...message }, within) {
      if (decoy) return;
      const outbox = within ?? db;
      const [row] = await outbox.insert(mailOutbox).values(message).returning({ id: mailOutbox.id });
      await (await transport).sendMail({ from: options.from, ...message });
      await outbox.update(mailOutbox).set({ sentAt: new Date() }).where(eq(mailOutbox.id, row!.id));
    },
    close: () => void transport.then((opened) => opened.close()),
  };
}

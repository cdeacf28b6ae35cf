import type { Transporter } from "nodemailer";
import type { MailSender } from "./mail-sender";

/**
 * Sends through an SMTP server. Nodemailer is loaded on the first message, so a process that
 * never sends one (a server whose jobs run in workers, the CLI) never holds it.
 */
export function createSmtpSender(options: { url: string; from: string }): MailSender {
  let transport: Promise<Transporter> | null = null;
  return {
    async deliver(message) {
      transport ??= import("nodemailer").then(({ createTransport }) => createTransport(options.url));
      await (await transport).sendMail({ from: options.from, ...message });
    },
    close: () => void transport?.then((opened) => opened.close()),
  };
}

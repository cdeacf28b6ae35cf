/** What actually sends a message out of the process: the SMTP server's client. */
export interface MailSender {
  /** Resolves once the server took the message; rejects when it refused it. */
  deliver(message: { to: string; subject: string; text: string }): Promise<void>;
  close(): void;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Sends mail. Every implementation also keeps a copy in the outbox table. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

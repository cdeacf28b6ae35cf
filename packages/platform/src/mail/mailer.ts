export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /**
   * A stand-in for a message that is sent only when an account exists: it takes the same path
   * (built, queued as a job) and is dropped where it would leave, so that how long the request
   * took does not tell whether there was an account.
   */
  decoy?: boolean | undefined;
}

/** Sends mail. Every implementation also keeps a copy in the outbox table. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

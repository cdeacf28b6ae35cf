import type { Transaction } from "@seed/db";

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
  /**
   * `within` is the transaction of a change that must not commit without its mail (an
   * invitation): the copy is written in it. Written beside it, the copy would wait for ever on
   * the embedded database, whose one connection the transaction holds.
   */
  send(message: MailMessage, within?: Transaction): Promise<void>;
}

import type { Transaction } from "@seed/db";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /**
   * A stand-in for a message that is sent only when an account exists: it takes the same path
   * (built, written as the mailer writes messages) and is never sent, so that how long the
   * request took does not tell whether there was an account.
   */
  decoy?: boolean | undefined;
}

/**
 * The transaction of a change that must not commit without its mail (an invitation), and how to
 * tell others once it has committed (`transactionWithEvents`' emit).
 */
export interface MailTransaction {
  tx: Transaction;
  emit(channel: string, payload: unknown): void;
}

/** Takes mail from requests. Every implementation keeps a copy in the outbox table. */
export interface Mailer {
  /**
   * With `within`, the copy is written in that transaction, so the mail goes only if it commits.
   * Written beside it, the copy would wait for ever on the embedded database, whose one
   * connection the transaction holds.
   */
  send(message: MailMessage, within?: MailTransaction): Promise<void>;
}

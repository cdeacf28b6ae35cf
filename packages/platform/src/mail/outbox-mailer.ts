import { mailOutbox, type Database } from "@seed/db";
import type { Logger } from "../logging/logger";
import type { Mailer } from "./mailer";

/**
 * The default: messages are written to the outbox table and the log says to whom they went;
 * nothing sends them. The body stays out of the log, since it carries single-use links.
 */
export function createOutboxMailer(db: Database, log: Logger): Mailer {
  return {
    async send({ decoy, ...message }, within) {
      if (decoy) return;
      await (within?.tx ?? db).insert(mailOutbox).values(message);
      log.info({ to: message.to, subject: message.subject }, "mail written to the outbox");
    },
  };
}

import type { Config } from "@seed/config";
import type { Database } from "@seed/db";
import type { EventBus } from "../event-bus/event-bus";
import type { Logger } from "../logging/logger";
import type { Mailer } from "./mailer";
import type { MailSender } from "./mail-sender";
import { createOutboxMailer } from "./outbox-mailer";
import { createQueuedMailer } from "./queued-mailer";
import { createSmtpSender } from "./smtp-sender";

/**
 * The mail the configuration asks for: with SMTP_URL, requests queue their mail in the outbox and
 * `sender` sends it from the jobs; without, the outbox alone, and no sender.
 */
export function createConfiguredMail(
  db: Database,
  settings: Config["mail"],
  log: Logger,
  events: Pick<EventBus, "publish">,
): { mailer: Mailer; sender: MailSender | null } {
  if (!settings.smtpUrl) return { mailer: createOutboxMailer(db, log), sender: null };
  return {
    mailer: createQueuedMailer(db, events, log),
    sender: createSmtpSender({ url: settings.smtpUrl, from: settings.from }),
  };
}

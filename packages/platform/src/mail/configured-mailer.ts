import type { Config } from "@seed/config";
import type { Database } from "@seed/db";
import type { Logger } from "../logging/logger";
import type { Mailer } from "./mailer";
import { createOutboxMailer } from "./outbox-mailer";
import { createSmtpMailer } from "./smtp-mailer";

/** The mailer the configuration asks for: SMTP when SMTP_URL is set, the outbox table otherwise. */
export function createConfiguredMailer(
  db: Database,
  settings: Config["mail"],
  log: Logger,
): Mailer & { close(): void } {
  if (settings.smtpUrl) return createSmtpMailer(db, { url: settings.smtpUrl, from: settings.from });
  return { ...createOutboxMailer(db, log), close: () => {} };
}

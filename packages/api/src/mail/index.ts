export type { Mailer, MailMessage } from "./mailer";
export { createOutboxMailer } from "./outbox-mailer";
export { createSmtpMailer } from "./smtp-mailer";
export { createConfiguredMailer } from "./configured-mailer";
export { createQueuedMailer } from "./queued-mailer";

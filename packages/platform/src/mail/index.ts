export * from "./configured-mailer";
export * from "./mail-sender";
export * from "./mailer";
export * from "./outbox-mailer";
export * from "./queued-mailer";
export * from "./smtp-sender";

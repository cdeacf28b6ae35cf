import type { JobQueue } from "../job-queue/job-queue";
import type { Mailer } from "./mailer";

/**
 * Hands each message to the job queue (`mail.send`), whose worker sends it through SMTP: a slow
 * or failing mail server never holds up a request, and a refused message is retried with
 * backoff, then kept as a dead letter an admin can retry.
 */
export function createQueuedMailer(jobs: Pick<JobQueue, "enqueue">): Mailer {
  return {
    async send(message) {
      await jobs.enqueue("mail.send", message);
    },
  };
}

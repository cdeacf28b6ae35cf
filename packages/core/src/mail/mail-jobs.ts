import { createQueuedMailer } from "@seed/platform";
import { z } from "zod";
import { defineJob } from "../jobs/job-definition";
import { deliverMail } from "./mail-delivery";
import { dispatchMail } from "./mail-dispatch";

/** A message of the outbox, named with to whom and what about for an admin reading dead letters. */
const queuedMessage = z.object({ mailId: z.number().int().positive(), to: z.string(), subject: z.string() });

/**
 * What a version before the outbox queued: the message itself. Such a job, still in Redis when
 * this version starts, writes its message to the outbox, to be sent from there.
 */
const messageQueuedBefore = z.object({
  to: z.email(),
  subject: z.string().min(1).max(200),
  text: z.string().max(100_000),
  decoy: z.boolean().optional(),
});

/**
 * Sends one message of the outbox through SMTP; a refusing server makes it retry. Its text, which
 * may hold a single-use link, stays in the database.
 */
export const sendMailJob = defineJob({
  payload: z.union([queuedMessage, messageQueuedBefore]),
  async run(deps, payload) {
    if ("mailId" in payload) return deliverMail(deps, payload.mailId);
    if (payload.decoy) return "skipped";
    const { to, subject, text } = payload;
    await createQueuedMailer(deps.db, deps.events, deps.log).send({ to, subject, text });
    return "moved to the outbox";
  },
  // Never the text of a message queued before the outbox: it may hold a single-use link.
  shown: ({ to, subject, ...rest }) => ("mailId" in rest ? { mailId: rest.mailId, to, subject } : { to, subject }),
});

/** Queues what the outbox holds, on a schedule: the nudge after each message may have been lost. */
export const dispatchMailJob = defineJob({
  payload: z.object({}),
  run: (deps) => dispatchMail(deps),
});

import { z } from "zod";
import { defineJob } from "./job-definition";

/** Sends one message through the configured mailer; a refusing SMTP server makes it retry. */
export const sendMailJob = defineJob({
  payload: z.object({
    to: z.email(),
    subject: z.string().min(1).max(200),
    text: z.string().max(100_000),
    decoy: z.boolean().optional(),
  }),
  async run({ mailer }, message) {
    await mailer.send(message);
  },
  // A mail may carry a single-use link (a password reset): whoever could read it could use it.
  shown: ({ to, subject }) => ({ to, subject, text: "(withheld: it may hold single-use links)" }),
});

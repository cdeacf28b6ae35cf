import { z } from "zod";
import { defineJob } from "../jobs/job-definition";
import { attemptWebhookDelivery } from "./webhook-delivery";
import { dispatchWebhookEvents } from "./webhook-dispatch";

/** One attempt of one delivery; the queue retries it with the webhook retry policy. */
export const deliverWebhookJob = defineJob({
  payload: z.object({ deliveryId: z.uuid() }),
  run: (deps, { deliveryId }) => attemptWebhookDelivery(deps, deliveryId),
});

/** Sends what the outbox holds, on a schedule: the nudge after each commit may have been lost. */
export const dispatchWebhooksJob = defineJob({
  payload: z.object({}),
  run: (deps) => dispatchWebhookEvents(deps),
});

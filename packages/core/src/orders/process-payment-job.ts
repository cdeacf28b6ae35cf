import type { JobQueue } from "@seed/platform";
import { z } from "zod";
import { defineJob } from "../jobs/job-definition";
import { placeOrderSchema } from "./order-schemas";
import { processPayment } from "./payment-settling";

export const PROCESS_PAYMENT_JOB = "orders.processPayment";

/**
 * Takes the payment of a placed order, or gives back what a charge took for an order cancelled
 * meanwhile. A provider that fails or does not answer in time fails the attempt, which is retried
 * with backoff; every attempt is safe to repeat (see `processPayment`).
 */
export const processPaymentJob = defineJob({
  payload: z.object({ orderId: z.uuid(), paymentMethod: placeOrderSchema.shape.paymentMethod }),
  run: (deps, { orderId, paymentMethod }) => processPayment(deps, orderId, paymentMethod),
});

/** Queues the payment of an order; queuing it again is harmless. */
export async function queuePayment(
  jobs: Pick<JobQueue, "enqueue">,
  orderId: string,
  paymentMethod?: string,
): Promise<void> {
  await jobs.enqueue(PROCESS_PAYMENT_JOB, { orderId, ...(paymentMethod ? { paymentMethod } : {}) });
}

import { orders } from "@seed/db";
import { and, asc, inArray, lt, sql } from "drizzle-orm";
import type { JobQueue } from "@seed/platform";
import { z } from "zod";
import type { ServiceDependencies } from "../dependencies";
import { defineJob } from "../jobs/job-definition";
import { queuePayment } from "./process-payment-job";
import { lostPayment, markedNow, recoveryHorizon, withinRecoveryHorizon } from "./payment-horizons";

/** Orders claimed per statement, so that a long backlog never holds its locks for long. */
const BATCH_SIZE = 100;

/**
 * Queues again the payment of every order whose payment is unsettled although its job was queued
 * long ago (`LOST_PAYMENT_AFTER_MS`): that job was lost, as the in-process queue's jobs are with
 * their process, and as any process's are when it stops between committing an order and queuing
 * its payment. Orders are claimed with SKIP LOCKED, so instances sweeping at once share the work.
 *
 * Running a payment's job again is safe, which is what makes this recovery possible: the charge is
 * keyed by the order id (`paymentId`), to which the in-process provider answers its first result
 * and Stripe replays its first answer (idempotency keys `<order id>:create` and `:confirm`), and
 * `processPayment` moves the order, under its row lock, only from a payment not settled yet.
 * Stripe's replay is what bounds it in time (`PAYMENT_RECOVERY_HORIZON_MS`). A payment still
 * settling at the provider (a bank debit, waiting for its notice) is queued again too, and the
 * provider answers it with the same "processing" as before.
 */
export async function requeueLostPayments(deps: ServiceDependencies<"db" | "jobs">): Promise<number> {
  let total = 0;
  for (;;) {
    const lost = deps.db
      .select({ id: orders.id })
      .from(orders)
      .where(and(lostPayment(), withinRecoveryHorizon()))
      .orderBy(asc(orders.paymentQueuedAt))
      .limit(BATCH_SIZE)
      .for("update", { skipLocked: true });
    const claimed = await deps.db
      .update(orders)
      .set(markedNow())
      .where(inArray(orders.id, lost))
      .returning({ id: orders.id, paymentMethod: orders.paymentMethod });
    if (claimed.length === 0) return total;
    // Claimed before queuing: should this process stop in between, the payment is lost again,
    // and found again once `LOST_PAYMENT_AFTER_MS` has passed.
    for (const order of claimed) await queuePayment(deps.jobs, order.id, order.paymentMethod ?? undefined);
    total += claimed.length;
  }
}

/** How many of the orders left to an administrator a report names. */
const NAMED_IN_REPORT = 10;

/**
 * The orders that wait for a payment past `PAYMENT_RECOVERY_HORIZON_MS`: the sweep will not
 * charge them again, so an administrator has to check them with the payment provider and settle
 * them by hand (`settlePaymentByHand`). How many there are, and the oldest few by id.
 */
export async function findPaymentsPastRecovery(
  deps: ServiceDependencies<"db">,
): Promise<{ count: number; orderIds: string[] }> {
  const rows = await deps.db
    .select({ id: orders.id, count: sql<number>`(count(*) over ())::int` })
    .from(orders)
    .where(and(lostPayment(), lt(orders.createdAt, recoveryHorizon())))
    .orderBy(asc(orders.createdAt), asc(orders.id))
    .limit(NAMED_IN_REPORT);
  return { count: rows[0]?.count ?? 0, orderIds: rows.map((row) => row.id) };
}

export const RECOVER_PAYMENTS_JOB = "orders.recoverPayments";

/**
 * The sweep for lost payments, on PAYMENT_RECOVERY_CRON and when a worker starts. It logs, as an
 * error on every run until they are settled, the orders it leaves to an administrator.
 */
export const recoverPaymentsJob = defineJob({
  payload: z.object({}),
  async run(deps) {
    const queued = await requeueLostPayments(deps);
    if (queued > 0) deps.log.warn({ queued }, "payments whose job was lost are queued again");
    const stuck = await findPaymentsPastRecovery(deps);
    if (stuck.count > 0) {
      deps.log.error(
        { orders: stuck.count, oldest: stuck.orderIds },
        "orders wait for a payment too old to be charged again safely: check them with the payment provider and settle them by hand (orders.settlePayment)",
      );
    }
  },
});

/**
 * Queues the sweep for lost payments at once: a worker that starts after its process stopped finds
 * the payments that stopped with it without waiting for the schedule.
 */
export async function queuePaymentRecovery(jobs: Pick<JobQueue, "enqueue">): Promise<void> {
  await jobs.enqueue(RECOVER_PAYMENTS_JOB, {});
}

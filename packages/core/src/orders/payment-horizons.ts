import { orders, type Order } from "@seed/db";
import { and, eq, gt, lt, sql } from "drizzle-orm";

/**
 * Longer than a round of the payment job takes with the default settings (five attempts, their
 * backoff and provider timeouts: under five minutes), and than one attempt with any settings
 * (`PAYMENT_TIMEOUT_MS` is at most two minutes). With longer settings a round still under way may
 * be queued once more, which is harmless (see `requeueLostPayments`).
 */
export const LOST_PAYMENT_AFTER_MS = 15 * 60_000;

/**
 * Stripe keeps its answer to an idempotency key for at least 24 hours: a charge replayed later
 * could be taken a second time, and a refund asked for by the order id alone could find a new
 * payment instead of the one taken. Orders placed longer ago than this are left to an
 * administrator.
 */
export const PAYMENT_RECOVERY_HORIZON_MS = 20 * 3600_000;

/** An unsettled payment whose job last went to the provider, or was queued, longer ago than it takes. */
export const lostPayment = () =>
  and(
    eq(orders.paymentStatus, "pending"),
    lt(orders.paymentQueuedAt, sql`now() - make_interval(secs => ${LOST_PAYMENT_AFTER_MS / 1000})`),
  );

/** The time before which an order is too old for its payment to be charged again safely. */
export const recoveryHorizon = () => sql`now() - make_interval(secs => ${PAYMENT_RECOVERY_HORIZON_MS / 1000})`;

/** An order placed recently enough for its payment to be asked of the provider by the order id. */
export const withinRecoveryHorizon = () => gt(orders.createdAt, recoveryHorizon());

/** The same, for an order read already. */
export const isPastRecoveryHorizon = (order: Pick<Order, "createdAt">) =>
  Date.now() - order.createdAt.getTime() > PAYMENT_RECOVERY_HORIZON_MS;

/**
 * Marks an unsettled payment as being handled now (`orders.paymentQueuedAt`), which settling it
 * by hand waits out. What the customer sees of the order does not change: its `updatedAt` stays.
 */
export const markedNow = () => ({ paymentQueuedAt: sql`now()`, updatedAt: sql`${orders.updatedAt}` });

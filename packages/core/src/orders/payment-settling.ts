import { orders, type Order, type Transaction } from "@seed/db";
import { and, eq, sql } from "drizzle-orm";
import { AppError, type ChargeResult } from "@seed/platform";
import { systemActor, type Actor } from "../shared/actor";
import type { PaymentStatus } from "../shared/domain-events";
import { recordAudit } from "../audit/audit";
import { withPaymentDeadline } from "./payment-deadline";
import { isPastRecoveryHorizon, markedNow } from "./payment-horizons";
import { moveOrder, refundOf, type OrderDeps } from "./order-status";

/** What is left to do once a payment's result is recorded: nothing, or give the money back. */
export type RecordedPayment = "settled" | "refund due";

/**
 * Takes the payment of a placed order: the work of the `orders.processPayment` job, safe to run
 * again after a crash or alongside a repeat of itself. The provider is keyed by the order id, so
 * the money is taken once; the order moves under its row lock, and only from a payment that is
 * not settled yet, so it moves once. An order cancelled before its payment was settled gets back
 * whatever a charge took meanwhile. A payment is asked of the provider by the order id only
 * within `PAYMENT_RECOVERY_HORIZON_MS` of the order (or, for a refund, by its reference).
 */
export async function processPayment(
  deps: OrderDeps,
  orderId: string,
  paymentMethod?: string,
): Promise<{ status: Order["status"]; paymentStatus: PaymentStatus }> {
  let order = await findOrder(deps, orderId);
  if (order.paymentStatus === "pending" && isPastRecoveryHorizon(order) && order.paymentReference === null) {
    // A job more than a day late (a dead letter retried): see `PAYMENT_RECOVERY_HORIZON_MS`.
    deps.log.warn(
      { orderId },
      "payment not taken or given back: the order is too old for its payment to be asked of the provider by its id; it is left to an administrator",
    );
    return { status: order.status, paymentStatus: order.paymentStatus };
  }
  if (order.paymentStatus === "pending" && order.status === "pending" && (await markCharging(deps, orderId))) {
    const result = await withPaymentDeadline(deps, (signal) =>
      deps.payments.charge(
        { paymentId: order.id, amount: order.totalAmount, currency: order.currency, paymentMethod },
        signal,
      ),
    );
    await recordPaymentResult(deps, order.id, result);
    order = await findOrder(deps, orderId);
  }
  if (order.paymentStatus === "pending" && order.status === "cancelled") {
    await refundCancelled(deps, order);
    order = await findOrder(deps, orderId);
  }
  return { status: order.status, paymentStatus: order.paymentStatus };
}

/**
 * Marks, under the order's row lock, that its payment goes to the provider now, if it is still
 * to be taken: an administrator settling it by hand meanwhile either went first, and the charge
 * is not made, or waits out the time an attempt of this job takes (`settlePaymentByHand`). The job
 * may run long after it was queued (a worker that was down, a dead letter retried).
 */
async function markCharging(deps: OrderDeps, orderId: string): Promise<boolean> {
  const marked = await deps.db
    .update(orders)
    .set(markedNow())
    .where(and(eq(orders.id, orderId), eq(orders.status, "pending"), eq(orders.paymentStatus, "pending")))
    .returning({ id: orders.id });
  return marked.length > 0;
}

/**
 * Records what the provider said of an order's payment, from the charge's answer or from a
 * notice that came later: it marks the order paid, or cancels it and puts its stock back. Only
 * the first outcome counts: a repeated or late one (a failure notice after the success) changes
 * nothing, but for money taken after all for an order cancelled as declined. A charge that went
 * through for an order cancelled meanwhile is due a refund.
 */
export async function recordPaymentResult(
  deps: OrderDeps,
  orderId: string,
  result: ChargeResult,
): Promise<RecordedPayment> {
  // Not settled yet: the outcome arrives as a notice.
  if (result.status === "processing") return "settled";
  const order = await findOrder(deps, orderId);
  if (order.paymentStatus !== "pending") {
    if (contradicts(order.paymentStatus, result)) {
      deps.log.error(
        { orderId, recorded: order.paymentStatus, told: result.status },
        "the payment provider tells another outcome than the one recorded: check this order's payment with the provider",
      );
    }
    if (result.status === "succeeded" && (await reopenForRefund(deps, orderId, result.reference))) return "refund due";
    return "settled";
  }
  if (order.status === "pending") {
    try {
      if (result.status === "succeeded") await moveOrder(deps, systemActor, orderId, "paid", result);
      else await moveOrder(deps, systemActor, orderId, "cancelled", { status: "declined" });
      return "settled";
    } catch (error) {
      // Moved meanwhile (cancelled, or settled by a concurrent job or notice): recorded against
      // what it has become.
      if (!(error instanceof AppError && error.code === "CONFLICT")) throw error;
      return recordPaymentResult(deps, orderId, result);
    }
  }
  // Cancelled before its payment was settled.
  if (result.status === "declined") {
    await settleCancelledPayment(deps, orderId, "declined", null);
    return "settled";
  }
  // The reference lets the refund find the charge however late it is made.
  await deps.db
    .update(orders)
    .set({ paymentReference: result.reference })
    .where(and(eq(orders.id, orderId), eq(orders.paymentStatus, "pending")));
  return "refund due";
}

/**
 * Money was taken for a cancelled order whose payment is recorded as taking nothing (settled so by
 * hand, say): the payment is open again, with the charge's reference, so that the payment job
 * gives the money back. An order recorded as paid is left as it is.
 */
async function reopenForRefund(deps: OrderDeps, orderId: string, reference: string): Promise<boolean> {
  return deps.db.transaction(async (tx) => {
    const reopened = await tx
      .update(orders)
      .set({ paymentStatus: "pending", paymentReference: reference, paymentQueuedAt: sql`now()` })
      .where(and(eq(orders.id, orderId), eq(orders.status, "cancelled"), eq(orders.paymentStatus, "declined")))
      .returning({ id: orders.id });
    if (reopened.length === 0) return false;
    await recordAudit(tx, systemActor, {
      action: "order.payment_reopened",
      resource: "order",
      resourceId: orderId,
      before: { paymentStatus: "declined" },
      after: { paymentStatus: "pending", reference, reason: "the provider took the money: it is given back" },
    });
    return true;
  });
}

/** Money taken for a payment recorded as taking nothing, or the reverse. */
function contradicts(recorded: PaymentStatus, told: ChargeResult): boolean {
  return (
    (recorded === "declined" && told.status === "succeeded") || (recorded === "succeeded" && told.status === "declined")
  );
}

/**
 * Gives back whatever a charge took for an order cancelled before its payment was settled: a
 * charge that went through meanwhile, or whose answer was lost to a timeout. The provider
 * refunds by order id, and refunds nothing when nothing was taken.
 */
async function refundCancelled(deps: OrderDeps, order: Order): Promise<void> {
  await withPaymentDeadline(deps, (signal) => deps.payments.refund(refundOf(order), signal));
  await settleCancelledPayment(deps, order.id, "refunded", "cancelled while the payment was under way");
}

async function settleCancelledPayment(
  deps: OrderDeps,
  orderId: string,
  paymentStatus: "refunded" | "declined",
  reason: string | null,
): Promise<void> {
  await deps.db.transaction((tx) => recordCancelledPayment(tx, systemActor, orderId, paymentStatus, reason));
}

/**
 * Settles the payment of a cancelled order as given back or never taken, with its audit row; an
 * order that is not cancelled, or whose payment is settled already, is left as it is.
 */
export async function recordCancelledPayment(
  tx: Transaction,
  actor: Actor,
  orderId: string,
  paymentStatus: "refunded" | "declined",
  reason: string | null,
): Promise<void> {
  const settled = await tx
    .update(orders)
    .set({ paymentStatus, paymentMethod: null })
    .where(and(eq(orders.id, orderId), eq(orders.status, "cancelled"), eq(orders.paymentStatus, "pending")))
    .returning({ id: orders.id });
  if (settled.length === 0) return;
  await recordAudit(tx, actor, {
    action: paymentStatus === "refunded" ? "order.refund" : "order.payment_declined",
    resource: "order",
    resourceId: orderId,
    after: { paymentStatus, ...(reason ? { reason } : {}) },
  });
}

export async function findOrder(deps: Pick<OrderDeps, "db">, orderId: string): Promise<Order> {
  const order = await deps.db.query.orders.findFirst({ where: eq(orders.id, orderId) });
  if (!order) throw new AppError("NOT_FOUND", "No such order");
  return order;
}

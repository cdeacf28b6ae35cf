import { orders, type Database, type Order, type Transaction } from "@seed/db";
import { and, eq, isNull, or, sql } from "drizzle-orm";
import { AppError } from "@seed/platform";
import type { ServiceDependencies } from "../dependencies";
import type { Actor } from "../shared/actor";
import { transactionWithEvents } from "../shared/committed-events";
import { recordAudit } from "../audit/audit";
import type { OrderView, SettlePaymentInput } from "./order-schemas";
import { lockOrder, moveLockedOrder, type OrderDeps, type PaymentOutcome } from "./order-status";
import { getOrder } from "./order-view";
import { withPaymentDeadline } from "./payment-deadline";
import { lostPayment } from "./payment-horizons";
import { findOrder, recordCancelledPayment } from "./payment-settling";
import { queuePayment } from "./process-payment-job";

type SettlingDeps = OrderDeps & ServiceDependencies<"jobs">;

/**
 * Settles a payment that the shop will not settle by itself: one placed longer ago than a lost
 * payment may be asked of the provider by the order id (`PAYMENT_RECOVERY_HORIZON_MS`), or whose
 * provider never sent the notice that ends it. The administrator names the provider's payment,
 * and the provider says how it ended, so that no one settles a payment on their word alone:
 * taken, it marks a pending order paid, or is refunded by the payment job if the order was
 * cancelled meanwhile; taken and given back, or never taken, it cancels a pending order and puts
 * its stock back, a payment never taken being cancelled at the provider first. A payment the
 * provider does not hold at all (`reference: null`) is settled as taking nothing, once the
 * provider, asked by the order id, shows none that took money or is still settling.
 *
 * A payment whose job went to the provider lately may be charged at this very moment: settled
 * as taking nothing meanwhile, its money would be kept for a cancelled order. It is refused until
 * an attempt of the job has had its time (`LOST_PAYMENT_AFTER_MS`), which the order's row lock
 * makes a fact: the payment job and the recovery sweep mark the payment under that lock before
 * they go to the provider or queue it again.
 */
export async function settlePaymentByHand(
  deps: SettlingDeps,
  actor: Actor,
  input: SettlePaymentInput,
): Promise<OrderView> {
  // Checked before the provider is asked, and again under the lock.
  const unlocked = await findOrder(deps, input.orderId);
  await assertSettleable(deps.db, unlocked, input);
  const outcome: PaymentOutcome =
    input.reference === null
      ? await nothingHeldAtProvider(deps, unlocked)
      : await outcomeAtProvider(deps, unlocked, input.reference);
  const { settled, refundDue } = await transactionWithEvents(deps, async (tx, emit) => {
    const order = await lockOrder(tx, input.orderId);
    await assertSettleable(tx, order, input);
    await recordAudit(tx, actor, {
      action: "order.payment_settled_by_hand",
      resource: "order",
      resourceId: order.id,
      before: { status: order.status, paymentStatus: order.paymentStatus, paymentReference: order.paymentReference },
      after: { charge: outcome.status, reference: input.reference, reason: input.reason },
    });
    if (order.status === "pending") {
      const to = outcome.status === "succeeded" ? "paid" : "cancelled";
      return { settled: await moveLockedOrder(deps, tx, emit, actor, order, to, outcome), refundDue: false };
    }
    // Cancelled before its payment was settled.
    if (outcome.status !== "succeeded") {
      await recordCancelledPayment(tx, actor, order.id, outcome.status, input.reason);
      return { settled: await getOrder(tx, order.id), refundDue: false };
    }
    // The money is given back by the payment job, which retries a provider that fails; the
    // reference lets the provider find the charge however old it is, and the mark keeps the
    // recovery sweep from queuing the refund a second time while it runs.
    await tx
      .update(orders)
      .set({ paymentReference: outcome.reference, paymentQueuedAt: sql`now()` })
      .where(eq(orders.id, order.id));
    return { settled: await getOrder(tx, order.id), refundDue: true };
  });
  if (refundDue) await queueRefund(deps, input.orderId);
  return settled;
}

/** Refuses a payment settled already, one that may be under way, and a settlement that contradicts the order. */
async function assertSettleable(db: Database | Transaction, order: Order, input: SettlePaymentInput): Promise<void> {
  if (order.paymentStatus !== "pending") {
    throw new AppError("CONFLICT", `The payment of this order is already ${order.paymentStatus}`);
  }
  // A cancelled order keeps the reference of a charge that is due a refund.
  if (input.reference === null && order.paymentReference !== null) {
    throw new AppError("CONFLICT", `The provider holds a payment of this order: ${order.paymentReference}`);
  }
  const [lost] = await db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.id, order.id), or(lostPayment(), isNull(orders.paymentQueuedAt))));
  if (!lost) {
    throw new AppError(
      "CONFLICT",
      "The payment of this order may be under way: settle it by hand only if it is still pending in a quarter of an hour",
    );
  }
}

/** How the provider says the payment it knows by `reference` ended, if it is this order's. */
async function outcomeAtProvider(deps: SettlingDeps, order: Order, reference: string): Promise<PaymentOutcome> {
  const found = await withPaymentDeadline(deps, (signal) => deps.payments.find(reference, signal));
  if (!found || found.paymentId !== order.id) {
    throw new AppError("INVALID_INPUT", "The payment provider holds no payment of this order by that reference");
  }
  if (found.amount !== order.totalAmount || found.currency !== order.currency) {
    throw new AppError(
      "CONFLICT",
      `The provider's payment is of ${found.amount} ${found.currency}, not the order's ${order.totalAmount} ${order.currency}`,
    );
  }
  if (found.status === "processing") {
    throw new AppError("CONFLICT", "The provider has not settled this payment yet; its outcome comes as a notice");
  }
  if (found.amountRefunded === found.amount) return { status: "refunded" };
  if (found.amountRefunded > 0) {
    throw new AppError("CONFLICT", "The provider gave part of this payment back: settle the rest with the provider");
  }
  if (found.status === "succeeded") return { status: "succeeded", reference };
  await cancelUntakenAtProvider(deps, [reference]);
  return { status: "declined" };
}

/**
 * `reference: null` is the administrator's word that the provider holds no payment of the order;
 * the provider is asked by the order id, and one it holds that was not declined is to be settled
 * by its reference instead.
 */
async function nothingHeldAtProvider(deps: SettlingDeps, order: Order): Promise<PaymentOutcome> {
  const held = await withPaymentDeadline(deps, (signal) => deps.payments.findByPaymentId(order.id, signal));
  const live = held.find((payment) => payment.status !== "declined");
  if (live) {
    throw new AppError(
      "CONFLICT",
      `The provider holds a payment of this order that was not declined (${live.status}): settle it by its reference, ${live.reference}`,
    );
  }
  await cancelUntakenAtProvider(
    deps,
    held.map((payment) => payment.reference),
  );
  return { status: "declined" };
}

/**
 * A payment settled as taking nothing is cancelled at the provider first, where it could still
 * be confirmed: its order is cancelled and its stock sold again, so it must never take money.
 * One that moved on meanwhile (confirmed since it was read) is settled again, as it is then.
 */
async function cancelUntakenAtProvider(deps: SettlingDeps, references: string[]): Promise<void> {
  if (references.length === 0) return;
  const cancelled = await withPaymentDeadline(deps, (signal) =>
    Promise.all(references.map((reference) => deps.payments.cancel(reference, signal))),
  );
  const movedOn = cancelled.find((payment) => payment !== null && payment.status !== "declined");
  if (movedOn) {
    throw new AppError(
      "CONFLICT",
      `The provider's payment ${movedOn.reference} moved on while it was settled (${movedOn.status}): settle it again`,
    );
  }
}

/**
 * Queued after the commit, so a failure to queue fails nothing that was settled: the payment
 * stays pending with its reference, and the recovery sweep queues it again (within its horizon)
 * or reports it to an administrator.
 */
async function queueRefund(deps: SettlingDeps, orderId: string): Promise<void> {
  try {
    await queuePayment(deps.jobs, orderId);
  } catch (error) {
    deps.log.error({ err: error, orderId }, "could not queue the refund of a payment settled by hand");
  }
}

import { orders } from "@seed/db";
import { and, eq, isNull, or, sql } from "drizzle-orm";
import { AppError } from "@seed/platform";
import type { ServiceDependencies } from "../dependencies";
import type { Actor } from "../shared/actor";
import { transactionWithEvents } from "../shared/committed-events";
import { recordAudit } from "../audit/audit";
import type { OrderView, SettlePaymentInput } from "./order-schemas";
import { lockOrder, moveLockedOrder, type OrderDeps } from "./order-status";
import { getOrder } from "./order-view";
import { lostPayment } from "./payment-recovery";
import { recordCancelledPayment } from "./payment-settling";
import { queuePayment } from "./process-payment-job";

/**
 * Records the outcome of a payment that the shop will not settle by itself, as an administrator
 * read it in the provider's records: one placed longer ago than a lost payment may be charged
 * again (`PAYMENT_RECOVERY_HORIZON_MS`), or whose provider never sent the notice that ends it.
 * A charge that went through marks a pending order paid, or is refunded by the payment job if
 * the order was cancelled meanwhile; a charge that took nothing cancels a pending order and puts
 * its stock back. Either way, as when the provider answers, only the first outcome counts.
 *
 * A payment whose job was queued lately may be charged at this very moment: recorded as declined
 * meanwhile, its money would be kept for an order cancelled. Such a payment is refused until its
 * job has had the time a round takes (`LOST_PAYMENT_AFTER_MS`), which the order's row lock makes
 * a fact: the recovery sweep claims a payment under the same lock before it queues it again.
 */
export async function settlePaymentByHand(
  deps: OrderDeps & ServiceDependencies<"jobs">,
  actor: Actor,
  input: SettlePaymentInput,
): Promise<OrderView> {
  const { settled, refundDue } = await transactionWithEvents(deps, async (tx, emit) => {
    const order = await lockOrder(tx, input.orderId);
    if (order.paymentStatus !== "pending") {
      throw new AppError("CONFLICT", `The payment of this order is already ${order.paymentStatus}`);
    }
    const [lost] = await tx
      .select({ id: orders.id })
      .from(orders)
      .where(and(eq(orders.id, order.id), or(lostPayment(), isNull(orders.paymentQueuedAt))));
    if (!lost) {
      throw new AppError(
        "CONFLICT",
        "The payment of this order may be under way: settle it by hand only if it is still pending in a quarter of an hour",
      );
    }
    await recordAudit(tx, actor, {
      action: "order.payment_settled_by_hand",
      resource: "order",
      resourceId: order.id,
      before: { status: order.status, paymentStatus: order.paymentStatus },
      after: { charge: input.charge, reference: input.reference ?? null, reason: input.reason },
    });
    if (order.status === "pending") {
      const moved =
        input.charge === "succeeded"
          ? await moveLockedOrder(deps, tx, emit, actor, order, "paid", {
              status: "succeeded",
              reference: input.reference!,
            })
          : await moveLockedOrder(deps, tx, emit, actor, order, "cancelled", { status: "declined" });
      return { settled: moved, refundDue: false };
    }
    // Cancelled before its payment was settled.
    if (input.charge === "declined") {
      await recordCancelledPayment(tx, actor, order.id, "declined", input.reason);
      return { settled: await getOrder(tx, order.id), refundDue: false };
    }
    // The money is given back by the payment job, which retries a provider that fails; the
    // reference lets the provider find the charge however old it is, and the time queued keeps
    // the recovery sweep from queuing the refund a second time while it runs.
    await tx
      .update(orders)
      .set({ paymentReference: input.reference!, paymentQueuedAt: sql`now()` })
      .where(eq(orders.id, order.id));
    return { settled: await getOrder(tx, order.id), refundDue: true };
  });
  // Queued after the commit: should this process stop first, the recovery sweep finds the
  // payment (within its horizon) or goes on reporting it to an administrator.
  if (refundDue) await queuePayment(deps.jobs, input.orderId);
  return settled;
}

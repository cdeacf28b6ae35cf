import type { ServiceDependencies } from "../dependencies";
import { orderItems, orders, products, type Order, type Transaction } from "@seed/db";
import { asc, eq, sql } from "drizzle-orm";
import type { Actor } from "../shared/actor";
import { AppError } from "@seed/platform";
import {
  type OrderStatusChange,
  type OrderStatus,
  type PaymentStatus,
  userOrdersChannel,
  orderChannel,
} from "../shared/domain-events";
import type { OrderView } from "./order-schemas";
import { recordAudit } from "../audit/audit";
import { transactionWithEvents, type Emit } from "../shared/committed-events";
import { announceProductChange } from "../catalog/product-editing";
import { withPaymentDeadline } from "./payment-deadline";
import { getOrder } from "./order-view";
import { recordWebhookEvent } from "../webhooks/webhook-outbox";
import type { WebhookEventType } from "../webhooks/webhook-event-types";

export type OrderDeps = ServiceDependencies<"db" | "events" | "payments" | "paymentTimeoutMs">;

/** The only moves an order can make; anything else is refused with CONFLICT. */
const nextStatuses: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ["paid", "cancelled"],
  paid: ["shipped", "cancelled"],
  shipped: ["delivered"],
  delivered: [],
  cancelled: [],
};

export type PaymentOutcome =
  { status: "succeeded"; reference: string } | { status: "declined" } | { status: "refunded" };

/**
 * Moves an order to `to` under a row lock, so two concurrent moves take turns and the second sees
 * the first. Cancelling puts the stock back and refunds a payment that went through; the refund
 * is made while the lock is held, so the order cannot be shipped meanwhile. A move that records
 * a payment's outcome (`payment`) is refused once the payment is settled: a late or repeated
 * outcome never overrides the first.
 */
export async function moveOrder(
  deps: OrderDeps,
  actor: Actor,
  orderId: string,
  to: OrderStatus,
  payment?: PaymentOutcome,
): Promise<OrderView> {
  return transactionWithEvents(deps, async (tx, emit) =>
    moveLockedOrder(deps, tx, emit, actor, await lockOrder(tx, orderId), to, payment),
  );
}

/** Reads an order and locks its row until `tx` ends. */
export async function lockOrder(tx: Transaction, orderId: string): Promise<Order> {
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for("update");
  if (!order) throw new AppError("NOT_FOUND", "No such order");
  return order;
}

/** `moveOrder`, for an order its caller has locked with `lockOrder` in `tx`. */
export async function moveLockedOrder(
  deps: OrderDeps,
  tx: Transaction,
  emit: Emit,
  actor: Actor,
  order: Order,
  to: OrderStatus,
  payment?: PaymentOutcome,
): Promise<OrderView> {
  if (!nextStatuses[order.status].includes(to)) {
    throw new AppError("CONFLICT", `An order that is ${order.status} cannot become ${to}`);
  }
  if (payment && order.paymentStatus !== "pending") {
    throw new AppError("CONFLICT", `The payment of this order is already ${order.paymentStatus}`);
  }
  let paymentChange = payment;
  if (to === "cancelled") {
    // Refunded before the products are locked for the restock, so that a slow provider holds
    // up this order only. Should the commit fail after the refund, the order is still paid, and
    // cancelling again refunds again: the provider refunds a payment once.
    if (order.paymentStatus === "succeeded") {
      await withPaymentDeadline(deps, (signal) => deps.payments.refund(refundOf(order), signal));
      paymentChange = { status: "refunded" };
    }
    await restock(tx, emit, order.id);
  }
  await tx
    .update(orders)
    .set({
      status: to,
      // A settled payment needs its method no more (see `orders.paymentMethod`).
      ...(paymentChange ? { paymentStatus: paymentChange.status, paymentMethod: null } : {}),
      ...(paymentChange?.status === "succeeded" ? { paymentReference: paymentChange.reference } : {}),
    })
    .where(eq(orders.id, order.id));
  await recordAudit(tx, actor, {
    action: "order.status_change",
    resource: "order",
    resourceId: order.id,
    before: { status: order.status, paymentStatus: order.paymentStatus },
    after: { status: to, paymentStatus: paymentChange?.status ?? order.paymentStatus },
  });
  announceOrderStatus(emit, order, order.status, to, paymentChange?.status ?? order.paymentStatus);
  const moved = await getOrder(tx, order.id);
  await recordWebhookEvent(tx, orderWebhookEvents[to], moved, emit);
  return moved;
}

/** The webhook event each move records; no move leads back to pending, where an order is placed. */
const orderWebhookEvents: Record<OrderStatus, WebhookEventType> = {
  pending: "order.placed",
  paid: "order.paid",
  shipped: "order.shipped",
  delivered: "order.delivered",
  cancelled: "order.cancelled",
};

/** The stock an order took goes back on the shelf; products are locked in id order, as when placing. */
async function restock(tx: Transaction, emit: Emit, orderId: string): Promise<void> {
  const items = await tx
    .select()
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId))
    .orderBy(asc(orderItems.productId));
  for (const item of items) {
    const [product] = await tx
      .update(products)
      .set({ stock: sql`${products.stock} + ${item.quantity}`, version: sql`${products.version} + 1` })
      .where(eq(products.id, item.productId))
      .returning({ id: products.id, version: products.version });
    announceProductChange(emit, "product.updated", product!);
  }
}

/** What the provider is asked to give back for an order: its payment, found by the order id. */
export function refundOf(order: Pick<Order, "id" | "totalAmount" | "currency" | "paymentReference">) {
  return {
    paymentId: order.id,
    amount: order.totalAmount,
    currency: order.currency,
    reference: order.paymentReference,
  };
}

export function announceOrderStatus(
  emit: Emit,
  order: Pick<Order, "id" | "userId">,
  from: OrderStatus | null,
  to: OrderStatus,
  paymentStatus: PaymentStatus,
): void {
  const change: OrderStatusChange = {
    type: "order.status_changed",
    orderId: order.id,
    userId: order.userId,
    from,
    to,
    paymentStatus,
    at: new Date(),
  };
  emit(orderChannel(order.id), change);
  emit(userOrdersChannel(order.userId), change);
}

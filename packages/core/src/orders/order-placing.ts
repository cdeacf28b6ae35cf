import { createHash } from "node:crypto";
import { isUniqueViolation, orderItems, orders, products, type Order, type Transaction } from "@seed/db";
import { and, eq, gte, isNull, sql } from "drizzle-orm";
import type { Actor } from "../shared/actor";
import { AppError } from "@seed/platform";
import type { OrderView, PlaceOrderInput } from "./order-schemas";
import { recordAudit } from "../audit/audit";
import { transactionWithEvents } from "../shared/committed-events";
import { announceProductChange } from "../catalog/product-editing";
import { withPaymentDeadline } from "./payment-deadline";
import { announceOrderStatus, moveOrder, type OrderDeps } from "./order-status";
import { getOrder } from "./order-view";

// The largest amount the API states (moneySchema): an order worth more is refused, never wrapped.
const MAX_TOTAL = 1_000_000_000;

/**
 * Places an order and takes the payment. The order and its stock reservation commit together;
 * the payment follows. A retry with the same idempotency key never makes a second order: it
 * finds the first and carries on from where it stopped, and the provider's own idempotency
 * (keyed by the order id) makes sure the money is taken once.
 */
export async function placeOrder(deps: OrderDeps, actor: Actor & { userId: string }, request: PlaceOrderInput) {
  // One spelling per product id, so that the fingerprint and the stock rows agree.
  const input = {
    ...request,
    items: request.items.map((item) => ({ ...item, productId: item.productId.toLowerCase() })),
  };
  const fingerprint = fingerprintOf(input);
  const order =
    (await findByIdempotencyKey(deps, actor.userId, input.idempotencyKey)) ??
    (await createOrder(deps, actor, input, fingerprint));
  if (order.requestFingerprint !== fingerprint) {
    throw new AppError(
      "CONFLICT",
      "This idempotency key was used for a different order; use a new key for a new order",
    );
  }
  return settlePayment(deps, actor, order);
}

async function createOrder(
  deps: OrderDeps,
  actor: Actor & { userId: string },
  input: PlaceOrderInput,
  fingerprint: string,
): Promise<Order> {
  try {
    return await transactionWithEvents(deps, async (tx, emit) => {
      const reserved = await reserveStock(tx, input.items);
      for (const product of reserved) announceProductChange(emit, "product.updated", product);
      const currency = reserved[0]!.currency;
      if (reserved.some((product) => product.currency !== currency)) {
        throw new AppError("INVALID_INPUT", "All items of an order must be priced in the same currency");
      }
      const total = reserved.reduce((sum, product) => sum + product.priceAmount * product.quantity, 0);
      if (total > MAX_TOTAL) throw new AppError("INVALID_INPUT", "The order total is too large; split the order");
      const [order] = await tx
        .insert(orders)
        .values({
          userId: actor.userId,
          totalAmount: total,
          currency,
          idempotencyKey: input.idempotencyKey,
          requestFingerprint: fingerprint,
        })
        .returning();
      await tx.insert(orderItems).values(
        reserved.map((product) => ({
          orderId: order!.id,
          productId: product.id,
          quantity: product.quantity,
          unitPriceAmount: product.priceAmount,
        })),
      );
      await recordAudit(tx, actor, {
        action: "order.place",
        resource: "order",
        resourceId: order!.id,
        after: { items: input.items, total: { amount: total, currency } },
      });
      announceOrderStatus(emit, order!, null, "pending");
      return order!;
    });
  } catch (error) {
    // A concurrent retry with the same key committed first: its order is the answer.
    if (isUniqueViolation(error)) {
      const first = await findByIdempotencyKey(deps, actor.userId, input.idempotencyKey);
      if (first) return first;
    }
    throw error;
  }
}

/**
 * Takes each product's quantity off its stock in one conditional UPDATE, in id order so that
 * concurrent orders lock rows in the same order and cannot deadlock. The condition is evaluated
 * again after waiting for a concurrent order's lock, so stock never goes below zero.
 */
async function reserveStock(tx: Transaction, items: PlaceOrderInput["items"]) {
  const sorted = [...items].sort((a, b) => a.productId.localeCompare(b.productId));
  const reserved = [];
  for (const item of sorted) {
    const [product] = await tx
      .update(products)
      .set({ stock: sql`${products.stock} - ${item.quantity}`, version: sql`${products.version} + 1` })
      .where(and(eq(products.id, item.productId), isNull(products.deletedAt), gte(products.stock, item.quantity)))
      .returning({
        id: products.id,
        version: products.version,
        priceAmount: products.priceAmount,
        currency: products.currency,
      });
    if (!product) throw await unavailable(tx, item);
    reserved.push({ ...product, quantity: item.quantity });
  }
  return reserved;
}

async function unavailable(tx: Transaction, item: { productId: string; quantity: number }): Promise<AppError> {
  const [product] = await tx
    .select({ name: products.name, stock: products.stock })
    .from(products)
    .where(and(eq(products.id, item.productId), isNull(products.deletedAt)));
  if (!product) return new AppError("NOT_FOUND", `No such product: ${item.productId}`);
  return new AppError(
    "CONFLICT",
    `Out of stock: ${product.name} has ${product.stock} left and ${item.quantity} were asked for`,
  );
}

/** Takes the money for a pending order, then marks it paid, or cancels it when declined. */
async function settlePayment(deps: OrderDeps, actor: Actor, order: Order): Promise<OrderView> {
  if (order.paymentStatus === "declined") throw declined();
  // Cancelled before its payment was confirmed: a charge that went through meanwhile (or whose
  // answer was lost to a timeout) is refunded, on this retry or the next.
  if (order.status === "cancelled" && order.paymentStatus === "pending") {
    await refundCancelled(deps, actor, order.id);
    return getOrder(deps.db, order.id);
  }
  if (order.status !== "pending" || order.paymentStatus !== "pending") return getOrder(deps.db, order.id);
  const result = await withPaymentDeadline(deps, (signal) =>
    deps.payments.charge({ paymentId: order.id, amount: order.totalAmount, currency: order.currency }, signal),
  );
  if (result.status === "declined") {
    await moveOrder(deps, actor, order.id, "cancelled", { status: "declined" });
    throw declined();
  }
  try {
    return await moveOrder(deps, actor, order.id, "paid", result);
  } catch (error) {
    // Moved meanwhile, by a concurrent retry (already paid) or a cancellation (the money goes
    // back): settled as what it has become.
    if (!(error instanceof AppError && error.code === "CONFLICT")) throw error;
    const current = await deps.db.query.orders.findFirst({ where: eq(orders.id, order.id) });
    return settlePayment(deps, actor, current!);
  }
}

async function refundCancelled(deps: OrderDeps, actor: Actor, orderId: string): Promise<void> {
  await withPaymentDeadline(deps, (signal) => deps.payments.refund(orderId, signal));
  await deps.db.transaction(async (tx) => {
    const refunded = await tx
      .update(orders)
      .set({ paymentStatus: "refunded" })
      .where(and(eq(orders.id, orderId), eq(orders.paymentStatus, "pending")))
      .returning({ id: orders.id });
    if (refunded.length === 0) return;
    await recordAudit(tx, actor, {
      action: "order.refund",
      resource: "order",
      resourceId: orderId,
      after: { paymentStatus: "refunded", reason: "cancelled while the payment was under way" },
    });
  });
}

function declined(): AppError {
  return new AppError(
    "PAYMENT_DECLINED",
    "The payment was declined and the order cancelled; try another payment method with a new idempotency key",
  );
}

function findByIdempotencyKey(deps: Pick<OrderDeps, "db">, userId: string, key: string): Promise<Order | undefined> {
  return deps.db.query.orders.findFirst({ where: and(eq(orders.userId, userId), eq(orders.idempotencyKey, key)) });
}

/** What makes two requests the same order: the items, whatever order they were listed in. */
function fingerprintOf(input: PlaceOrderInput): string {
  const items = [...input.items]
    .sort((a, b) => a.productId.localeCompare(b.productId))
    .map((item) => `${item.productId}:${item.quantity}`);
  return createHash("sha256").update(items.join(",")).digest("base64url");
}

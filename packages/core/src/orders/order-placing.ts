import { createHash, randomUUID } from "node:crypto";
import { orderItems, orders, products, type Order, type Transaction } from "@seed/db";
import { and, eq, gte, isNull, sql } from "drizzle-orm";
import type { ServiceDependencies } from "../dependencies";
import type { Actor } from "../shared/actor";
import { AppError } from "@seed/platform";
import type { OrderView, PlaceOrderInput } from "./order-schemas";
import { recordAudit } from "../audit/audit";
import { transactionWithEvents } from "../shared/committed-events";
import { announceProductChange } from "../catalog/product-editing";
import { announceOrderStatus } from "./order-status";
import { compareProductIds, getOrder, toOrderView } from "./order-view";
import { queuePayment } from "./process-payment-job";
import { recordWebhookEvent } from "../webhooks/webhook-outbox";

// The largest amount the API states (moneySchema): an order worth more is refused, never wrapped.
const MAX_TOTAL = 1_000_000_000;

type PlacingDeps = ServiceDependencies<"db" | "events" | "jobs">;

/**
 * Places an order: reserves its stock and writes it, then queues its payment and answers at once
 * with the order pending. The payment job moves it on (paid, or cancelled when declined), and the
 * change reaches the client as an order status event. A retry with the same idempotency key never
 * makes a second order: it answers the first, and queues its payment again while it is not
 * settled (the first request may have stopped before queuing it); the job takes the money once.
 */
export async function placeOrder(
  deps: PlacingDeps,
  actor: Actor & { userId: string },
  request: PlaceOrderInput,
): Promise<OrderView> {
  const { order, view } = await reserveOrder(deps, actor, request);
  // The answer is the order as placed (or as a retry finds it), however fast the job runs.
  const placed = view ?? (await getOrder(deps.db, order.id));
  if (order.paymentStatus === "pending") await queuePayment(deps.jobs, order.id, request.paymentMethod);
  return placed;
}

/**
 * Writes the order with its stock reservation, or finds the one a request with the same
 * idempotency key wrote; its payment is still to be taken (`processPayment`). `view` is the order
 * as written, or null when an earlier request's order is the answer.
 */
export async function reserveOrder(
  deps: Omit<PlacingDeps, "jobs">,
  actor: Actor & { userId: string },
  request: PlaceOrderInput,
): Promise<{ order: Order; view: OrderView | null }> {
  // One spelling per product id, so that the fingerprint and the stock rows agree.
  const input = {
    ...request,
    items: request.items.map((item) => ({ ...item, productId: item.productId.toLowerCase() })),
  };
  const fingerprint = fingerprintOf(input);
  // A new order is the common case, so it is tried first: a retry is caught by the unique key on
  // (user, idempotency key), and its transaction rolls back with the stock it took.
  const placed = await createOrder(deps, actor, input, fingerprint).catch(async (error: unknown) => {
    // Whatever this attempt ran into (that unique key, or stock the first order took), an order
    // already made with the key is the answer.
    const first = await findByIdempotencyKey(deps, actor.userId, input.idempotencyKey).catch(() => undefined);
    if (!first) throw error;
    return { order: first, view: null };
  });
  if (placed.order.requestFingerprint !== fingerprint) {
    throw new AppError(
      "CONFLICT",
      "This idempotency key was used for a different order; use a new key for a new order",
    );
  }
  return placed;
}

async function createOrder(
  deps: Omit<PlacingDeps, "jobs">,
  actor: Actor & { userId: string },
  input: PlaceOrderInput,
  fingerprint: string,
): Promise<{ order: Order; view: OrderView }> {
  return transactionWithEvents(deps, async (tx, emit) => {
    const reserved = await reserveStock(tx, input.items);
    for (const product of reserved) announceProductChange(emit, "product.updated", product);
    const currency = reserved[0]!.currency;
    if (reserved.some((product) => product.currency !== currency)) {
      throw new AppError("INVALID_INPUT", "All items of an order must be priced in the same currency");
    }
    const total = reserved.reduce((sum, product) => sum + product.priceAmount * product.quantity, 0);
    if (total > MAX_TOTAL) throw new AppError("INVALID_INPUT", "The order total is too large; split the order");
    // The order's id is chosen here, so that its row, its items and its audit row go to Postgres
    // together, in one round trip: each waited for on its own cost a round trip, and a system
    // call, apiece. Postgres runs them in the order sent.
    const orderId = randomUUID();
    const [[order]] = await Promise.all([
      tx
        .insert(orders)
        .values({
          id: orderId,
          userId: actor.userId,
          totalAmount: total,
          currency,
          idempotencyKey: input.idempotencyKey,
          requestFingerprint: fingerprint,
          paymentMethod: input.paymentMethod ?? null,
        })
        .returning(),
      tx.insert(orderItems).values(
        reserved.map((product) => ({
          orderId,
          productId: product.id,
          quantity: product.quantity,
          unitPriceAmount: product.priceAmount,
        })),
      ),
      recordAudit(tx, actor, {
        action: "order.place",
        resource: "order",
        resourceId: orderId,
        after: { items: input.items, total: { amount: total, currency } },
      }),
    ]);
    announceOrderStatus(emit, order!, null, "pending", "pending");
    // What `getOrder` would read back, from what the statements returned: no second round trip.
    const view = toOrderView(
      order!,
      reserved.map((product) => ({ ...product, productId: product.id, unitPriceAmount: product.priceAmount })),
    );
    await recordWebhookEvent(tx, "order.placed", view, emit);
    return { order: order!, view };
  });
}

/**
 * Takes each product's quantity off its stock in one conditional UPDATE, in id order so that
 * concurrent orders lock rows in the same order and cannot deadlock. The condition is evaluated
 * again after waiting for a concurrent order's lock, so stock never goes below zero.
 */
async function reserveStock(tx: Transaction, items: PlaceOrderInput["items"]) {
  const sorted = [...items].sort((a, b) => compareProductIds(a.productId, b.productId));
  const reserved = [];
  for (const item of sorted) {
    const [product] = await tx
      .update(products)
      .set({ stock: sql`${products.stock} - ${item.quantity}`, version: sql`${products.version} + 1` })
      .where(and(eq(products.id, item.productId), isNull(products.deletedAt), gte(products.stock, item.quantity)))
      .returning({
        id: products.id,
        name: products.name,
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

function findByIdempotencyKey(deps: Pick<PlacingDeps, "db">, userId: string, key: string): Promise<Order | undefined> {
  return deps.db.query.orders.findFirst({ where: and(eq(orders.userId, userId), eq(orders.idempotencyKey, key)) });
}

/**
 * What makes two requests the same order: the items, whatever order they were listed in, and the
 * payment method (the provider refuses a retried payment with different details).
 */
function fingerprintOf(input: PlaceOrderInput): string {
  const items = [...input.items]
    .sort((a, b) => compareProductIds(a.productId, b.productId))
    .map((item) => `${item.productId}:${item.quantity}`);
  const parts = input.paymentMethod ? [...items, `paid with ${input.paymentMethod}`] : items;
  return createHash("sha256").update(parts.join(",")).digest("base64url");
}

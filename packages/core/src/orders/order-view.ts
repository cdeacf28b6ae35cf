import { orderItems, orders, products, type Database, type Order, type Transaction } from "@seed/db";
import { eq, inArray } from "drizzle-orm";
import { AppError } from "@seed/platform";
import { compareCodeUnits } from "../shared/text";
import type { OrderView } from "./order-schemas";

/**
 * Orders before and after each other by product id, as Postgres orders uuids (byte by byte, which
 * the code units of their lowercase text follow): an order's items are listed in this order,
 * whichever way the view was made, and stock rows are locked in it.
 */
export const compareProductIds: (a: string, b: string) => number = compareCodeUnits;

interface ItemRow {
  productId: string;
  name: string;
  quantity: number;
  unitPriceAmount: number;
}

/** An order as the API shows it, from its row and its items in product id order. */
export function toOrderView(order: Order, items: readonly ItemRow[]): OrderView {
  return {
    id: order.id,
    userId: order.userId,
    status: order.status,
    paymentStatus: order.paymentStatus,
    total: { amount: order.totalAmount, currency: order.currency },
    items: items.map((item) => ({
      productId: item.productId,
      name: item.name,
      quantity: item.quantity,
      unitPrice: { amount: item.unitPriceAmount, currency: order.currency },
    })),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

/** Orders with their items, in the order given. */
export async function withItems(db: Database | Transaction, rows: Order[]): Promise<OrderView[]> {
  if (rows.length === 0) return [];
  const items = await db
    .select({
      orderId: orderItems.orderId,
      productId: orderItems.productId,
      name: products.name,
      quantity: orderItems.quantity,
      unitPriceAmount: orderItems.unitPriceAmount,
    })
    .from(orderItems)
    .innerJoin(products, eq(products.id, orderItems.productId))
    .where(
      inArray(
        orderItems.orderId,
        rows.map((row) => row.id),
      ),
    )
    .orderBy(orderItems.productId);
  return rows.map((order) =>
    toOrderView(
      order,
      items.filter((item) => item.orderId === order.id),
    ),
  );
}

export async function getOrder(db: Database | Transaction, orderId: string): Promise<OrderView> {
  const order = await db.query.orders.findFirst({ where: eq(orders.id, orderId) });
  if (!order) throw new AppError("NOT_FOUND", "No such order");
  const [view] = await withItems(db, [order]);
  return view!;
}

/** Who owns an order, for the ownership check; null when there is no such order. */
export async function findOrderOwner(db: Database, orderId: string): Promise<{ ownerId: string } | null> {
  const order = await db.query.orders.findFirst({ where: eq(orders.id, orderId), columns: { userId: true } });
  return order ? { ownerId: order.userId } : null;
}

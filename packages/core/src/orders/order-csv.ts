import { orderItems, orders, type Database } from "@seed/db";
import { desc, eq, sql } from "drizzle-orm";

/** Enough for any shopper; the file stays small enough to keep as a job's result. */
export const EXPORT_MAX_ORDERS = 10_000;

const COLUMNS = ["order_id", "placed_at", "status", "payment_status", "items", "total_amount", "currency"];

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The user's orders, newest first, as CSV (amounts in minor units, times in UTC). */
export async function ordersCsv(db: Database, userId: string): Promise<{ csv: string; rows: number }> {
  const rows = await db
    .select({
      id: orders.id,
      createdAt: orders.createdAt,
      status: orders.status,
      paymentStatus: orders.paymentStatus,
      items: sql<number>`(select coalesce(sum(${orderItems.quantity}), 0)::int from ${orderItems} where ${orderItems.orderId} = ${orders.id})`,
      totalAmount: orders.totalAmount,
      currency: orders.currency,
    })
    .from(orders)
    .where(eq(orders.userId, userId))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(EXPORT_MAX_ORDERS);
  const lines = rows.map((row) =>
    [row.id, row.createdAt.toISOString(), row.status, row.paymentStatus, row.items, row.totalAmount, row.currency]
      .map(csvField)
      .join(","),
  );
  return { csv: [COLUMNS.join(","), ...lines].join("\r\n") + "\r\n", rows: rows.length };
}

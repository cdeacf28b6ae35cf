import { orders, type Database } from "@seed/db";
import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Principal } from "../shared/actor";
import { AppError } from "@seed/platform";
import type { OrderQuery } from "./order-schemas";
import { decodeCursor, encodeCursor, timestampKey, timestampKeySchema } from "../shared/keyset-cursor";
import { toPage } from "../shared/pagination";
import { withItems } from "./order-view";

const cursorSchema = z.tuple([timestampKeySchema, z.uuid()]);

/** Newest first. The caller's own orders, or everyone's for a holder of `order:read:any`. */
export async function listOrders(db: Database, user: Pick<Principal, "id" | "permissions">, query: OrderQuery) {
  if (query.scope === "all" && !user.permissions.has("order:read:any")) {
    throw new AppError("FORBIDDEN", "Listing everyone's orders needs the order:read:any permission");
  }
  const conditions: (SQL | undefined)[] = [
    query.scope === "mine" ? eq(orders.userId, user.id) : undefined,
    query.status ? eq(orders.status, query.status) : undefined,
    query.paymentStatus ? eq(orders.paymentStatus, query.paymentStatus) : undefined,
  ];
  if (query.cursor) {
    const [createdAt, id] = decodeCursor(query.cursor, cursorSchema);
    conditions.push(sql`(${orders.createdAt}, ${orders.id}) < (${createdAt}::timestamptz, ${id})`);
  }
  const rows = await db
    .select({ order: orders, createdAtKey: timestampKey(orders.createdAt) })
    .from(orders)
    .where(and(...conditions))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(query.limit + 1);
  const page = toPage(rows, query.limit, (row) => encodeCursor([row.createdAtKey, row.order.id]));
  return {
    items: await withItems(
      db,
      page.items.map((row) => row.order),
    ),
    nextCursor: page.nextCursor,
  };
}

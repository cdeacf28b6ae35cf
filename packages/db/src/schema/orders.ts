import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { products } from "./products";
import { users } from "./users";

export const orderStatusValues = ["pending", "paid", "shipped", "delivered", "cancelled"] as const;
export const orderStatus = pgEnum("order_status", orderStatusValues);

export const paymentStatusValues = ["pending", "succeeded", "declined", "refunded"] as const;
export const paymentStatus = pgEnum("payment_status", paymentStatusValues);

/**
 * One order of one user. The idempotency key is unique per user, so a retried request finds the
 * order its first attempt made instead of making a second one; the fingerprint tells a retry
 * from a different request that reused the key.
 */
export const orders = pgTable(
  "orders",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    status: orderStatus("status").notNull().default("pending"),
    totalAmount: integer("total_amount").notNull(),
    currency: text("currency").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    requestFingerprint: text("request_fingerprint").notNull(),
    paymentStatus: paymentStatus("payment_status").notNull().default("pending"),
    /** The provider's reference of the charge, once it succeeded. */
    paymentReference: text("payment_reference"),
    /**
     * How the customer pays, as the provider names it (`Charge.paymentMethod`), so that a payment
     * whose job was lost is queued again as it was asked for. Forgotten once the payment settles:
     * nothing needs it then, and an order is kept for years.
     */
    paymentMethod: text("payment_method"),
    /**
     * When the payment's job was last queued: an unsettled payment queued long ago was lost with
     * its job. Null for orders placed before it was kept, whose payment method was not kept either.
     */
    paymentQueuedAt: timestamp("payment_queued_at", { withTimezone: true }).defaultNow(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (table) => [
    uniqueIndex("orders_user_idempotency_key").on(table.userId, table.idempotencyKey),
    index("orders_user_created_idx").on(table.userId, table.createdAt, table.id),
    index("orders_created_idx").on(table.createdAt, table.id),
    index("orders_unsettled_payment_idx")
      .on(table.paymentQueuedAt)
      .where(sql`${table.paymentStatus} = 'pending'`),
    check("orders_total_not_negative", sql`${table.totalAmount} >= 0`),
  ],
);

/** The price is copied at the time of the order: later price changes do not rewrite history. */
export const orderItems = pgTable(
  "order_items",
  {
    orderId: uuid("order_id")
      .notNull()
      .references(() => orders.id, { onDelete: "cascade" }),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    quantity: integer("quantity").notNull(),
    unitPriceAmount: integer("unit_price_amount").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orderId, table.productId] }),
    check("order_items_quantity_positive", sql`${table.quantity} > 0`),
  ],
);

export type Order = typeof orders.$inferSelect;
export type OrderItem = typeof orderItems.$inferSelect;

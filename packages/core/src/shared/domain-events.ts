/**
 * The events the shop publishes after a change commits, and the channels they travel on.
 * Subscriptions read these channels; nothing is published for a change that rolled back.
 */

export const orderStatuses = ["pending", "paid", "shipped", "delivered", "cancelled"] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const paymentStatuses = ["pending", "succeeded", "declined", "refunded"] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

export type ProductChangeType = "product.created" | "product.updated" | "product.deleted" | "product.restored";

export interface ProductChange {
  type: ProductChangeType;
  productId: string;
  /** The product's version after the change; a subscriber ignores anything older than it holds. */
  version: number;
  at: Date;
}

export interface OrderStatusChange {
  type: "order.status_changed";
  orderId: string;
  /** The order's owner. */
  userId: string;
  /** Null when the order was just placed. */
  from: OrderStatus | null;
  to: OrderStatus;
  /** The order's payment after the change: a declined payment cancels the order. */
  paymentStatus: PaymentStatus;
  at: Date;
}

export const productChangesChannel = "products";
/** The status changes of one order. */
export const orderChannel = (orderId: string) => `order:${orderId}`;
/** The status changes of every order of one user. */
export const userOrdersChannel = (userId: string) => `user:${userId}:orders`;

import { z } from "zod";
import { orderStatuses, paymentStatuses } from "../shared/domain-events";
import { pageDirectionSchema, pageLimitSchema } from "../shared/validators";
import { moneySchema } from "../catalog/money";
import { textSchema } from "../shared/text";

export const orderIdSchema = z.object({ orderId: z.uuid() });

/** Chosen by the client, once per order it means to place, and sent again with every retry. */
export const idempotencyKeySchema = z
  .string()
  .min(8, "Idempotency key must be at least 8 characters")
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, "Idempotency key may hold letters, digits, '_' and '-'");

export const placeOrderSchema = z.strictObject({
  items: z
    .array(z.strictObject({ productId: z.uuid(), quantity: z.number().int().min(1).max(1000) }))
    .min(1, "An order needs at least one item")
    .max(50, "An order holds at most 50 different products")
    .refine(
      (items) => new Set(items.map((item) => item.productId.toLowerCase())).size === items.length,
      "List each product once, with its quantity",
    ),
  idempotencyKey: idempotencyKeySchema,
  /**
   * How the customer pays, when the shop takes payments through Stripe: the id of a PaymentMethod
   * that Stripe.js made in the browser. The in-process provider needs none.
   */
  paymentMethod: z
    .string()
    .regex(/^pm_[A-Za-z0-9_]{1,200}$/, "Payment method must be a Stripe PaymentMethod id (pm_...)")
    .optional(),
});
export type PlaceOrderInput = z.infer<typeof placeOrderSchema>;

export const orderStatusSchema = z.enum(orderStatuses);

/**
 * Staff move orders along; `paid` is set by the payment, or by an admin who settles the payment
 * by hand (`settlePaymentByHand`), never by a move.
 */
export const setOrderStatusSchema = z.strictObject({
  orderId: z.uuid(),
  status: z.enum(["shipped", "delivered", "cancelled"]),
});

/**
 * An administrator's settlement of a payment the shop never learnt the end of. `reference` is the
 * provider's id of the order's payment (a Stripe PaymentIntent, `pi_...`, found in its records by
 * the order id), and the provider is asked how that payment ended; `null` says the provider holds
 * no payment for the order, so nothing was taken, and nothing will be.
 */
export const settlePaymentSchema = z.strictObject({
  orderId: z.uuid(),
  reference: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,255}$/, "Reference must be the provider's id of the payment (pi_...)")
    .nullable(),
  reason: textSchema.trim().min(3, "Say why, in a few words").max(500),
});
export type SettlePaymentInput = z.infer<typeof settlePaymentSchema>;

export const orderQuerySchema = z.strictObject({
  /** `all` lists everyone's orders, for holders of `order:read:any`. */
  scope: z.enum(["mine", "all"]).default("mine"),
  status: orderStatusSchema.optional(),
  paymentStatus: z.enum(paymentStatuses).optional(),
  cursor: textSchema.max(512).optional(),
  limit: pageLimitSchema,
  direction: pageDirectionSchema,
});
export type OrderQuery = z.infer<typeof orderQuerySchema>;

export const orderSchema = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  status: orderStatusSchema,
  paymentStatus: z.enum(paymentStatuses),
  total: moneySchema,
  items: z.array(
    z.object({ productId: z.uuid(), name: z.string(), quantity: z.number().int(), unitPrice: moneySchema }),
  ),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type OrderView = z.infer<typeof orderSchema>;

export const orderPageSchema = z.object({ items: z.array(orderSchema), nextCursor: z.string().nullable() });

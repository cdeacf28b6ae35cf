import type { TRPCRouterRecord } from "@trpc/server";
import {
  actorOf,
  findOrderOwner,
  getOrder,
  listOrders,
  moveOrder,
  orderChannel,
  orderIdSchema,
  orderPageSchema,
  orderQuerySchema,
  orderSchema,
  type OrderStatusChange,
  placeOrder,
  placeOrderSchema,
  setOrderStatusSchema,
  settlePaymentByHand,
  settlePaymentSchema,
} from "@seed/core";
import { lastEventIdSchema } from "../live/resume-input";
import { liveEvents } from "../live/live-events";
import { ownerOrHolderOf } from "../live/still-allowed";
import { limitUsage } from "../middlewares/limit-usage";
import { protectedProcedure, requireOwnership, requirePermission } from "../trpc";

/** Someone else's order is refused as not found, unless the caller may act on anyone's. */
const ownOrder = (anyPermission: "order:read:any" | "order:update:any") =>
  requireOwnership({
    input: orderIdSchema,
    load: (ctx, input) => findOrderOwner(ctx.db, input.orderId),
    anyPermission,
    notFound: "No such order",
  });

const followedOrder = requireOwnership({
  input: orderIdSchema.extend({ lastEventId: lastEventIdSchema }),
  load: (ctx, input) => findOrderOwner(ctx.db, input.orderId),
  anyPermission: "order:read:any",
  notFound: "No such order",
});

export const ordersRouter = {
  place: requirePermission("order:create")
    .meta({
      openapi: {
        method: "POST",
        path: "/orders",
        tags: ["orders"],
        summary: "Place an order",
        description:
          "A retry with the same idempotency key answers the same order, placed and charged once; a key reused for another order is refused with 409.",
        successStatus: 201,
        location: "/orders/{id}",
        errorResponses: [402, 404, 409, 502],
      },
    })
    .use(limitUsage("placing orders", (ctx) => ctx.orderPlacingBudget))
    .input(placeOrderSchema)
    .output(orderSchema)
    .mutation(({ ctx, input }) => placeOrder(ctx, { ...actorOf(ctx), userId: ctx.user.id }, input)),

  get: ownOrder("order:read:any")
    .meta({
      openapi: { method: "GET", path: "/orders/{orderId}", tags: ["orders"], summary: "One order" },
    })
    .output(orderSchema)
    .query(({ ctx, input }) => getOrder(ctx.db, input.orderId)),

  list: protectedProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/orders",
        tags: ["orders"],
        summary: "Your orders",
        description: "`scope=all` lists everyone's, for holders of order:read:any.",
        errorResponses: [403],
      },
    })
    .input(orderQuerySchema)
    .output(orderPageSchema)
    .query(({ ctx, input }) => listOrders(ctx.db, ctx.user, input)),

  cancel: ownOrder("order:update:any")
    .meta({
      openapi: {
        method: "POST",
        path: "/orders/{orderId}/cancel",
        tags: ["orders"],
        summary: "Cancel an order",
        description: "A pending or paid order only; it is restocked and refunded.",
        errorResponses: [409],
      },
    })
    .output(orderSchema)
    .mutation(({ ctx, input }) => moveOrder(ctx, actorOf(ctx), input.orderId, "cancelled")),

  /**
   * The order's status changes as they commit, for as long as the caller may read the order:
   * losing `order:read:any` ends a follower's subscription with FORBIDDEN.
   */
  onStatusChange: followedOrder.subscription(({ ctx, input, signal }) =>
    liveEvents<OrderStatusChange>(ctx, signal, {
      channels: [orderChannel(input.orderId)],
      lastEventId: input.lastEventId,
      stillAllowed: ownerOrHolderOf(ctx.resource.ownerId, ctx.user.id, "order:read:any"),
    }),
  ),

  setStatus: requirePermission("order:update:any")
    .meta({
      openapi: {
        method: "PATCH",
        path: "/orders/{orderId}",
        tags: ["orders"],
        summary: "Ship, deliver or cancel an order",
        description: "Along the allowed transitions only; any other is refused with 409.",
        errorResponses: [409],
      },
    })
    .input(setOrderStatusSchema)
    .output(orderSchema)
    .mutation(({ ctx, input }) => moveOrder(ctx, actorOf(ctx), input.orderId, input.status)),

  settlePayment: requirePermission("order:update:any")
    .meta({
      openapi: {
        method: "POST",
        path: "/orders/{orderId}/payment",
        tags: ["orders"],
        summary: "Settle a payment by hand",
        description:
          "For a payment the shop never learnt the end of. `reference` names the provider's payment of this order, and the provider is asked how it ended: taken, a pending order becomes paid and a cancelled one is refunded; given back in full or never taken, a pending order is cancelled and restocked, a payment never taken being cancelled at the provider first. `reference: null` says the provider holds no payment for the order; the provider is asked by the order id, and one it holds that was not declined is refused with 409, naming it. A reference that is not this order's payment is refused with 422; a payment of another amount, partly given back, still settling at the provider, already settled, or whose job went to the provider in the last quarter of an hour, with 409.",
        errorResponses: [409, 502],
      },
    })
    .input(settlePaymentSchema)
    .output(orderSchema)
    .mutation(({ ctx, input }) => settlePaymentByHand(ctx, actorOf(ctx), input)),
} satisfies TRPCRouterRecord;

import type { TRPCRouterRecord } from "@trpc/server";
import { actorOf } from "../actor";
import {
  orderIdSchema,
  orderPageSchema,
  orderQuerySchema,
  orderSchema,
  placeOrderSchema,
  setOrderStatusSchema,
} from "../schemas/orders";
import { findOrderOwner, getOrder, listOrders, moveOrder, placeOrder } from "../services/orders";
import { limitUsage, protectedProcedure, requireOwnership, requirePermission } from "../trpc";

/** Someone else's order is refused as not found, unless the caller may act on anyone's. */
const ownOrder = (anyPermission: "order:read:any" | "order:update:any") =>
  requireOwnership({
    input: orderIdSchema,
    load: (ctx, input) => findOrderOwner(ctx.db, input.orderId),
    anyPermission,
    notFound: "No such order",
  });

/** Generous for a shopper, tight for a script that hoards stock or tests stolen cards. */
const ORDER_PLACING_BUDGET = { perUser: 30, perAddress: 120, windowMs: 60_000 };

export const ordersRouter = {
  place: requirePermission("order:create")
    .meta({ openapi: { method: "POST", path: "/orders", tags: ["orders"], protect: true, summary: "Place an order" } })
    .use(limitUsage("placing orders", ORDER_PLACING_BUDGET))
    .input(placeOrderSchema)
    .output(orderSchema)
    .mutation(({ ctx, input }) => placeOrder(ctx, { ...actorOf(ctx), userId: ctx.user.id }, input)),

  get: ownOrder("order:read:any")
    .meta({
      openapi: { method: "GET", path: "/orders/{orderId}", tags: ["orders"], protect: true, summary: "One order" },
    })
    .output(orderSchema)
    .query(({ ctx, input }) => getOrder(ctx.db, input.orderId)),

  list: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/orders", tags: ["orders"], protect: true, summary: "Your orders" } })
    .input(orderQuerySchema)
    .output(orderPageSchema)
    .query(({ ctx, input }) => listOrders(ctx.db, ctx.user, input)),

  cancel: ownOrder("order:update:any")
    .meta({
      openapi: {
        method: "POST",
        path: "/orders/{orderId}/cancel",
        tags: ["orders"],
        protect: true,
        summary: "Cancel an order",
      },
    })
    .output(orderSchema)
    .mutation(({ ctx, input }) => moveOrder(ctx, actorOf(ctx), input.orderId, "cancelled")),

  setStatus: requirePermission("order:update:any")
    .input(setOrderStatusSchema)
    .output(orderSchema)
    .mutation(({ ctx, input }) => moveOrder(ctx, actorOf(ctx), input.orderId, input.status)),
} satisfies TRPCRouterRecord;

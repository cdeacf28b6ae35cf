import type { TRPCRouterRecord } from "@trpc/server";
import {
  actorOf,
  createProduct,
  deleteProduct,
  getProduct,
  listProducts,
  newProductSchema,
  productIdSchema,
  productPageSchema,
  productQuerySchema,
  productSchema,
  productUpdateSchema,
  restoreProduct,
  updateProduct,
} from "@seed/core";
import { AppError } from "@seed/platform";
import { publicProcedure, requirePermission } from "../trpc";
import { productSubscriptions } from "./products-live";

export const productsRouter = {
  list: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/products",
        tags: ["products"],
        summary: "Search and page the catalogue",
        description: "`deleted=true` lists the deleted products, for holders of product:restore.",
        errorResponses: [403],
      },
    })
    .input(productQuerySchema)
    .output(productPageSchema)
    .query(({ ctx, input }) => {
      if (input.deleted && !ctx.user?.permissions.has("product:restore")) {
        throw new AppError("FORBIDDEN", "Listing deleted products needs the product:restore permission");
      }
      return listProducts(ctx.db, input);
    }),

  get: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/products/{productId}",
        tags: ["products"],
        summary: "One product",
      },
    })
    .input(productIdSchema)
    .output(productSchema)
    .query(({ ctx, input }) =>
      getProduct(ctx.db, input.productId, { includeDeleted: ctx.user?.permissions.has("product:restore") ?? false }),
    ),

  create: requirePermission("product:create")
    .meta({
      openapi: {
        method: "POST",
        path: "/products",
        tags: ["products"],
        summary: "Add a product",
        successStatus: 201,
        location: "/products/{id}",
        errorResponses: [409],
      },
    })
    .input(newProductSchema)
    .output(productSchema)
    .mutation(({ ctx, input }) => createProduct(ctx, actorOf(ctx), input)),

  update: requirePermission("product:update")
    .meta({
      openapi: {
        method: "PATCH",
        path: "/products/{productId}",
        tags: ["products"],
        summary: "Change a product",
        description:
          "Send the `version` you last read: if the product changed since, nothing is changed and the answer is 409.",
        errorResponses: [409],
      },
    })
    .input(productUpdateSchema)
    .output(productSchema)
    .mutation(({ ctx, input }) => updateProduct(ctx, actorOf(ctx), input)),

  delete: requirePermission("product:delete")
    .meta({
      openapi: {
        method: "DELETE",
        path: "/products/{productId}",
        tags: ["products"],
        summary: "Hide a product (it can be restored)",
      },
    })
    .input(productIdSchema)
    .output(productSchema)
    .mutation(({ ctx, input }) => deleteProduct(ctx, actorOf(ctx), input.productId)),

  restore: requirePermission("product:restore")
    .meta({
      openapi: {
        method: "POST",
        path: "/products/{productId}/restore",
        tags: ["products"],
        summary: "Bring back a deleted product",
      },
    })
    .input(productIdSchema)
    .output(productSchema)
    .mutation(({ ctx, input }) => restoreProduct(ctx, actorOf(ctx), input.productId)),

  ...productSubscriptions,
} satisfies TRPCRouterRecord;

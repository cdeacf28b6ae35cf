import type { Server } from "@seed/server";
import superjson from "superjson";
import { listProducts, productPageSchema, type ProductQuery } from "@seed/core";

/** The first page of 50 products, newest first, out of the bench database's 10,000. */
const query: ProductQuery = { limit: 50, sort: "newest", deleted: false };

export const productListPath = `/trpc/products.list?input=${encodeURIComponent(JSON.stringify({ json: { limit: 50 } }))}`;

/**
 * The ceiling for the product list: a plain Fastify route that runs the same service (the same
 * SQL), validates the same output and serializes it as tRPC does, without tRPC in between.
 */
export function answerProductListWithoutTRPC(server: Server): void {
  const db = server.resources.database.db;
  server.app.get("/trpc/products.list", async (_req, reply) => {
    const page = productPageSchema.parse(await listProducts(db, query));
    const body = Buffer.from(JSON.stringify({ result: { data: superjson.serialize(page) } }));
    return reply.header("content-type", "application/json").header("vary", "trpc-accept, accept").send(body);
  });
}

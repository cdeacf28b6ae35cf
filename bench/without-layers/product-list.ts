import type { Server } from "@seed/server";
import type postgres from "postgres";

export const productListPath = `/trpc/products.list?input=${encodeURIComponent(JSON.stringify({ json: { limit: 50 } }))}`;

const PAGE_SIZE = 50;

/**
 * The SELECT of products.list's first page (newest first), as the service sends it: every column
 * but the search vector, the creation time as Postgres text for the cursor, one row more than
 * the page to tell whether another page exists.
 */
const FIRST_PAGE = `select "products"."id", "products"."sku", "products"."name", "products"."description",
  "products"."category", "products"."price_amount", "products"."currency", "products"."stock", "products"."version",
  "products"."created_at", "products"."updated_at", "products"."deleted_at", "products"."created_at"::text
  from "products" where "products"."deleted_at" is null
  order by "products"."created_at" desc, "products"."id" desc limit $1`;

type ProductRow = [
  id: string,
  sku: string,
  name: string,
  description: string,
  category: string,
  priceAmount: number,
  currency: string,
  stock: number,
  version: number,
  createdAt: Date,
  updatedAt: Date,
  deletedAt: Date | null,
  createdAtKey: string,
];

/**
 * The limit for the product list: a plain Fastify route that runs the same SELECT through
 * postgres.js and writes the bytes a client needs (tRPC's envelope, superjson's metadata for the
 * dates) with JSON.stringify, and nothing else: no router, no row mapping, no output check.
 */
export function answerProductListWithoutLayers(server: Server, sql: postgres.Sql): void {
  server.app.get("/trpc/products.list", async (_req, reply) => {
    const rows = (await sql.unsafe(FIRST_PAGE, [PAGE_SIZE + 1], { prepare: true }).values()) as unknown as ProductRow[];
    const page = rows.slice(0, PAGE_SIZE);
    const items: string[] = [];
    const dates: string[] = [];
    page.forEach((row, index) => {
      items.push(productJson(row));
      dates.push(`"items.${index}.createdAt":["Date"]`, `"items.${index}.updatedAt":["Date"]`);
      if (row[11]) dates.push(`"items.${index}.deletedAt":["Date"]`);
    });
    const last = page.at(-1);
    const nextCursor =
      rows.length > PAGE_SIZE && last
        ? Buffer.from(JSON.stringify(["newest", last[12], last[0]])).toString("base64url")
        : null;
    const body = `{"result":{"data":{"json":{"items":[${items.join(",")}],"nextCursor":${JSON.stringify(nextCursor)}},"meta":{"values":{${dates.join(",")}},"v":1}}}}`;
    return reply
      .header("content-type", "application/json")
      .header("vary", "trpc-accept, accept")
      .send(Buffer.from(body));
  });
}

function productJson([
  id,
  sku,
  name,
  description,
  category,
  amount,
  currency,
  stock,
  version,
  createdAt,
  updatedAt,
  deletedAt,
]: ProductRow): string {
  return JSON.stringify({
    id,
    sku,
    name,
    description,
    category,
    price: { amount, currency },
    stock,
    version,
    // The text JSON writes for a Date, made here as our output check makes it: JSON.stringify
    // would look up each Date's toJSON and call it from native code, at twice the cost.
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
    deletedAt: deletedAt && deletedAt.toISOString(),
  });
}

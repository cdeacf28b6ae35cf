import { products, type Database } from "@seed/db";
import { and, asc, desc, eq, gt, gte, isNotNull, isNull, lte, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "@seed/platform";
import type { ProductQuery, ProductSort } from "./product-schemas";
import { decodeCursor, encodeCursor, timestampKey, timestampKeySchema } from "../shared/keyset-cursor";
import { textSchema } from "../shared/text";
import { toPage } from "../shared/pagination";
import { productColumns, toProductView } from "./product-view";

/**
 * Each sort orders by one column and then the id, so every row has a distinct position and a
 * page can start right after the last row shown: rows inserted meanwhile never shift a page.
 */
const sorts: Record<ProductSort, { key: SQL; descending: boolean; keyOf: (row: Row) => string | number }> = {
  // The cursor keeps the time as Postgres text (`timestampKey`), microseconds included.
  newest: { key: sql`${products.createdAt}`, descending: true, keyOf: (row) => row.createdAtKey },
  price_asc: { key: sql`${products.priceAmount}`, descending: false, keyOf: (row) => row.priceAmount },
  price_desc: { key: sql`${products.priceAmount}`, descending: true, keyOf: (row) => row.priceAmount },
  name_asc: { key: sql`${products.name}`, descending: false, keyOf: (row) => row.name },
};

const cursorSchema = z.union([
  z.tuple([z.literal("newest"), timestampKeySchema, z.uuid()]),
  z.tuple([z.enum(["price_asc", "price_desc"]), z.number().int().min(0).max(2_147_483_647), z.uuid()]),
  z.tuple([z.literal("name_asc"), textSchema.max(200), z.uuid()]),
]);

export async function listProducts(db: Database, query: ProductQuery) {
  const sort = sorts[query.sort];
  const parameters: PageParameters = { ...query, limit: query.limit + 1 };
  if (query.cursor) {
    const [cursorSort, key, id] = decodeCursor(query.cursor, cursorSchema);
    if (cursorSort !== query.sort) throw new AppError("INVALID_INPUT", "This cursor belongs to another sort order");
    Object.assign(parameters, { cursorKey: key, cursorId: id });
  }
  const rows = await pageQuery(db, query).execute(parameters);
  const page = toPage(rows, query.limit, (row) => encodeCursor([query.sort, sort.keyOf(row), row.id]));
  return { items: page.items.map(toProductView), nextCursor: page.nextCursor };
}

type PageParameters = ProductQuery & { cursorKey?: string | number; cursorId?: string };

/**
 * The SELECT of a page, built once for each shape of query (its sort, which filters it uses,
 * whether it has a cursor) with placeholders for the values, and kept per database: building the
 * SQL again for every request cost as much as running it.
 */
const pageQueries = new WeakMap<Database, Map<string, ReturnType<typeof preparePage>>>();

function pageQuery(db: Database, query: ProductQuery) {
  const shape = [
    query.sort,
    query.deleted,
    query.cursor !== undefined,
    ...(["search", "category", "currency", "minPrice", "maxPrice"] as const).map((name) => query[name] !== undefined),
    query.inStock ?? "any",
  ].join();
  let byShape = pageQueries.get(db);
  if (!byShape) pageQueries.set(db, (byShape = new Map()));
  let prepared = byShape.get(shape);
  if (!prepared) byShape.set(shape, (prepared = preparePage(db, query)));
  return prepared;
}

function preparePage(db: Database, query: ProductQuery) {
  const sort = sorts[query.sort];
  const conditions = filtersOf(query);
  if (query.cursor) {
    const key = sql.placeholder("cursorKey");
    const keyValue = query.sort === "newest" ? sql`${key}::timestamptz` : sql`${key}`;
    const id = sql`${sql.placeholder("cursorId")}::uuid`;
    conditions.push(
      sort.descending
        ? sql`(${sort.key}, ${products.id}) < (${keyValue}, ${id})`
        : sql`(${sort.key}, ${products.id}) > (${keyValue}, ${id})`,
    );
  }
  return db
    .select({ ...productColumns, createdAtKey: timestampKey(products.createdAt) })
    .from(products)
    .where(and(...conditions))
    .orderBy(...(sort.descending ? [desc(sort.key), desc(products.id)] : [asc(sort.key), asc(products.id)]))
    .limit(sql.placeholder("limit"))
    .prepare(`product_page_${query.sort}`);
}

type Row = Awaited<ReturnType<ReturnType<typeof preparePage>["execute"]>>[number];

/** The filters `query` uses, each comparing with a placeholder named after its field. */
function filtersOf(query: ProductQuery): SQL[] {
  const conditions: SQL[] = [query.deleted ? isNotNull(products.deletedAt) : isNull(products.deletedAt)];
  if (query.search) {
    conditions.push(sql`${products.search} @@ websearch_to_tsquery('english', ${sql.placeholder("search")})`);
  }
  if (query.category) conditions.push(eq(products.category, sql.placeholder("category")));
  if (query.currency) conditions.push(eq(products.currency, sql.placeholder("currency")));
  if (query.minPrice !== undefined) conditions.push(gte(products.priceAmount, sql.placeholder("minPrice")));
  if (query.maxPrice !== undefined) conditions.push(lte(products.priceAmount, sql.placeholder("maxPrice")));
  if (query.inStock !== undefined) conditions.push(query.inStock ? gt(products.stock, 0) : eq(products.stock, 0));
  return conditions;
}

/** One product; a deleted one only for callers who may see deleted products. */
export async function getProduct(db: Database, productId: string, options: { includeDeleted: boolean }) {
  const [row] = await db
    .select(productColumns)
    .from(products)
    .where(and(eq(products.id, productId), options.includeDeleted ? undefined : isNull(products.deletedAt)));
  if (!row) throw new AppError("NOT_FOUND", "No such product");
  return toProductView(row);
}

import { products, type Database } from "@seed/db";
import { and, asc, desc, eq, gt, gte, isNotNull, isNull, lte, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "@seed/platform";
import type { ProductQuery, ProductSort, ProductView } from "./product-schemas";
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

type Row = Awaited<ReturnType<typeof selectPage>>[number];

const cursorSchema = z.union([
  z.tuple([z.literal("newest"), timestampKeySchema, z.uuid()]),
  z.tuple([z.enum(["price_asc", "price_desc"]), z.number().int().min(0).max(2_147_483_647), z.uuid()]),
  z.tuple([z.literal("name_asc"), textSchema.max(200), z.uuid()]),
]);

export async function listProducts(db: Database, query: ProductQuery) {
  const sort = sorts[query.sort];
  const conditions = filtersOf(query);
  if (query.cursor) {
    const [cursorSort, key, id] = decodeCursor(query.cursor, cursorSchema);
    if (cursorSort !== query.sort) throw new AppError("INVALID_INPUT", "This cursor belongs to another sort order");
    const keyValue = query.sort === "newest" ? sql`${key}::timestamptz` : sql`${key}`;
    conditions.push(
      sort.descending
        ? sql`(${sort.key}, ${products.id}) < (${keyValue}, ${id})`
        : sql`(${sort.key}, ${products.id}) > (${keyValue}, ${id})`,
    );
  }
  const rows = await selectPage(
    db,
    and(...conditions),
    sort.descending ? [desc(sort.key), desc(products.id)] : [asc(sort.key), asc(products.id)],
    query.limit + 1,
  );
  const page = toPage(rows, query.limit, (row) => encodeCursor([query.sort, sort.keyOf(row), row.id]));
  return { items: page.items.map(toListedView), nextCursor: page.nextCursor };
}

function selectPage(db: Database, where: SQL | undefined, order: SQL[], limit: number) {
  return db
    .select({ ...productColumns, createdAtKey: timestampKey(products.createdAt) })
    .from(products)
    .where(where)
    .orderBy(...order)
    .limit(limit);
}

function toListedView({ createdAtKey: _key, ...row }: Row): ProductView {
  return toProductView(row);
}

function filtersOf(query: ProductQuery): SQL[] {
  const conditions: SQL[] = [query.deleted ? isNotNull(products.deletedAt) : isNull(products.deletedAt)];
  if (query.search) conditions.push(sql`${products.search} @@ websearch_to_tsquery('english', ${query.search})`);
  if (query.category) conditions.push(eq(products.category, query.category));
  if (query.currency) conditions.push(eq(products.currency, query.currency));
  if (query.minPrice !== undefined) conditions.push(gte(products.priceAmount, query.minPrice));
  if (query.maxPrice !== undefined) conditions.push(lte(products.priceAmount, query.maxPrice));
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

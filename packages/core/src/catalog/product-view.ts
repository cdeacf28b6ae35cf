import { products, type Product } from "@seed/db";
import { getTableColumns } from "drizzle-orm";
import type { ProductView } from "./product-schemas";

const { search: _search, ...viewColumns } = getTableColumns(products);

/** Every column but the search vector, which is the database's business. */
export const productColumns = viewColumns;

/**
 * Field by field rather than `{ ...rest, price }`: V8 builds an object spread and then given a
 * new property on a slow path, and a page maps fifty of them.
 */
export function toProductView(row: Omit<Product, "search">): ProductView {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    price: { amount: row.priceAmount, currency: row.currency },
    stock: row.stock,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    deletedAt: row.deletedAt,
  };
}

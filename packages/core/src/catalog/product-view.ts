import { products, type Product } from "@seed/db";
import { getTableColumns } from "drizzle-orm";
import type { ProductView } from "./product-schemas";

const { search: _search, ...viewColumns } = getTableColumns(products);

/** Every column but the search vector, which is the database's business. */
export const productColumns = viewColumns;

export function toProductView(row: Omit<Product, "search">): ProductView {
  const { priceAmount, currency, ...rest } = row;
  return { ...rest, price: { amount: priceAmount, currency } };
}

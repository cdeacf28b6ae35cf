import { sql, type SQL } from "drizzle-orm";
import { check, customType, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/**
 * Prices are integer minor units (cents) with an ISO 4217 currency: never floats. `version`
 * grows with every change, so an update based on a stale read is refused instead of applied.
 * Deleting only sets `deleted_at`, so orders keep their products and a deletion can be undone.
 */
export const products = pgTable(
  "products",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** The merchant's own reference; unique, which also makes seeding safe to repeat. */
    sku: text("sku").notNull().unique(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    category: text("category").notNull(),
    priceAmount: integer("price_amount").notNull(),
    currency: text("currency").notNull(),
    stock: integer("stock").notNull(),
    version: integer("version").notNull().default(1),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
    /** Kept by the database from name and description, so search never reads a stale copy. */
    search: tsvector("search")
      .notNull()
      .generatedAlwaysAs(
        (): SQL =>
          sql`setweight(to_tsvector('english', ${products.name}), 'A') || setweight(to_tsvector('english', ${products.description}), 'B')`,
      ),
  },
  (table) => [
    check("products_price_not_negative", sql`${table.priceAmount} >= 0`),
    check("products_stock_not_negative", sql`${table.stock} >= 0`),
    check("products_currency_code", sql`${table.currency} ~ '^[A-Z]{3}$'`),
    index("products_search_idx").using("gin", table.search),
    index("products_created_idx").on(table.createdAt, table.id),
    index("products_price_idx").on(table.priceAmount, table.id),
    index("products_name_idx").on(table.name, table.id),
    index("products_category_idx").on(table.category),
  ],
);

export type Product = typeof products.$inferSelect;
export type NewProduct = typeof products.$inferInsert;

import { z } from "zod";
import { pageDirectionSchema, pageLimitSchema } from "../shared/validators";
import { moneySchema } from "./money";
import { storedTextSchema, textSchema } from "../shared/text";

const productFields = {
  name: textSchema.trim().min(1).max(200),
  description: textSchema.trim().max(5000),
  category: textSchema.trim().min(1).max(64),
  price: moneySchema,
  stock: z.number().int().min(0).max(1_000_000),
};

export const productIdSchema = z.object({ productId: z.uuid() });

// Strict objects: a field the API does not let callers set (version, deletedAt...) is refused, not ignored.
export const newProductSchema = z.strictObject({
  ...productFields,
  sku: textSchema
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, "SKU may hold letters, digits, '.', '_' and '-'"),
  description: productFields.description.default(""),
});
export type NewProductInput = z.infer<typeof newProductSchema>;

/** Numbers compared with integer columns stay in their range: Postgres refuses the query otherwise. */
const POSTGRES_INTEGER_MAX = 2_147_483_647;

export const productUpdateSchema = z.strictObject({
  productId: z.uuid(),
  /** The version the caller last read; the update is refused if the product changed since. */
  version: z.number().int().min(1).max(POSTGRES_INTEGER_MAX),
  changes: z
    .strictObject(productFields)
    .partial()
    .refine((changes) => Object.keys(changes).length > 0, "Name at least one field to change"),
});
export type ProductUpdateInput = z.infer<typeof productUpdateSchema>;

/** Sorting is by these keys only: each is backed by an index and gives a stable keyset order. */
export const productSorts = ["newest", "price_asc", "price_desc", "name_asc"] as const;
export type ProductSort = (typeof productSorts)[number];

export const productQuerySchema = z
  .strictObject({
    search: textSchema.trim().min(1).max(200).optional(),
    category: productFields.category.optional(),
    minPrice: moneySchema.shape.amount.optional(),
    maxPrice: moneySchema.shape.amount.optional(),
    currency: moneySchema.shape.currency.optional(),
    inStock: z.boolean().optional(),
    /** Deleted products instead of live ones; for holders of `product:restore`. */
    deleted: z.boolean().default(false),
    sort: z.enum(productSorts).default("newest"),
    cursor: textSchema.max(512).optional(),
    limit: pageLimitSchema,
    direction: pageDirectionSchema,
  })
  .refine((query) => query.minPrice === undefined || query.maxPrice === undefined || query.minPrice <= query.maxPrice, {
    message: "minPrice must not exceed maxPrice",
    path: ["minPrice"],
  });
export type ProductQuery = z.infer<typeof productQuerySchema>;

export const productSchema = z.object({
  id: z.uuid(),
  sku: storedTextSchema.min(1).max(64),
  name: storedTextSchema.min(1).max(200),
  description: storedTextSchema.max(5000),
  category: storedTextSchema.min(1).max(64),
  price: moneySchema,
  // Restocking from cancelled orders may lift stock past what one update may set.
  stock: z.number().int().min(0),
  version: z.number().int(),
  createdAt: z.date(),
  updatedAt: z.date(),
  deletedAt: z.date().nullable(),
});
export type ProductView = z.infer<typeof productSchema>;

export const productPageSchema = z.object({ items: z.array(productSchema), nextCursor: z.string().nullable() });

import type { ServiceDependencies } from "../dependencies";
import { isUniqueViolation, products, type Transaction } from "@seed/db";
import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Actor } from "../shared/actor";
import { AppError } from "@seed/platform";
import { type ProductChangeType, type ProductChange, productChangesChannel } from "../shared/domain-events";
import type { NewProductInput, ProductUpdateInput, ProductView } from "./product-schemas";
import { recordAudit } from "../audit/audit";
import { transactionWithEvents, type Emit } from "../shared/committed-events";
import { productColumns, toProductView } from "./product-view";
import { recordWebhookEvent } from "../webhooks/webhook-outbox";

type Deps = ServiceDependencies<"db" | "events">;

export async function createProduct(deps: Deps, actor: Actor, input: NewProductInput): Promise<ProductView> {
  try {
    return await transactionWithEvents(deps, async (tx, emit) => {
      const [row] = await tx
        .insert(products)
        .values({ ...withoutPrice(input), priceAmount: input.price.amount, currency: input.price.currency })
        .returning(productColumns);
      const product = toProductView(row!);
      await recordChange(tx, emit, actor, "product.created", null, product);
      return product;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("CONFLICT", "A product with this SKU exists already");
    throw error;
  }
}

/** Applies `changes` only if the product is still at the version the caller read. */
export async function updateProduct(deps: Deps, actor: Actor, input: ProductUpdateInput): Promise<ProductView> {
  const { price, ...changes } = input.changes;
  return transactionWithEvents(deps, async (tx, emit) => {
    const before = await lockLiveProduct(tx, input.productId);
    if (before.version !== input.version) {
      throw new AppError(
        "CONFLICT",
        `The product changed since you read it (version ${input.version}, now ${before.version}); reload and retry`,
      );
    }
    const [row] = await tx
      .update(products)
      .set({
        ...changes,
        ...(price ? { priceAmount: price.amount, currency: price.currency } : {}),
        version: sql`${products.version} + 1`,
      })
      .where(eq(products.id, input.productId))
      .returning(productColumns);
    const product = toProductView(row!);
    await recordChange(tx, emit, actor, "product.updated", before, product);
    return product;
  });
}

/** Hides the product from the shop; its orders keep it, and `restoreProduct` brings it back. */
export function deleteProduct(deps: Deps, actor: Actor, productId: string): Promise<ProductView> {
  return setDeleted(deps, actor, productId, true);
}

export function restoreProduct(deps: Deps, actor: Actor, productId: string): Promise<ProductView> {
  return setDeleted(deps, actor, productId, false);
}

async function setDeleted(deps: Deps, actor: Actor, productId: string, deleted: boolean): Promise<ProductView> {
  return transactionWithEvents(deps, async (tx, emit) => {
    const [row] = await tx
      .update(products)
      .set({ deletedAt: deleted ? new Date() : null, version: sql`${products.version} + 1` })
      .where(and(eq(products.id, productId), deleted ? isNull(products.deletedAt) : isNotNull(products.deletedAt)))
      .returning(productColumns);
    if (!row) throw new AppError("NOT_FOUND", deleted ? "No such product" : "No such deleted product");
    const product = toProductView(row);
    const before = { ...product, deletedAt: deleted ? null : product.deletedAt };
    await recordChange(tx, emit, actor, deleted ? "product.deleted" : "product.restored", before, product);
    return product;
  });
}

async function lockLiveProduct(tx: Transaction, productId: string): Promise<ProductView> {
  const [row] = await tx
    .select(productColumns)
    .from(products)
    .where(and(eq(products.id, productId), isNull(products.deletedAt)))
    .for("update");
  if (!row) throw new AppError("NOT_FOUND", "No such product");
  return toProductView(row);
}

/** Every product change leaves an audit row in its transaction and an event after its commit. */
async function recordChange(
  tx: Transaction,
  emit: Emit,
  actor: Actor,
  type: ProductChangeType,
  before: ProductView | null,
  after: ProductView,
): Promise<void> {
  await recordAudit(tx, actor, { action: type, resource: "product", resourceId: after.id, before, after });
  await recordWebhookEvent(tx, type, after, emit);
  announceProductChange(emit, type, after);
}

/** Tells subscribers, after the commit, that a product is now at `version`. */
export function announceProductChange(
  emit: Emit,
  type: ProductChangeType,
  product: { id: string; version: number },
): void {
  const change: ProductChange = { type, productId: product.id, version: product.version, at: new Date() };
  emit(productChangesChannel, change);
}

function withoutPrice<T extends { price: unknown }>(input: T): Omit<T, "price"> {
  const { price: _price, ...rest } = input;
  return rest;
}

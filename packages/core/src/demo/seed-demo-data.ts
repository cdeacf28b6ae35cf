import type { ServiceDependencies } from "../dependencies";
import { products, users } from "@seed/db";
import { eq, inArray, sql } from "drizzle-orm";
import { systemActor, type Actor } from "../shared/actor";
import { AppError } from "@seed/platform";
import { recordAudit } from "../audit/audit";
import { createAccount } from "../auth/auth-service";
import { transactionWithEvents } from "../shared/committed-events";
import { moveOrder } from "../orders/order-status";
import { reserveOrder } from "../orders/order-placing";
import { processPayment } from "../orders/payment-settling";
import { demoProduct, demoSku } from "./catalogue";

export interface DemoDataSize {
  products: number;
  customers: number;
  ordersPerCustomer: number;
}

export const DEFAULT_DEMO_SIZE: DemoDataSize = { products: 10_000, customers: 25, ordersPerCustomer: 4 };

/** Called after each step of a stage: a batch of products, a customer, an order. */
export interface SeedProgress {
  (stage: "products" | "customers" | "orders", step: number, steps: number): void;
}

type Deps = ServiceDependencies<"db" | "events" | "payments" | "paymentTimeoutMs">;

const BATCH = 1_000;

/**
 * Fills the shop with a realistic catalogue, customers and their orders. Safe to run again:
 * products are keyed by SKU, customers by address and orders by idempotency key, so a second
 * run finds everything in place and adds nothing.
 */
export async function seedDemoData(deps: Deps, size: DemoDataSize, progress: SeedProgress): Promise<{ added: number }> {
  let added = 0;
  for (let start = 0; start < size.products; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, size.products - start) }, (_, offset) =>
      demoProduct(start + offset),
    );
    const inserted = await deps.db
      .insert(products)
      .values(batch)
      .onConflictDoNothing({ target: products.sku })
      .returning({ id: products.id });
    added += inserted.length;
    progress("products", start / BATCH + 1, Math.ceil(size.products / BATCH));
  }

  const customers: string[] = [];
  for (let index = 0; index < size.customers; index++) {
    customers.push(await demoCustomer(deps, index));
    progress("customers", index + 1, size.customers);
  }

  const catalogue = await deps.db
    .select({ id: products.id })
    .from(products)
    .where(
      inArray(
        products.sku,
        Array.from({ length: Math.min(size.products, 200) }, (_, index) => demoSku(index)),
      ),
    )
    .orderBy(products.sku);
  const total = customers.length * size.ordersPerCustomer;
  let done = 0;
  for (const [customerIndex, userId] of customers.entries()) {
    const actor: Actor & { userId: string } = { ...systemActor, userId };
    for (let number = 0; number < size.ordersPerCustomer; number++) {
      await demoOrder(deps, actor, catalogue, customerIndex, number);
      progress("orders", ++done, total);
    }
  }

  // Fresh statistics, so that the planner uses the catalogue's indexes from the first query on.
  await deps.db.execute(sql`analyze products, orders, order_items`);
  await recordAudit(deps.db, systemActor, {
    action: "demo_data.seed",
    resource: "shop",
    resourceId: null,
    after: { ...size },
  });
  return { added };
}

async function demoCustomer(deps: Deps, index: number): Promise<string> {
  const email = `demo-customer-${index + 1}@example.com`;
  const existing = await deps.db.query.users.findFirst({ where: eq(users.email, email), columns: { id: true } });
  if (existing) return existing.id;
  // Demo customers own demo orders; nobody signs in as them, so they get no password.
  const user = await transactionWithEvents(deps, (tx, emit) =>
    createAccount(tx, emit, systemActor, { email, password: null, roles: ["customer"] }),
  );
  return user.id;
}

/** Orders spread over the catalogue and over their life: some shipped, some delivered. */
async function demoOrder(
  deps: Deps,
  actor: Actor & { userId: string },
  catalogue: { id: string }[],
  customerIndex: number,
  number: number,
): Promise<void> {
  if (catalogue.length === 0) return;
  const first = (customerIndex * 7 + number * 3) % catalogue.length;
  const productIds = [...new Set([catalogue[first]!.id, catalogue[(first + 11) % catalogue.length]!.id])];
  try {
    const { order } = await reserveOrder(deps, actor, {
      items: productIds.map((productId, index) => ({ productId, quantity: index + 1 })),
      idempotencyKey: `demo-${customerIndex + 1}-${number + 1}`,
    });
    // Paid here and now rather than by the job: the demo shop is complete when the command ends.
    const { status } = await processPayment(deps, order.id);
    const path = (["shipped", "delivered"] as const).slice(0, number % 3);
    if (status !== "paid") return;
    for (const status of path) await moveOrder(deps, systemActor, order.id, status);
  } catch (error) {
    // A demo product may have sold out; the demo goes on without that order.
    if (!(error instanceof AppError && error.code === "CONFLICT")) throw error;
  }
}

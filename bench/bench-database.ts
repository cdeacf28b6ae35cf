import { randomBytes } from "node:crypto";
import { createDatabase } from "@seed/db";
import postgres from "postgres";
import { DEFAULT_DEMO_SIZE, demoSku, seedDemoData } from "@seed/core";
import { createInProcessEventBus, createInProcessPaymentProvider } from "@seed/platform";

const ORDERABLE_PRODUCTS = 100;
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export interface BenchDatabase {
  url: string;
  /** Products with stock for every order a run can place, spread so that orders rarely queue on one row. */
  productIds: string[];
  drop(): Promise<void>;
}

/**
 * A fresh, migrated Postgres database for one run, so that runs never see each other's rows,
 * holding the demo catalogue of 10,000 products for the database-backed scenarios.
 */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `seed_bench_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end({ timeout: 5 });
  };

  const connection = await createDatabase({ url: url.toString(), poolSize: 1 });
  let productIds: string[];
  try {
    await connection.migrate();
    await seedDemoData(
      {
        db: connection.db,
        events: createInProcessEventBus(),
        log: silent,
        payments: createInProcessPaymentProvider(),
        paymentTimeoutMs: 10_000,
      },
      { ...DEFAULT_DEMO_SIZE, customers: 0 },
      () => {},
    );
    const bench = postgres(url.toString(), { max: 1, onnotice: () => {} });
    const skus = Array.from({ length: ORDERABLE_PRODUCTS }, (_, index) => demoSku(index));
    const orderable = await bench<{ id: string }[]>`
      update products set stock = 1000000000 where sku in ${bench(skus)} returning id`;
    await bench.end({ timeout: 5 });
    productIds = orderable.map((product) => product.id);
  } catch (error) {
    await drop();
    throw error;
  } finally {
    await connection.close();
  }
  return { url: url.toString(), productIds: productIds!, drop };
}

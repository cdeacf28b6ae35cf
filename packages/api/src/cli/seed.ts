import { parseArgs } from "node:util";
import { loadConfig } from "@seed/config";
import { createDatabase } from "@seed/db";
import { bootstrap } from "../bootstrap";
import { DEFAULT_DEMO_SIZE, seedDemoData, type DemoDataSize } from "../demo";
import { createInProcessEventBus } from "../events";
import { createInProcessPaymentProvider } from "../payments";
import { configurePasswordHashing } from "../services/passwords";
import { progressLine } from "./progress";

const quiet = { debug: () => {}, info: () => {}, warn: console.warn, error: console.error };

function sizeFromArguments(): DemoDataSize {
  const { values } = parseArgs({
    options: { products: { type: "string" }, customers: { type: "string" }, orders: { type: "string" } },
  });
  const count = (value: string | undefined, fallback: number, name: string) => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > 1_000_000)
      throw new Error(`--${name} must be a whole number`);
    return parsed;
  };
  return {
    products: count(values.products, DEFAULT_DEMO_SIZE.products, "products"),
    customers: count(values.customers, DEFAULT_DEMO_SIZE.customers, "customers"),
    ordersPerCustomer: count(values.orders, DEFAULT_DEMO_SIZE.ordersPerCustomer, "orders"),
  };
}

const config = loadConfig();
configurePasswordHashing(config.auth.passwordHashing);
let connection: Awaited<ReturnType<typeof createDatabase>> | undefined;
const progress = progressLine();
try {
  const size = sizeFromArguments();
  connection = await createDatabase({ url: config.database.url, dataDir: config.database.dataDir });
  await connection.migrate();
  const admin = await bootstrap({ db: connection.db, log: quiet }, config.firstAdmin);
  const labels = { products: "Products", customers: "Customers", orders: "Orders" };
  const { added } = await seedDemoData(
    {
      db: connection.db,
      events: createInProcessEventBus(),
      log: quiet,
      payments: createInProcessPaymentProvider(),
      paymentTimeoutMs: config.payments.timeoutMs,
    },
    size,
    (stage, done, total) => progress.update(labels[stage], done, total),
  );
  progress.end();
  console.log(
    `Seeded the ${connection.driver} database: roles and permissions in place, first admin ${admin}, ${added.toLocaleString("en")} new products.`,
  );
} catch (error) {
  progress.end();
  console.error(`Seeding failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await connection?.close();
}

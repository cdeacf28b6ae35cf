import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { orders, products, users } from "@seed/db";
import { createTestDatabase, type TestDatabase } from "@seed/db/testing";
import { count, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoData } from "../src";
import { createTestDomain, recordingLogger } from "./support";

const size = { products: 300, customers: 3, ordersPerCustomer: 3 };

describe("the demo data", () => {
  let domain: Awaited<ReturnType<typeof createTestDomain>>;
  beforeAll(async () => {
    domain = await createTestDomain();
  });
  afterAll(() => domain?.database.destroy());

  async function counts() {
    const [[productCount], [customerCount], [orderCount]] = await Promise.all([
      domain.deps.db.select({ value: count() }).from(products),
      domain.deps.db.select({ value: count() }).from(users).where(like(users.email, "demo-customer-%")),
      domain.deps.db.select({ value: count() }).from(orders),
    ]);
    return { products: productCount!.value, customers: customerCount!.value, orders: orderCount!.value };
  }

  it("fills the shop, reports its progress, and adds nothing when run again", async () => {
    const stages = new Set<string>();
    const deps = { ...domain.deps, log: recordingLogger() };
    const first = await seedDemoData(deps, size, (stage, step, steps) => {
      expect(step).toBeLessThanOrEqual(steps);
      stages.add(stage);
    });
    expect(first.added).toBe(300);
    expect([...stages]).toEqual(["products", "customers", "orders"]);
    const afterFirst = await counts();
    expect(afterFirst).toMatchObject({ products: 300, customers: 3 });
    expect(afterFirst.orders).toBeGreaterThan(0);

    const second = await seedDemoData(deps, size, () => {});
    expect(second.added).toBe(0);
    expect(await counts()).toEqual(afterFirst);
  });
});

describe.runIf(process.env.DATABASE_URL)("pnpm db:seed", () => {
  let database: TestDatabase;
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  const seed = (args: string[], env: Record<string, string> = {}) =>
    promisify(execFile)("pnpm", ["-s", "db:seed", ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: database.url!, ...env },
    });

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
  });
  afterAll(() => database?.destroy());

  it("seeds with a progress display and says what it did", async () => {
    const { stdout } = await seed(["--products", "250", "--customers", "2", "--orders", "1"], {
      ADMIN_EMAIL: "seed-admin@example.com",
      ADMIN_PASSWORD: "a long admin passphrase",
    });
    expect(stdout).toContain("Products 1/1");
    expect(stdout).toContain("Orders 2/2");
    expect(stdout).toContain("first admin created, 250 new products");
  });

  it("fails with a non-zero exit and one clear line", async () => {
    const failure = await seed(["--products", "many"]).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({
      code: 1,
      stderr: "error: --products must be a whole number from 0 to 1,000,000\n",
    });
  });
});

/*
 * The embedded setup keeps its jobs in the server's memory: a server that stops takes the payment
 * jobs still under way with it. The next one to start finds those payments and takes them.
 */
import { randomUUID } from "node:crypto";
import { orders } from "@seed/db";
import { createInProcessPaymentProvider } from "@seed/platform";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { signedInClient } from "./support/live";
import { uniqueEmail, useDeployment } from "./support/test-server";

const adminEmail = uniqueEmail("root");
const adminPassword = "the very first admin password";

describe("payments of a server that stopped, on the embedded setup", () => {
  const deployment = useDeployment("embedded", {
    instances: [],
    env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword, PAYMENT_TIMEOUT_MS: "100" },
  });

  it("are taken by the next server to start, and their orders leave pending", async () => {
    // The provider does not answer the first server: its payment job is still trying when it stops.
    const unanswering = createInProcessPaymentProvider();
    unanswering.behaveAs("time out");
    const first = await deployment.start({}, { payments: unanswering });
    const admin = (await signedInClient(first, adminEmail, {}, adminPassword)).client;
    const { id: productId } = await admin.api.products.create.mutate({
      sku: `sku-${randomUUID()}`,
      name: "Teapot",
      category: "kitchen",
      price: { amount: 1_800, currency: "EUR" },
      stock: 5,
    });
    const { client: shopper } = await signedInClient(first, uniqueEmail("shopper"));
    const order = await shopper.api.orders.place.mutate({
      items: [{ productId, quantity: 1 }],
      idempotencyKey: randomUUID(),
    });
    expect(order.status).toBe("pending");
    await first.stop();

    // The next server starts an hour later.
    const { db } = deployment.database.connection;
    const stored = async () => (await db.select().from(orders).where(eq(orders.id, order.id)))[0]!;
    await db
      .update(orders)
      .set({ paymentQueuedAt: new Date(Date.now() - 3600_000) })
      .where(eq(orders.id, order.id));
    expect(await stored()).toMatchObject({ status: "pending", paymentStatus: "pending" });
    await deployment.start();
    await vi.waitFor(async () => expect(await stored()).toMatchObject({ status: "paid", paymentStatus: "succeeded" }), {
      timeout: 10_000,
      interval: 50,
    });
  });
});

import { randomUUID } from "node:crypto";
import { orders } from "@seed/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Charge, createInProcessPaymentProvider } from "@seed/platform";
import {
  createAccount,
  countPaymentsPastRecovery,
  createProduct,
  jobWorker,
  LOST_PAYMENT_AFTER_MS,
  moveOrder,
  PAYMENT_RECOVERY_HORIZON_MS,
  queuePaymentRecovery,
  recoverPaymentsJob,
  requeueLostPayments,
  reserveOrder,
  systemActor,
  transactionWithEvents,
} from "../src";
import { createTestDomain, recordingLogger, testActor } from "./support";

describe("payments whose job was lost", () => {
  let domain: Awaited<ReturnType<typeof createTestDomain>>;
  let deps: Awaited<ReturnType<typeof createTestDomain>>["deps"];
  let actor: typeof testActor & { userId: string };
  let productId: string;
  const charges: Charge[] = [];
  const provider = createInProcessPaymentProvider();

  beforeAll(async () => {
    domain = await createTestDomain();
    // The provider as configured, watched: which payments are charged, and how.
    deps = {
      ...domain.deps,
      payments: {
        ...provider,
        charge: (charge, signal) => {
          charges.push(charge);
          return provider.charge(charge, signal);
        },
      },
    };
    const customer = await transactionWithEvents(deps, (tx, emit) =>
      createAccount(tx, emit, systemActor, {
        email: `${randomUUID()}@example.com`,
        password: null,
        roles: ["customer"],
      }),
    );
    actor = { ...testActor, userId: customer.id };
    ({ id: productId } = await createProduct(deps, testActor, {
      sku: `sku-${randomUUID()}`,
      name: "Kettle",
      description: "Boils water",
      category: "kitchen",
      price: { amount: 3000, currency: "EUR" },
      stock: 100,
    }));
    await deps.jobs.startWorker(jobWorker(deps));
  });
  afterAll(async () => {
    await deps?.jobs.close();
    await deps?.webhooks.http.close();
    await domain?.database.destroy();
  });

  /**
   * An order as a process that stopped leaves it: written with its stock, its payment unsettled,
   * its job gone with the process `stoppedAgo` (and placed `placedAgo`).
   */
  async function orderLeftByAStop(stoppedAgo: number, placedAgo = stoppedAgo) {
    const { order } = await reserveOrder(deps, actor, {
      items: [{ productId, quantity: 1 }],
      idempotencyKey: randomUUID(),
      paymentMethod: `pm_${randomUUID().replaceAll("-", "")}`,
    });
    const [stopped] = await deps.db
      .update(orders)
      .set({ createdAt: new Date(Date.now() - placedAgo), paymentQueuedAt: new Date(Date.now() - stoppedAgo) })
      .where(eq(orders.id, order.id))
      .returning();
    return stopped!;
  }

  const stored = async (orderId: string) => (await deps.db.select().from(orders).where(eq(orders.id, orderId)))[0]!;

  it("queues them again, charged as they were asked for, and their orders leave pending", async () => {
    const lost = await orderLeftByAStop(LOST_PAYMENT_AFTER_MS + 60_000);
    const cancelledMeanwhile = await orderLeftByAStop(LOST_PAYMENT_AFTER_MS + 60_000);
    await moveOrder(deps, testActor, cancelledMeanwhile.id, "cancelled");

    await queuePaymentRecovery(deps.jobs);
    await expect.poll(async () => (await stored(lost.id)).status).toBe("paid");
    expect(charges.filter((charge) => charge.paymentId === lost.id)).toEqual([
      expect.objectContaining({ paymentMethod: lost.paymentMethod, amount: 3000, currency: "EUR" }),
    ]);
    expect(await stored(lost.id)).toMatchObject({ paymentMethod: null });
    // Cancelled before its payment was settled: whatever a charge took is given back.
    await expect.poll(async () => (await stored(cancelledMeanwhile.id)).paymentStatus).toBe("refunded");
    expect(await stored(cancelledMeanwhile.id)).toMatchObject({ paymentMethod: null });
  });

  it("leaves alone a payment queued lately, whose job may be under way, and one too old to charge again safely", async () => {
    const queuedLately = await orderLeftByAStop(60_000);
    const tooOld = await orderLeftByAStop(
      LOST_PAYMENT_AFTER_MS + 60_000,
      PAYMENT_RECOVERY_HORIZON_MS + LOST_PAYMENT_AFTER_MS + 60_000,
    );
    expect(await requeueLostPayments(deps)).toBe(0);
    for (const order of [queuedLately, tooOld]) {
      expect(await stored(order.id)).toMatchObject({ status: "pending", paymentQueuedAt: order.paymentQueuedAt });
    }
  });

  it("logs an error for the orders it leaves to an administrator, and leaves them as they are", async () => {
    const before = await countPaymentsPastRecovery(deps);
    const stuck = await orderLeftByAStop(
      LOST_PAYMENT_AFTER_MS + 60_000,
      PAYMENT_RECOVERY_HORIZON_MS + LOST_PAYMENT_AFTER_MS + 60_000,
    );
    expect(await countPaymentsPastRecovery(deps)).toBe(before + 1);
    const log = recordingLogger();
    await recoverPaymentsJob.run({ ...deps, log }, {});
    expect(log.lines).toContainEqual(expect.objectContaining({ level: "error", fields: { orders: before + 1 } }));

    expect(await stored(stuck.id)).toMatchObject({ status: "pending", paymentQueuedAt: stuck.paymentQueuedAt });
  });

  it("queues a lost payment once per sweep interval, without touching what the customer sees of the order", async () => {
    const lost = await orderLeftByAStop(LOST_PAYMENT_AFTER_MS + 60_000);
    // The provider does not answer: the payment stays unsettled, as a bank debit's does.
    provider.behaveAs("time out");
    try {
      expect(await requeueLostPayments(deps)).toBe(1);
      expect(await requeueLostPayments(deps)).toBe(0);
      const requeued = await stored(lost.id);
      expect(requeued.paymentQueuedAt!.getTime()).toBeGreaterThan(lost.paymentQueuedAt!.getTime());
      expect(requeued).toMatchObject({ status: "pending", updatedAt: lost.updatedAt });
    } finally {
      provider.behaveAs("succeed");
    }
  });
});

import { randomUUID } from "node:crypto";
import { auditLog, orders, products } from "@seed/db";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError, type Charge, createInProcessPaymentProvider, type Refund } from "@seed/platform";
import {
  createAccount,
  createProduct,
  findPaymentsPastRecovery,
  jobWorker,
  LOST_PAYMENT_AFTER_MS,
  moveOrder,
  PAYMENT_RECOVERY_HORIZON_MS,
  queuePaymentRecovery,
  recoverPaymentsJob,
  requeueLostPayments,
  reserveOrder,
  settlePaymentByHand,
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
  const refunds: Refund[] = [];
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
        refund: (refund, signal) => {
          refunds.push(refund);
          return provider.refund(refund, signal);
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

  it("logs an error naming the orders it leaves to an administrator, and leaves them as they are", async () => {
    const before = await findPaymentsPastRecovery(deps);
    const stuck = await orderLeftByAStop(
      LOST_PAYMENT_AFTER_MS + 60_000,
      PAYMENT_RECOVERY_HORIZON_MS + LOST_PAYMENT_AFTER_MS + 60_000,
    );
    const after = await findPaymentsPastRecovery(deps);
    expect(after.count).toBe(before.count + 1);
    expect(after.orderIds).toContain(stuck.id);
    const log = recordingLogger();
    await recoverPaymentsJob.run({ ...deps, log }, {});
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: "error",
        fields: { orders: before.count + 1, oldest: expect.arrayContaining([stuck.id]) },
      }),
    );

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

  describe("settled by hand", () => {
    const admin = { ...testActor, userId: null, requestId: "settled-by-hand" };
    const stuckOrder = () =>
      orderLeftByAStop(LOST_PAYMENT_AFTER_MS + 60_000, PAYMENT_RECOVERY_HORIZON_MS + LOST_PAYMENT_AFTER_MS + 60_000);
    const stockOf = async () =>
      (await deps.db.select({ stock: products.stock }).from(products).where(eq(products.id, productId)))[0]!.stock;
    const auditOf = (orderId: string) =>
      deps.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.resourceId, orderId), eq(auditLog.action, "order.payment_settled_by_hand")));

    it("marks a pending order paid with the provider's reference, and reports it no more", async () => {
      const stuck = await stuckOrder();
      const settled = await settlePaymentByHand(deps, admin, {
        orderId: stuck.id,
        charge: "succeeded",
        reference: "pi_3Settled",
        reason: "Paid in the Stripe dashboard",
      });

      expect(settled).toMatchObject({ id: stuck.id, status: "paid", paymentStatus: "succeeded" });
      expect(await stored(stuck.id)).toMatchObject({ paymentReference: "pi_3Settled", paymentMethod: null });
      expect(await auditOf(stuck.id)).toEqual([
        expect.objectContaining({
          requestId: "settled-by-hand",
          before: { status: "pending", paymentStatus: "pending" },
          after: { charge: "succeeded", reference: "pi_3Settled", reason: "Paid in the Stripe dashboard" },
        }),
      ]);
      expect((await findPaymentsPastRecovery(deps)).orderIds).not.toContain(stuck.id);
      // Nothing asked the provider: the administrator read its records.
      expect(charges.concat(refunds).filter((call) => call.paymentId === stuck.id)).toEqual([]);
    });

    it("cancels a pending order whose charge took nothing, and puts its stock back", async () => {
      const stuck = await stuckOrder();
      const stockBefore = await stockOf();
      const settled = await settlePaymentByHand(deps, admin, {
        orderId: stuck.id,
        charge: "declined",
        reason: "No payment in the Stripe dashboard",
      });

      expect(settled).toMatchObject({ status: "cancelled", paymentStatus: "declined" });
      expect(await stockOf()).toBe(stockBefore + 1);
      expect(await auditOf(stuck.id)).toHaveLength(1);
    });

    it("gives back a charge that went through for an order cancelled meanwhile, by its reference", async () => {
      const cancelled = await stuckOrder();
      await moveOrder(deps, testActor, cancelled.id, "cancelled");
      const notCharged = await stuckOrder();
      await moveOrder(deps, testActor, notCharged.id, "cancelled");
      // Cancelling left both payments pending: the sweep goes on reporting them.
      expect((await findPaymentsPastRecovery(deps)).orderIds).toEqual(
        expect.arrayContaining([cancelled.id, notCharged.id]),
      );

      const answered = await settlePaymentByHand(deps, admin, {
        orderId: cancelled.id,
        charge: "succeeded",
        reference: "pi_3Cancelled",
        reason: "Charged although cancelled",
      });
      expect(answered).toMatchObject({ status: "cancelled", paymentStatus: "pending" });
      await expect.poll(async () => (await stored(cancelled.id)).paymentStatus).toBe("refunded");
      expect(refunds.filter((refund) => refund.paymentId === cancelled.id)).toEqual([
        expect.objectContaining({ reference: "pi_3Cancelled", amount: 3000, currency: "EUR" }),
      ]);

      await settlePaymentByHand(deps, admin, { orderId: notCharged.id, charge: "declined", reason: "Nothing taken" });
      expect(await stored(notCharged.id)).toMatchObject({ status: "cancelled", paymentStatus: "declined" });
      expect(refunds.filter((refund) => refund.paymentId === notCharged.id)).toEqual([]);
      const stillReported = (await findPaymentsPastRecovery(deps)).orderIds;
      expect(stillReported).not.toContain(cancelled.id);
      expect(stillReported).not.toContain(notCharged.id);
    });

    it("refuses a payment settled already, one whose job may be under way, and an order that does not exist", async () => {
      const refusal = (orderId: string) =>
        settlePaymentByHand(deps, admin, { orderId, charge: "declined", reason: "Checked" }).then(
          () => "settled",
          (error: unknown) => (error instanceof AppError ? error.code : error),
        );
      const settledAlready = await stuckOrder();
      await settlePaymentByHand(deps, admin, {
        orderId: settledAlready.id,
        charge: "succeeded",
        reference: "pi_3Twice",
        reason: "Paid",
      });
      const queuedLately = await orderLeftByAStop(60_000, PAYMENT_RECOVERY_HORIZON_MS + 60_000);

      expect(await refusal(settledAlready.id)).toBe("CONFLICT");
      expect(await refusal(queuedLately.id)).toBe("CONFLICT");
      expect(await refusal(randomUUID())).toBe("NOT_FOUND");
      expect(await stored(settledAlready.id)).toMatchObject({ status: "paid", paymentReference: "pi_3Twice" });
      expect(await stored(queuedLately.id)).toMatchObject({ status: "pending", paymentStatus: "pending" });
      expect(await auditOf(queuedLately.id)).toEqual([]);
    });

    it("refuses a lost payment once the sweep has queued it again, until that job has had its time", async () => {
      // The provider does not answer, so the job queued again is still taking the payment.
      provider.behaveAs("time out");
      try {
        const lost = await orderLeftByAStop(LOST_PAYMENT_AFTER_MS + 60_000);
        expect(await requeueLostPayments(deps)).toBeGreaterThanOrEqual(1);
        await expect(
          settlePaymentByHand(deps, admin, { orderId: lost.id, charge: "declined", reason: "Checked" }),
        ).rejects.toMatchObject({ code: "CONFLICT" });
        expect(await stored(lost.id)).toMatchObject({ status: "pending", paymentStatus: "pending" });
      } finally {
        provider.behaveAs("succeed");
      }
    });
  });
});

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
  processPayment,
  queuePaymentRecovery,
  recoverPaymentsJob,
  recordPaymentResult,
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

  it("takes or gives back nothing by the order id alone for an order too old, when its job runs a day late", async () => {
    const pending = await orderLeftByAStop(
      LOST_PAYMENT_AFTER_MS + 60_000,
      PAYMENT_RECOVERY_HORIZON_MS + LOST_PAYMENT_AFTER_MS + 60_000,
    );
    const cancelled = await orderLeftByAStop(
      LOST_PAYMENT_AFTER_MS + 60_000,
      PAYMENT_RECOVERY_HORIZON_MS + LOST_PAYMENT_AFTER_MS + 60_000,
    );
    await moveOrder(deps, testActor, cancelled.id, "cancelled");
    const log = recordingLogger();
    for (const order of [pending, cancelled]) {
      expect(await processPayment({ ...deps, log }, order.id)).toMatchObject({ paymentStatus: "pending" });
    }
    expect(charges.concat(refunds).filter((call) => [pending.id, cancelled.id].includes(call.paymentId))).toEqual([]);
    expect(log.lines.filter((line) => line.level === "warn")).toHaveLength(2);
    expect((await findPaymentsPastRecovery(deps)).orderIds).toEqual(expect.arrayContaining([pending.id, cancelled.id]));
  });

  describe("settled by hand", () => {
    const admin = { ...testActor, userId: null, requestId: "settled-by-hand" };
    const stuckOrder = () =>
      orderLeftByAStop(LOST_PAYMENT_AFTER_MS + 60_000, PAYMENT_RECOVERY_HORIZON_MS + LOST_PAYMENT_AFTER_MS + 60_000);
    /** The provider took the order's money, and the answer was lost with the job: its reference. */
    async function takenAtTheProvider(order: { id: string }, amount = 3000) {
      const result = await provider.charge(
        { paymentId: order.id, amount, currency: "EUR" },
        AbortSignal.timeout(1_000),
      );
      return result.status === "succeeded" ? result.reference : expect.unreachable();
    }
    const stockOf = async () =>
      (await deps.db.select({ stock: products.stock }).from(products).where(eq(products.id, productId)))[0]!.stock;
    const auditOf = (orderId: string) =>
      deps.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.resourceId, orderId), eq(auditLog.action, "order.payment_settled_by_hand")));
    const refusalOf = (settling: Promise<unknown>) =>
      settling.then(
        () => "settled",
        (error: unknown) => (error instanceof AppError ? error.code : error),
      );

    it("marks a pending order paid once the provider shows its payment taken, and reports it no more", async () => {
      const stuck = await stuckOrder();
      const reference = await takenAtTheProvider(stuck);
      const settled = await settlePaymentByHand(deps, admin, {
        orderId: stuck.id,
        reference,
        reason: "Paid in the Stripe dashboard",
      });

      expect(settled).toMatchObject({ id: stuck.id, status: "paid", paymentStatus: "succeeded" });
      expect(await stored(stuck.id)).toMatchObject({ paymentReference: reference, paymentMethod: null });
      expect(await auditOf(stuck.id)).toEqual([
        expect.objectContaining({
          requestId: "settled-by-hand",
          before: { status: "pending", paymentStatus: "pending", paymentReference: null },
          after: { charge: "succeeded", reference, reason: "Paid in the Stripe dashboard" },
        }),
      ]);
      expect((await findPaymentsPastRecovery(deps)).orderIds).not.toContain(stuck.id);
      expect(refunds.filter((refund) => refund.paymentId === stuck.id)).toEqual([]);
    });

    it("refuses a reference that is not the order's payment, or not of its total, and changes nothing", async () => {
      const stuck = await stuckOrder();
      const another = await stuckOrder();
      const othersReference = await takenAtTheProvider(another);
      const settle = (reference: string) =>
        refusalOf(settlePaymentByHand(deps, admin, { orderId: stuck.id, reference, reason: "Checked" }));

      expect(await settle(othersReference)).toBe("INVALID_INPUT");
      expect(await settle("pay_never_given")).toBe("INVALID_INPUT");
      // The order's own payment, of another amount: something else went wrong, to be looked into.
      expect(await settle(await takenAtTheProvider(stuck, 2999))).toBe("CONFLICT");
      expect(await stored(stuck.id)).toMatchObject({ status: "pending", paymentStatus: "pending" });
      expect(await auditOf(stuck.id)).toEqual([]);
    });

    it("cancels a pending order whose payment the provider does not hold, and puts its stock back", async () => {
      const stuck = await stuckOrder();
      const stockBefore = await stockOf();
      const settled = await settlePaymentByHand(deps, admin, {
        orderId: stuck.id,
        reference: null,
        reason: "No payment in the Stripe dashboard",
      });

      expect(settled).toMatchObject({ status: "cancelled", paymentStatus: "declined" });
      expect(await stockOf()).toBe(stockBefore + 1);
      expect(await auditOf(stuck.id)).toEqual([
        expect.objectContaining({ after: { charge: "declined", reference: null, reason: expect.any(String) } }),
      ]);
    });

    it("refuses a payment found taking nothing that was confirmed before it could be cancelled", async () => {
      const stuck = await stuckOrder();
      const payment = { reference: "pay_confirmed_meanwhile", paymentId: stuck.id, amount: 3000, currency: "EUR" };
      const racing = {
        ...deps,
        payments: {
          ...deps.payments,
          find: async () => ({ ...payment, amountRefunded: 0, status: "declined" as const }),
          cancel: async () => ({ ...payment, amountRefunded: 0, status: "succeeded" as const }),
        },
      };
      const refused = settlePaymentByHand(racing, admin, {
        orderId: stuck.id,
        reference: payment.reference,
        reason: "Never taken",
      });
      await expect(refused).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("moved on") });
      expect(await stored(stuck.id)).toMatchObject({ status: "pending", paymentStatus: "pending" });
      expect(await auditOf(stuck.id)).toEqual([]);
    });

    it("refuses to settle as holding nothing a payment the provider holds, and names it", async () => {
      const stuck = await stuckOrder();
      const reference = await takenAtTheProvider(stuck);
      const refused = settlePaymentByHand(deps, admin, { orderId: stuck.id, reference: null, reason: "Not found" });
      await expect(refused).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining(reference) });
      expect(await stored(stuck.id)).toMatchObject({ status: "pending", paymentStatus: "pending" });
      expect(await auditOf(stuck.id)).toEqual([]);

      await settlePaymentByHand(deps, admin, { orderId: stuck.id, reference, reason: "Found by the order id" });
      expect(await stored(stuck.id)).toMatchObject({ status: "paid", paymentReference: reference });
    });

    it("gives back, by its reference, a payment taken for an order cancelled meanwhile", async () => {
      const cancelled = await stuckOrder();
      await moveOrder(deps, testActor, cancelled.id, "cancelled");
      const reference = await takenAtTheProvider(cancelled);
      const notCharged = await stuckOrder();
      await moveOrder(deps, testActor, notCharged.id, "cancelled");
      // Cancelling left both payments pending: the sweep goes on reporting them.
      expect((await findPaymentsPastRecovery(deps)).orderIds).toEqual(
        expect.arrayContaining([cancelled.id, notCharged.id]),
      );

      const answered = await settlePaymentByHand(deps, admin, {
        orderId: cancelled.id,
        reference,
        reason: "Charged although cancelled",
      });
      expect(answered).toMatchObject({ status: "cancelled", paymentStatus: "pending" });
      await expect.poll(async () => (await stored(cancelled.id)).paymentStatus).toBe("refunded");
      expect(refunds.filter((refund) => refund.paymentId === cancelled.id)).toEqual([
        expect.objectContaining({ reference, amount: 3000, currency: "EUR" }),
      ]);

      await settlePaymentByHand(deps, admin, { orderId: notCharged.id, reference: null, reason: "Nothing taken" });
      expect(await stored(notCharged.id)).toMatchObject({ status: "cancelled", paymentStatus: "declined" });
      expect(refunds.filter((refund) => refund.paymentId === notCharged.id)).toEqual([]);
      const stillReported = (await findPaymentsPastRecovery(deps)).orderIds;
      expect(stillReported).not.toContain(cancelled.id);
      expect(stillReported).not.toContain(notCharged.id);
    });

    it("refuses a payment settled already, one whose job may be under way, and an order that does not exist", async () => {
      const settle = (orderId: string) =>
        refusalOf(settlePaymentByHand(deps, admin, { orderId, reference: null, reason: "Checked" }));
      const settledAlready = await stuckOrder();
      const reference = await takenAtTheProvider(settledAlready);
      await settlePaymentByHand(deps, admin, { orderId: settledAlready.id, reference, reason: "Paid" });
      const queuedLately = await orderLeftByAStop(60_000, PAYMENT_RECOVERY_HORIZON_MS + 60_000);

      expect(await settle(settledAlready.id)).toBe("CONFLICT");
      expect(await settle(queuedLately.id)).toBe("CONFLICT");
      expect(await settle(randomUUID())).toBe("NOT_FOUND");
      expect(await stored(settledAlready.id)).toMatchObject({ status: "paid", paymentReference: reference });
      expect(await stored(queuedLately.id)).toMatchObject({ status: "pending", paymentStatus: "pending" });
      expect(await auditOf(queuedLately.id)).toEqual([]);
    });

    it("refuses a lost payment whose job went to the provider again, however long after it was queued", async () => {
      // The provider does not answer, so the job is still taking the payment.
      provider.behaveAs("time out");
      try {
        const requeued = await orderLeftByAStop(LOST_PAYMENT_AFTER_MS + 60_000);
        expect(await requeueLostPayments(deps)).toBeGreaterThanOrEqual(1);
        // A dead letter retried late: queued long ago, it marks its payment as it charges.
        const retried = await orderLeftByAStop(LOST_PAYMENT_AFTER_MS + 60_000);
        await deps.jobs.enqueue("orders.processPayment", { orderId: retried.id });
        await expect
          .poll(async () => (await stored(retried.id)).paymentQueuedAt!.getTime())
          .toBeGreaterThan(retried.paymentQueuedAt!.getTime());

        for (const order of [requeued, retried]) {
          expect(
            await refusalOf(
              settlePaymentByHand(deps, admin, { orderId: order.id, reference: null, reason: "Checked" }),
            ),
          ).toBe("CONFLICT");
          expect(await stored(order.id)).toMatchObject({ status: "pending", paymentStatus: "pending" });
        }
      } finally {
        provider.behaveAs("succeed");
      }
    });

    it("cancels a pending order whose payment was given back at the provider, as refunded", async () => {
      const stuck = await stuckOrder();
      const reference = await takenAtTheProvider(stuck);
      await provider.refund(
        { paymentId: stuck.id, amount: 3000, currency: "EUR", reference },
        AbortSignal.timeout(1_000),
      );
      const stockBefore = await stockOf();
      const settled = await settlePaymentByHand(deps, admin, { orderId: stuck.id, reference, reason: "Refunded" });
      expect(settled).toMatchObject({ status: "cancelled", paymentStatus: "refunded" });
      expect(await stockOf()).toBe(stockBefore + 1);
    });

    it("refuses to say the provider holds no payment of an order that keeps one's reference", async () => {
      const cancelled = await stuckOrder();
      await moveOrder(deps, testActor, cancelled.id, "cancelled");
      // A charge found after the order was cancelled, whose refund is due.
      await deps.db.update(orders).set({ paymentReference: "pay_due_a_refund" }).where(eq(orders.id, cancelled.id));
      expect(
        await refusalOf(
          settlePaymentByHand(deps, admin, { orderId: cancelled.id, reference: null, reason: "Nothing found" }),
        ),
      ).toBe("CONFLICT");
      expect(await stored(cancelled.id)).toMatchObject({ paymentStatus: "pending" });
    });

    it("gives back money the provider later says it took for a payment settled as taking nothing, and logs it", async () => {
      const stuck = await stuckOrder();
      await settlePaymentByHand(deps, admin, { orderId: stuck.id, reference: null, reason: "Nothing found" });
      const reference = await takenAtTheProvider(stuck);
      const log = recordingLogger();
      expect(await recordPaymentResult({ ...deps, log }, stuck.id, { status: "succeeded", reference })).toBe(
        "refund due",
      );
      expect(log.lines).toContainEqual(
        expect.objectContaining({
          level: "error",
          fields: { orderId: stuck.id, recorded: "declined", told: "succeeded" },
        }),
      );
      await processPayment(deps, stuck.id);
      expect(await stored(stuck.id)).toMatchObject({ status: "cancelled", paymentStatus: "refunded" });
      expect(refunds.filter((refund) => refund.paymentId === stuck.id)).toEqual([
        expect.objectContaining({ reference }),
      ]);
      // Told again, it changes nothing more.
      expect(await recordPaymentResult(deps, stuck.id, { status: "succeeded", reference })).toBe("settled");
    });
  });
});

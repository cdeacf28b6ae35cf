import { randomUUID } from "node:crypto";
import { auditLog, orderItems, orders, products } from "@seed/db";
import { availableDrivers } from "@seed/db/testing";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  jobWorker,
  type OrderStatus,
  type OrderStatusChange,
  PROCESS_PAYMENT_JOB,
  runJob,
  userOrdersChannel,
} from "@seed/core";
import { createInProcessUsageLimiter, type InProcessPaymentProvider, type PaymentProvider } from "@seed/platform";
import { createCaller } from "../src/root";
import { member, productInput, recordEvents, type TestApi } from "./shop-support";
import { createTestApi } from "./support";

describe.each(availableDrivers())("orders on %s", (driver) => {
  let api: TestApi;
  let payments: InProcessPaymentProvider;
  let manager: Awaited<ReturnType<typeof member>>;
  let customer: Awaited<ReturnType<typeof member>>;
  let stranger: Awaited<ReturnType<typeof member>>;

  let held: ReturnType<typeof holdingCharges>;

  beforeAll(async () => {
    api = await createTestApi(driver);
    payments = api.deps.payments as InProcessPaymentProvider;
    held = holdingCharges(payments);
    await api.deps.jobs.startWorker(jobWorker({ ...api.deps, payments: held.provider }));
    [manager, customer, stranger] = await Promise.all([
      member(api, ["manager"]),
      member(api, ["customer"]),
      member(api, ["customer"]),
    ]);
  });
  afterEach(() => payments.behaveAs("succeed"));
  afterAll(async () => {
    await api?.deps.jobs.close();
    await api?.database.destroy();
  });

  const product = (stock = 10, amount = 2500, currency = "EUR") =>
    manager.api.products.create(productInput({ stock, price: { amount, currency } }));
  const stockOf = async (productId: string) =>
    (await api.deps.db.query.products.findFirst({ where: eq(products.id, productId) }))!.stock;
  const ordersWithKey = (idempotencyKey: string) =>
    api.deps.db.select().from(orders).where(eq(orders.idempotencyKey, idempotencyKey));
  const key = () => `order-${randomUUID()}`;
  /** Resolves once every queued payment job has run its last attempt. */
  const paymentsSettled = () =>
    expect.poll(() => api.deps.jobs.counts()).toMatchObject({ waiting: 0, active: 0, delayed: 0 });
  const orderRow = async (id: string) => (await api.deps.db.query.orders.findFirst({ where: eq(orders.id, id) }))!;

  it("places an order: takes the stock, totals in minor units, answers it pending, then charges once and marks it paid", async () => {
    const [lamp, desk] = [await product(10, 1999), await product(3, 15000)];
    const charged = payments.charged;
    const hold = held.next();
    const order = await customer.api.orders.place({
      items: [
        { productId: lamp.id, quantity: 3 },
        { productId: desk.id, quantity: 1 },
      ],
      idempotencyKey: key(),
    });
    // Answered while the charge is still held at the provider.
    expect(order).toMatchObject({
      userId: customer.id,
      status: "pending",
      paymentStatus: "pending",
      total: { amount: 3 * 1999 + 15000, currency: "EUR" },
    });
    expect(order.items).toEqual(
      expect.arrayContaining([
        { productId: lamp.id, name: lamp.name, quantity: 3, unitPrice: { amount: 1999, currency: "EUR" } },
        { productId: desk.id, name: desk.name, quantity: 1, unitPrice: { amount: 15000, currency: "EUR" } },
      ]),
    );
    expect([await stockOf(lamp.id), await stockOf(desk.id)]).toEqual([7, 2]);
    await hold.charging;
    expect(payments.charged).toBe(charged);
    hold.release();
    await paymentsSettled();
    expect(payments.charged).toBe(charged + 1);
    expect(await customer.api.orders.get({ orderId: order.id })).toEqual({
      ...order,
      status: "paid",
      paymentStatus: "succeeded",
      updatedAt: expect.any(Date),
    });
  });

  it("sells exactly the last 10 items to 200 concurrent orders, and tells the rest they are out of stock", async () => {
    const scarce = await product(10);
    const attempts = await Promise.allSettled(
      Array.from({ length: 200 }, () =>
        customer.api.orders.place({ items: [{ productId: scarce.id, quantity: 1 }], idempotencyKey: key() }),
      ),
    );
    const sold = attempts.filter((attempt) => attempt.status === "fulfilled");
    const refused = attempts.flatMap((attempt) => (attempt.status === "rejected" ? [attempt.reason] : []));
    expect(sold).toHaveLength(10);
    expect(refused).toHaveLength(190);
    for (const error of refused) {
      expect(error).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("Out of stock") });
    }
    expect(await stockOf(scarce.id)).toBe(0);
    const sales = await api.deps.db.select().from(orderItems).where(eq(orderItems.productId, scarce.id));
    expect(sales).toHaveLength(10);
  });

  it("limits how many orders one user places per minute", async () => {
    const shopper = await member(api, ["customer"]);
    const limited = createCaller({ ...api.contextFor(shopper.principal), usageLimiter: createInProcessUsageLimiter() });
    const lamp = await product(100);
    const place = () => limited.orders.place({ items: [{ productId: lamp.id, quantity: 1 }], idempotencyKey: key() });
    for (let order = 0; order < 30; order++) await place();
    await expect(place()).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: expect.stringContaining("placing orders"),
    });
    expect(await stockOf(lamp.id)).toBe(70);
  });

  it("answers a retried order with the first result even once the order took the last of the stock", async () => {
    const lastTwo = await product(2);
    const input = { items: [{ productId: lastTwo.id, quantity: 2 }], idempotencyKey: key() };
    const first = await customer.api.orders.place(input);
    const retry = await customer.api.orders.place(input);
    expect(retry.id).toBe(first.id);
    expect(await ordersWithKey(input.idempotencyKey)).toHaveLength(1);
    expect(await stockOf(lastTwo.id)).toBe(0);
  });

  it("answers a retried order with the first result, without a second order or charge", async () => {
    const lamp = await product();
    const input = { items: [{ productId: lamp.id, quantity: 2 }], idempotencyKey: key() };
    // Earlier tests' payments settle first, so that only this order's charge is counted.
    await paymentsSettled();
    const charged = payments.charged;
    const first = await customer.api.orders.place(input);
    await paymentsSettled();
    const retry = await customer.api.orders.place({ ...input, items: [...input.items] });
    expect(retry).toMatchObject({ id: first.id, status: "paid" });
    await paymentsSettled();
    expect(await ordersWithKey(input.idempotencyKey)).toHaveLength(1);
    expect(await stockOf(lamp.id)).toBe(8);
    expect(payments.charged).toBe(charged + 1);
  });

  it("makes one order of concurrent retries with the same key", async () => {
    const lamp = await product();
    const input = { items: [{ productId: lamp.id, quantity: 1 }], idempotencyKey: key() };
    const charged = payments.charged;
    const results = await Promise.all(Array.from({ length: 20 }, () => customer.api.orders.place(input)));
    await paymentsSettled();
    expect(new Set(results.map((order) => order.id)).size).toBe(1);
    expect(await ordersWithKey(input.idempotencyKey)).toHaveLength(1);
    expect(await stockOf(lamp.id)).toBe(9);
    expect(payments.charged).toBe(charged + 1);
  });

  it("refuses a key reused for a different order, and changes nothing", async () => {
    const lamp = await product();
    const idempotencyKey = key();
    await customer.api.orders.place({ items: [{ productId: lamp.id, quantity: 1 }], idempotencyKey });
    await expect(
      customer.api.orders.place({ items: [{ productId: lamp.id, quantity: 5 }], idempotencyKey }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("different order") });
    expect(await stockOf(lamp.id)).toBe(9);
    expect(await ordersWithKey(idempotencyKey)).toHaveLength(1);
  });

  it("keeps keys apart per user: the same key from two users makes two orders", async () => {
    const lamp = await product();
    const input = { items: [{ productId: lamp.id, quantity: 1 }], idempotencyKey: key() };
    const [mine, theirs] = [await customer.api.orders.place(input), await stranger.api.orders.place(input)];
    expect(mine.id).not.toBe(theirs.id);
    expect(await stockOf(lamp.id)).toBe(8);
  });

  it("cancels and restocks a declined order, and answers its retry with the declined order", async () => {
    const lamp = await product();
    const input = { items: [{ productId: lamp.id, quantity: 4 }], idempotencyKey: key() };
    payments.behaveAs("decline");
    expect(await customer.api.orders.place(input)).toMatchObject({ status: "pending" });
    await paymentsSettled();
    payments.behaveAs("succeed");
    const retry = await customer.api.orders.place(input);
    expect(retry).toMatchObject({ status: "cancelled", paymentStatus: "declined" });
    await paymentsSettled();
    const [order] = await ordersWithKey(input.idempotencyKey);
    expect(order).toMatchObject({ status: "cancelled", paymentStatus: "declined" });
    expect(await stockOf(lamp.id)).toBe(10);
  });

  it("keeps an order pending with its stock while the provider times out on every attempt, and a retry completes it once", async () => {
    const lamp = await product();
    const input = { items: [{ productId: lamp.id, quantity: 2 }], idempotencyKey: key() };
    // Earlier tests' payments settle first, so that only this order's charge is counted.
    await paymentsSettled();
    const charged = payments.charged;
    payments.behaveAs("time out");
    const order = await customer.api.orders.place(input);
    await paymentsSettled();
    expect(await orderRow(order.id)).toMatchObject({ status: "pending", paymentStatus: "pending" });
    expect(await stockOf(lamp.id)).toBe(8);
    const letters = (await api.deps.jobs.deadLetters(100)).filter(
      (letter) => (letter.payload as { orderId: string }).orderId === order.id,
    );
    expect(letters).toEqual([
      expect.objectContaining({
        name: PROCESS_PAYMENT_JOB,
        attempts: 2,
        error: expect.stringContaining("retrying is safe"),
      }),
    ]);

    payments.behaveAs("succeed");
    expect(await customer.api.orders.place(input)).toMatchObject({ id: order.id });
    await paymentsSettled();
    expect(await orderRow(order.id)).toMatchObject({ status: "paid", paymentStatus: "succeeded" });
    expect(await stockOf(lamp.id)).toBe(8);
    expect(payments.charged).toBe(charged + 1);
  });

  it("refunds, on a retry, a charge that went through for an order cancelled before it was confirmed", async () => {
    const lamp = await product();
    const input = { items: [{ productId: lamp.id, quantity: 1 }], idempotencyKey: key() };
    payments.behaveAs("time out");
    const order = await customer.api.orders.place(input);
    await paymentsSettled();
    await customer.api.orders.cancel({ orderId: order.id });
    // The provider took the money after all; only its answer was lost.
    payments.behaveAs("succeed");
    await payments.charge({ paymentId: order.id, amount: 2500, currency: "EUR" }, AbortSignal.timeout(1000));
    const refunded = payments.refunded;

    await customer.api.orders.place(input);
    await paymentsSettled();
    expect((await ordersWithKey(input.idempotencyKey))[0]).toMatchObject({
      status: "cancelled",
      paymentStatus: "refunded",
    });
    expect(payments.refunded).toBe(refunded + 1);
    expect(await stockOf(lamp.id)).toBe(10);
  });

  it("refunds a charge that lands after its order was cancelled while the payment was in flight", async () => {
    const lamp = await product();
    const refunded = payments.refunded;
    const hold = held.next();
    const order = await customer.api.orders.place({
      items: [{ productId: lamp.id, quantity: 3 }],
      idempotencyKey: key(),
    });
    await hold.charging;
    expect(await customer.api.orders.cancel({ orderId: order.id })).toMatchObject({
      status: "cancelled",
      paymentStatus: "pending",
    });
    expect(await stockOf(lamp.id)).toBe(10);

    hold.release();
    await paymentsSettled();
    expect(await orderRow(order.id)).toMatchObject({ status: "cancelled", paymentStatus: "refunded" });
    expect(payments.refunded).toBe(refunded + 1);
    expect(await stockOf(lamp.id)).toBe(10);
  });

  it("charges and moves an order once however often its payment job runs, even side by side", async () => {
    const lamp = await product();
    const order = await customer.api.orders.place({
      items: [{ productId: lamp.id, quantity: 1 }],
      idempotencyKey: key(),
    });
    await paymentsSettled();
    const charged = payments.charged;
    const events = await recordEvents<OrderStatusChange>(api.deps.events, userOrdersChannel(customer.id));
    const audited = async () =>
      (await api.deps.db.select().from(auditLog).where(eq(auditLog.resourceId, order.id))).length;
    const auditRows = await audited();

    const repeats = await Promise.all(
      Array.from({ length: 3 }, () => runJob(api.deps, PROCESS_PAYMENT_JOB, { orderId: order.id })),
    );
    expect(repeats).toEqual(Array.from({ length: 3 }, () => ({ status: "paid", paymentStatus: "succeeded" })));
    expect(payments.charged).toBe(charged);
    expect(await audited()).toBe(auditRows);
    expect((await events.settle()).filter((event) => event.orderId === order.id)).toEqual([]);
  });

  it("rolls back the whole order when one of its items cannot be had", async () => {
    const [lamp, scarce, dollars] = [await product(10), await product(1), await product(10, 100, "USD")];
    const attempt = (items: { productId: string; quantity: number }[]) =>
      customer.api.orders.place({ items, idempotencyKey: key() });

    await expect(
      attempt([
        { productId: lamp.id, quantity: 2 },
        { productId: scarce.id, quantity: 2 },
      ]),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(
      attempt([
        { productId: lamp.id, quantity: 2 },
        { productId: randomUUID(), quantity: 1 },
      ]),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      attempt([
        { productId: lamp.id, quantity: 2 },
        { productId: dollars.id, quantity: 1 },
      ]),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("same currency") });
    expect([await stockOf(lamp.id), await stockOf(scarce.id), await stockOf(dollars.id)]).toEqual([10, 1, 10]);
  });

  it.each([
    ["no items", { items: [] }],
    ["a zero quantity", { items: [{ quantity: 0 }] }],
    ["a fractional quantity", { items: [{ quantity: 1.5 }] }],
    ["the same product twice", { items: [{ quantity: 1 }, { quantity: 2 }] }],
    ["a short idempotency key", { idempotencyKey: "abc" }],
    ["a price set by the client", { items: [{ quantity: 1, unitPrice: 1 }] }],
    ["a status set by the client", { status: "paid" }],
  ] as [string, { items?: { upper?: boolean }[]; idempotencyKey?: string; status?: string }][])(
    "refuses an order with %s and takes no stock",
    async (_case, override) => {
      const lamp = await product();
      const items = (override.items ?? [{ quantity: 1 }]).map(({ upper, ...item }: { upper?: boolean }) => ({
        productId: upper ? lamp.id.toUpperCase() : lamp.id,
        ...item,
      }));
      const input = { idempotencyKey: key(), ...override, items };
      await expect(customer.api.orders.place(input as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
      expect(await stockOf(lamp.id)).toBe(10);
    },
  );

  /** An order of the customer's, brought to `status` along the allowed path. */
  async function orderIn(status: OrderStatus) {
    const lamp = await product();
    if (status === "pending") payments.behaveAs("time out");
    const order = await customer.api.orders.place({
      items: [{ productId: lamp.id, quantity: 1 }],
      idempotencyKey: key(),
    });
    await paymentsSettled();
    if (status === "pending") {
      payments.behaveAs("succeed");
      return { id: order.id, productId: lamp.id };
    }
    const path: OrderStatus[] = {
      paid: [],
      shipped: ["shipped"],
      delivered: ["shipped", "delivered"],
      cancelled: ["cancelled"],
    }[status] as OrderStatus[];
    for (const next of path) await manager.api.orders.setStatus({ orderId: order.id, status: next as never });
    return { id: order.id, productId: lamp.id };
  }

  const moves: [OrderStatus, "shipped" | "delivered" | "cancelled", boolean][] = [
    ["pending", "shipped", false],
    ["pending", "delivered", false],
    ["pending", "cancelled", true],
    ["paid", "shipped", true],
    ["paid", "delivered", false],
    ["paid", "cancelled", true],
    ["shipped", "shipped", false],
    ["shipped", "delivered", true],
    ["shipped", "cancelled", false],
    ["delivered", "shipped", false],
    ["delivered", "cancelled", false],
    ["cancelled", "shipped", false],
    ["cancelled", "cancelled", false],
  ];
  it.each(moves)("moves an order from %s to %s only if allowed (%s)", async (from, to, allowed) => {
    const { id } = await orderIn(from);
    const before = await api.deps.db.query.orders.findFirst({ where: eq(orders.id, id) });
    expect(before?.status).toBe(from);
    const move = manager.api.orders.setStatus({ orderId: id, status: to });
    if (allowed) {
      expect((await move).status).toBe(to);
    } else {
      await expect(move).rejects.toMatchObject({
        code: "CONFLICT",
        message: `An order that is ${from} cannot become ${to}`,
      });
      expect(await api.deps.db.query.orders.findFirst({ where: eq(orders.id, id) })).toEqual(before);
    }
  });

  it("never lets staff move an order to paid: only its payment does, or a payment settled by hand", async () => {
    const { id } = await orderIn("pending");
    await expect(manager.api.orders.setStatus({ orderId: id, status: "paid" } as never)).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("restocks and refunds a paid order its owner cancels", async () => {
    const { id, productId } = await orderIn("paid");
    const refunded = payments.refunded;
    expect(await stockOf(productId)).toBe(9);
    const cancelled = await customer.api.orders.cancel({ orderId: id });
    expect(cancelled).toMatchObject({ status: "cancelled", paymentStatus: "refunded" });
    expect(await stockOf(productId)).toBe(10);
    expect(payments.refunded).toBe(refunded + 1);
  });

  it("refuses every read or change of someone else's order, unless the caller may act on any", async () => {
    const { id } = await orderIn("paid");
    const before = await api.deps.db.query.orders.findFirst({ where: eq(orders.id, id) });
    await expect(stranger.api.orders.get({ orderId: id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(stranger.api.orders.cancel({ orderId: id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(stranger.api.orders.setStatus({ orderId: id, status: "shipped" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(stranger.api.orders.list({ scope: "all" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await stranger.api.orders.list({})).items.map((order) => order.id)).not.toContain(id);
    expect(await api.deps.db.query.orders.findFirst({ where: eq(orders.id, id) })).toEqual(before);

    expect((await manager.api.orders.get({ orderId: id })).id).toBe(id);
  });

  it("lists everyone's orders by their payment's status, for staff", async () => {
    const paid = await orderIn("paid");
    const refunded = await orderIn("cancelled");
    const listed = async (paymentStatus: "succeeded" | "refunded") =>
      (await manager.api.orders.list({ scope: "all", paymentStatus, limit: 100 })).items;

    const refunds = await listed("refunded");
    expect(refunds.map((order) => order.id)).toContain(refunded.id);
    expect(refunds.map((order) => order.id)).not.toContain(paid.id);
    expect(new Set(refunds.map((order) => order.paymentStatus))).toEqual(new Set(["refunded"]));
    expect((await listed("succeeded")).map((order) => order.id)).toContain(paid.id);
    await expect(manager.api.orders.list({ paymentStatus: "lost" } as never)).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("lists the caller's orders newest first, in pages that neither skip nor repeat", async () => {
    const shopper = await member(api, ["customer"]);
    const lamp = await product(100);
    const place = () =>
      shopper.api.orders.place({ items: [{ productId: lamp.id, quantity: 1 }], idempotencyKey: key() });
    const placed: string[] = [];
    for (let index = 0; index < 7; index++) placed.unshift((await place()).id);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await shopper.api.orders.list({ limit: 3, cursor });
      seen.push(...page.items.map((order) => order.id));
      cursor = page.nextCursor ?? undefined;
      await place();
    } while (cursor);
    expect(seen).toEqual(placed);
  });

  it("announces each status change after its commit, and audits it", async () => {
    const events = await recordEvents<OrderStatusChange>(api.deps.events, userOrdersChannel(customer.id));
    const { id } = await orderIn("paid");
    await manager.api.orders.setStatus({ orderId: id, status: "shipped" });
    await expect(manager.api.orders.setStatus({ orderId: id, status: "cancelled" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const received = (await events.settle()).filter((event) => event.orderId === id);
    expect(received.map(({ from, to, paymentStatus }) => [from, to, paymentStatus])).toEqual([
      [null, "pending", "pending"],
      ["pending", "paid", "succeeded"],
      ["paid", "shipped", "succeeded"],
    ]);
    const audit = await api.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resource, "order"), eq(auditLog.resourceId, id)))
      .orderBy(auditLog.id);
    expect(audit.map((row) => [row.action, row.actorId])).toEqual([
      ["order.place", customer.id],
      // The payment job moves the order, on behalf of nobody signed in.
      ["order.status_change", null],
      ["order.status_change", manager.id],
    ]);
  });
});

/**
 * The provider the payment jobs use: `provider` itself, except that a charge can be held at the
 * provider until released, as a slow bank would.
 */
function holdingCharges(provider: PaymentProvider) {
  let armed: { started: () => void; released: Promise<void> } | null = null;
  return {
    provider: {
      async charge(charge, signal) {
        const hold = armed;
        armed = null;
        if (hold) {
          hold.started();
          await hold.released;
        }
        return provider.charge(charge, signal);
      },
      refund: (refund, signal) => provider.refund(refund, signal),
      find: (reference, signal) => provider.find(reference, signal),
      findByPaymentId: (paymentId, signal) => provider.findByPaymentId(paymentId, signal),
      cancel: (reference, signal) => provider.cancel(reference, signal),
    } satisfies PaymentProvider,
    /** Holds the next charge: `charging` resolves once it is held, `release` lets it go on. */
    next() {
      let started!: () => void;
      let release!: () => void;
      const charging = new Promise<void>((resolve) => (started = resolve));
      armed = { started, released: new Promise<void>((resolve) => (release = resolve)) };
      return { charging, release };
    },
  };
}

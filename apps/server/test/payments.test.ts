import { randomUUID } from "node:crypto";
import type { Client } from "@seed/client";
import { auditLog, orders } from "@seed/db";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startStripeStandIn,
  type StripeStandIn,
  testPaymentMethods,
} from "../../../packages/platform/test/stripe-stand-in";
import { orderBecomes, signedInClient, watchNotifications } from "./support/live";
import { availableBackends, uniqueEmail, useDeployment } from "./support/test-server";

const adminEmail = "payments-admin@example.com";
const adminPassword = "a long admin passphrase";

describe.each(availableBackends())("payments through Stripe on %s", (backend) => {
  let stripe: StripeStandIn;
  beforeAll(async () => {
    stripe = await startStripeStandIn();
  });
  afterAll(() => stripe?.close());
  const deployment = useDeployment(backend, {
    env: () => ({
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: adminPassword,
      PAYMENT_PROVIDER: "stripe",
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_BASE: stripe.url,
      JOB_ATTEMPTS: "4",
      JOB_BACKOFF_MS: "10",
    }),
  });
  let admin: Client;
  let adminToken: string;
  beforeAll(async () => {
    const signedIn = await signedInClient(deployment.server, adminEmail, {}, adminPassword);
    admin = signedIn.client;
    adminToken = signedIn.session.accessToken;
  });

  const newProduct = (stock = 5) =>
    admin.api.products.create.mutate({
      sku: `sku-${randomUUID()}`,
      name: `Linen throw ${randomUUID().slice(0, 8)}`,
      category: "home",
      price: { amount: 6400, currency: "EUR" },
      stock,
    });

  /** A signed-in shopper whose notifications are recorded from before their first order. */
  async function shopper() {
    const { client } = await signedInClient(deployment.server, uniqueEmail("payer"));
    const notifications = watchNotifications(client);
    await notifications.starts(1);
    return { client, notifications };
  }

  const place = (client: Client, productId: string, paymentMethod: string, quantity = 1) =>
    client.api.orders.place.mutate({ items: [{ productId, quantity }], idempotencyKey: randomUUID(), paymentMethod });

  const stockOf = async (productId: string) => (await admin.api.products.get.query({ productId })).stock;
  const orderRow = async (orderId: string) =>
    (await deployment.database.connection.db.query.orders.findFirst({ where: eq(orders.id, orderId) }))!;
  const auditedChanges = async (orderId: string) =>
    (await deployment.database.connection.db.select().from(auditLog).where(eq(auditLog.resourceId, orderId))).length;
  const charges = (orderId: string) => stripe.charged.filter((id) => id === stripe.intentFor(orderId)?.id).length;

  const postNotice = (body: string, headers: Record<string, string>) =>
    fetch(`${deployment.server.baseUrl}/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
  const sendNotice = (event: unknown) => {
    const { body, signature } = stripe.signed(event);
    return postNotice(body, { "stripe-signature": signature });
  };

  /** An order paid by bank debit, which Stripe holds as processing until the bank settles it. */
  async function debitOrder(client: Client, productId: string) {
    const order = await place(client, productId, testPaymentMethods.bankDebit);
    await expect.poll(() => stripe.intentFor(order.id)?.status).toBe("processing");
    return { order, intentId: stripe.intentFor(order.id)!.id };
  }

  it("answers the order before the payment, then charges the card once and tells the owner it was paid", async () => {
    const product = await newProduct();
    const { client, notifications } = await shopper();
    const order = await place(client, product.id, testPaymentMethods.visa);
    expect(order).toMatchObject({ status: "pending", paymentStatus: "pending" });

    expect(await orderBecomes(notifications, order.id, "paid")).toMatchObject({ paymentStatus: "succeeded" });
    const intent = stripe.intentFor(order.id)!;
    expect(intent).toMatchObject({ amount: 6400, currency: "eur", status: "succeeded" });
    // The payment method is forgotten once the payment is settled.
    expect(await orderRow(order.id)).toMatchObject({
      status: "paid",
      paymentReference: intent.id,
      paymentMethod: null,
    });
    expect(charges(order.id)).toBe(1);
    notifications.stop();
  });

  it("cancels a declined order, puts its stock back, and tells the owner", async () => {
    const product = await newProduct(5);
    const { client, notifications } = await shopper();
    const order = await place(client, product.id, testPaymentMethods.declined, 2);
    expect(order.status).toBe("pending");

    expect(await orderBecomes(notifications, order.id, "cancelled")).toMatchObject({
      from: "pending",
      paymentStatus: "declined",
    });
    expect(await client.api.orders.get.query({ orderId: order.id })).toMatchObject({
      status: "cancelled",
      paymentStatus: "declined",
    });
    expect(await stockOf(product.id)).toBe(5);
    expect(charges(order.id)).toBe(0);
    expect(await orderRow(order.id)).toMatchObject({ paymentMethod: null });
    notifications.stop();
  });

  it("retries a payment Stripe answered with 500s, and takes it once", async () => {
    const product = await newProduct();
    const { client, notifications } = await shopper();
    const requestsBefore = stripe.requests.length;
    stripe.failNext(2);
    const order = await place(client, product.id, testPaymentMethods.visa);

    await orderBecomes(notifications, order.id, "paid");
    // Two refused attempts, then the PaymentIntent made and confirmed.
    expect(stripe.requests.length - requestsBefore).toBe(4);
    expect([...stripe.intents.values()].filter((intent) => intent.metadata.payment_id === order.id)).toHaveLength(1);
    expect(charges(order.id)).toBe(1);
    notifications.stop();
  });

  it("marks a bank debit paid when Stripe's notice comes, and changes nothing for a replayed or late notice", async () => {
    const product = await newProduct();
    const { client, notifications } = await shopper();
    const { order, intentId } = await debitOrder(client, product.id);
    expect(await orderRow(order.id)).toMatchObject({ status: "pending", paymentStatus: "pending" });

    const settled = stripe.settle(intentId, "succeeded");
    const answer = await sendNotice(settled);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ received: true });
    await orderBecomes(notifications, order.id, "paid");
    const audited = await auditedChanges(order.id);

    // The same event again, and a failure that arrives after the success.
    expect((await sendNotice(settled)).status).toBe(200);
    expect((await sendNotice(stripe.eventAbout(intentId, "payment_intent.payment_failed"))).status).toBe(200);
    expect(await orderRow(order.id)).toMatchObject({ status: "paid", paymentStatus: "succeeded" });
    expect(await auditedChanges(order.id)).toBe(audited);
    // The next change the owner hears of is the next real one.
    await admin.api.orders.setStatus.mutate({ orderId: order.id, status: "shipped" });
    await orderBecomes(notifications, order.id, "shipped");
    const changes = notifications.received.map((event) => event.data).filter((data) => "orderId" in data);
    expect(changes.map((change) => (change as { to: string }).to)).toEqual(["pending", "paid", "shipped"]);
    notifications.stop();
  });

  it("refunds a bank debit that settles after its order was cancelled", async () => {
    const product = await newProduct(5);
    const { client } = await shopper();
    const { order, intentId } = await debitOrder(client, product.id);
    expect(await client.api.orders.cancel.mutate({ orderId: order.id })).toMatchObject({
      status: "cancelled",
      paymentStatus: "pending",
    });
    expect(await stockOf(product.id)).toBe(5);

    expect((await sendNotice(stripe.settle(intentId, "succeeded"))).status).toBe(200);
    await expect.poll(async () => (await orderRow(order.id)).paymentStatus).toBe("refunded");
    expect(stripe.refunds.filter((id) => id === intentId)).toHaveLength(1);
    expect(await orderRow(order.id)).toMatchObject({ status: "cancelled", paymentReference: intentId });
  });

  it("refuses with 400 a notice whose signature does not verify, and the order stays as it was", async () => {
    const product = await newProduct();
    const { client } = await shopper();
    const { order, intentId } = await debitOrder(client, product.id);
    const event = stripe.settle(intentId, "succeeded");
    const genuine = stripe.signed(event);
    const forged = stripe.signed(event, "whsec_guessedbyanattacker");

    const attempts = [
      postNotice(forged.body, { "stripe-signature": forged.signature }),
      postNotice(genuine.body.replace(`"amount":6400`, `"amount":1`), { "stripe-signature": genuine.signature }),
      postNotice(genuine.body, {}),
      postNotice(genuine.body, { "stripe-signature": "t=1,v1=00" }),
      postNotice("", { "stripe-signature": genuine.signature }),
    ];
    for (const answer of await Promise.all(attempts)) {
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ code: "BAD_REQUEST", data: { httpStatus: 400 } });
    }
    const notJson = await postNotice(genuine.body, {
      "content-type": "text/plain",
      "stripe-signature": genuine.signature,
    });
    expect(notJson.status).toBe(415);
    expect(await orderRow(order.id)).toMatchObject({ status: "pending", paymentStatus: "pending" });

    expect((await sendNotice(event)).status).toBe(200);
    await expect.poll(async () => (await orderRow(order.id)).status).toBe("paid");
  });

  it("passes over a notice about a payment of no order of this shop", async () => {
    const product = await newProduct();
    const { client } = await shopper();
    const { order, intentId } = await debitOrder(client, product.id);
    const foreign = stripe.eventAbout(intentId, "payment_intent.succeeded");
    (foreign.data.object as { metadata: Record<string, string> }).metadata = { payment_id: randomUUID() };
    expect((await sendNotice(foreign)).status).toBe(200);
    (foreign.data.object as { metadata: Record<string, string> }).metadata = { payment_id: "not-an-order" };
    expect((await sendNotice(foreign)).status).toBe(200);
    expect(await orderRow(order.id)).toMatchObject({ status: "pending", paymentStatus: "pending" });
  });

  it("settles by hand, over REST, bank debits whose notice never came, as Stripe's records show them", async () => {
    const product = await newProduct(5);
    const { client, session } = await signedInClient(deployment.server, uniqueEmail("payer"));
    const paid = await debitOrder(client, product.id);
    const cancelled = await debitOrder(client, product.id);
    await client.api.orders.cancel.mutate({ orderId: cancelled.order.id });
    const failed = await debitOrder(client, product.id);
    const unnamed = await debitOrder(client, product.id);
    // Stripe's notices are lost, and the orders are a day old.
    await deployment.database.connection.db
      .update(orders)
      .set({ createdAt: sql`now() - interval '1 day'`, paymentQueuedAt: sql`now() - interval '1 hour'` })
      .where(eq(orders.userId, session.user.id));

    const settle = (orderId: string, body: unknown, token = adminToken) =>
      fetch(`${deployment.server.baseUrl}/api/orders/${orderId}/payment`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const reason = "Settled in the Stripe dashboard";
    // Still processing at the bank: Stripe has no outcome to record yet.
    expect((await settle(paid.order.id, { reference: paid.intentId, reason })).status).toBe(409);
    // Nor as holding nothing: asked by the order id, Stripe shows the debit.
    const heldNothing = await settle(paid.order.id, { reference: null, reason });
    expect(heldNothing.status).toBe(409);
    expect(((await heldNothing.json()) as { message: string }).message).toContain(paid.intentId);
    expect(stripe.requests).toContain("GET /v1/payment_intents/search");
    stripe.settle(paid.intentId, "succeeded");
    stripe.settle(cancelled.intentId, "succeeded");
    stripe.settle(failed.intentId, "failed");
    stripe.settle(unnamed.intentId, "failed");

    const refusals = [
      [{ reason }, 422],
      [{ reference: paid.intentId }, 422],
      [{ reference: `${paid.intentId}/refunds`, reason }, 422],
      [{ reference: paid.intentId, reason, charge: "succeeded" }, 422],
      // Another order's payment, and one Stripe does not hold.
      [{ reference: cancelled.intentId, reason }, 422],
      [{ reference: "pi_0000000000000000000000", reason }, 422],
    ] as const;
    for (const [body, status] of refusals) {
      expect({ body, status: (await settle(paid.order.id, body)).status }).toEqual({ body, status });
    }
    const byTheCustomer = await settle(paid.order.id, { reference: paid.intentId, reason }, session.accessToken);
    expect(byTheCustomer.status).toBe(403);
    expect(await orderRow(paid.order.id)).toMatchObject({ status: "pending", paymentStatus: "pending" });

    const answer = await settle(paid.order.id, { reference: paid.intentId, reason });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ id: paid.order.id, status: "paid", paymentStatus: "succeeded" });
    expect(await orderRow(paid.order.id)).toMatchObject({ paymentReference: paid.intentId, paymentMethod: null });
    expect((await settle(paid.order.id, { reference: null, reason })).status).toBe(409);

    const refunded = await settle(cancelled.order.id, { reference: cancelled.intentId, reason });
    expect(refunded.status).toBe(200);
    await expect.poll(async () => (await orderRow(cancelled.order.id)).paymentStatus).toBe("refunded");
    expect(stripe.refunds.filter((id) => id === cancelled.intentId)).toHaveLength(1);
    expect(stripe.refunds.filter((id) => id === paid.intentId)).toHaveLength(0);

    // A debit the bank refused took nothing, and is cancelled at Stripe before its order is, so
    // that it can take nothing later either: named, or found by the order id.
    expect(await stockOf(product.id)).toBe(2);
    const declined = await settle(failed.order.id, { reference: failed.intentId, reason });
    expect(declined.status).toBe(200);
    expect(await declined.json()).toMatchObject({ status: "cancelled", paymentStatus: "declined" });
    expect(stripe.intentFor(failed.order.id)?.status).toBe("canceled");
    const foundByOrder = await settle(unnamed.order.id, { reference: null, reason });
    expect(foundByOrder.status).toBe(200);
    expect(await foundByOrder.json()).toMatchObject({ status: "cancelled", paymentStatus: "declined" });
    expect(stripe.intentFor(unnamed.order.id)?.status).toBe("canceled");
    expect(await stockOf(product.id)).toBe(4);
  });
});

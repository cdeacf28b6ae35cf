import { randomUUID } from "node:crypto";
import type { Client } from "@seed/client";
import { orders } from "@seed/db";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { orderBecomes, watchNotifications } from "./support/live";
import { codeOf, refusalOf } from "./support/refusal";
import { availableBackends, tokensOf, uniqueEmail, useDeployment, type TestServer } from "./support/test-server";

const adminEmail = "shop-admin@example.com";
const adminPassword = "a long admin passphrase";
const password = "a long passphrase";

describe.each(availableBackends())("the shop over HTTP on %s", (backend) => {
  const deployment = useDeployment(backend, {
    instances: ["first", "second"],
    env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword, AUTH_RATE_LIMIT_MAX: "1000" },
  });
  let admin: Client;

  async function signIn(server: TestServer, email: string, secret = password) {
    const session = tokensOf(await server.client().api.auth.login.mutate({ email, password: secret }));
    return Object.assign(server.client({ getAccessToken: () => session.accessToken }), { userId: session.user.id });
  }

  async function customer(server = deployment.first) {
    const email = uniqueEmail("shopper");
    await server.client().api.auth.register.mutate({ email, password });
    return Object.assign(await signIn(server, email), { email });
  }

  beforeAll(async () => {
    admin = await signIn(deployment.first, adminEmail, adminPassword);
  });

  const newProduct = (stock: number) =>
    admin.api.products.create.mutate({
      sku: `sku-${randomUUID()}`,
      name: `Walnut desk ${randomUUID().slice(0, 8)}`,
      description: "Solid wood",
      category: "furniture",
      price: { amount: 45000, currency: "EUR" },
      stock,
    });

  it("lets a customer find a product, order it, see it paid and see the order, with dates and money intact", async () => {
    const desk = await newProduct(3);
    const shopper = await customer();
    const found = await shopper.api.products.list.query({ search: desk.name, category: "furniture" });
    expect(found.items.map((item) => item.id)).toEqual([desk.id]);
    expect(found.items[0]!.createdAt).toBeInstanceOf(Date);

    const notifications = watchNotifications(shopper);
    await notifications.starts(1);
    const order = await shopper.api.orders.place.mutate({
      items: [{ productId: desk.id, quantity: 2 }],
      idempotencyKey: randomUUID(),
    });
    // Answered once the stock is reserved; the payment follows, and the shopper is told.
    expect(order).toMatchObject({ status: "pending", total: { amount: 90000, currency: "EUR" } });
    expect(await orderBecomes(notifications, order.id, "paid")).toMatchObject({
      from: "pending",
      paymentStatus: "succeeded",
    });
    notifications.stop();
    expect(await shopper.api.orders.get.query({ orderId: order.id })).toMatchObject({ status: "paid" });
    expect((await shopper.api.orders.list.query({})).items.map((item) => item.id)).toEqual([order.id]);
    expect((await shopper.api.products.get.query({ productId: desk.id })).stock).toBe(1);
  });

  it("sells the last items once across two instances, and answers a retry on the other with the first order", async () => {
    const desk = await newProduct(5);
    const shoppers = await Promise.all([
      customer(deployment.first),
      customer(deployment.first),
      customer(deployment.second),
      customer(deployment.second),
    ]);
    const attempts = await Promise.allSettled(
      Array.from({ length: 40 }, (_, index) =>
        shoppers[index % 4]!.api.orders.place.mutate({
          items: [{ productId: desk.id, quantity: 1 }],
          idempotencyKey: randomUUID(),
        }),
      ),
    );
    expect(attempts.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(5);
    for (const attempt of attempts) {
      if (attempt.status === "rejected") expect(await codeOf(Promise.reject(attempt.reason))).toBe("CONFLICT");
    }

    const restocked = await newProduct(1);
    const idempotencyKey = randomUUID();
    const input = { items: [{ productId: restocked.id, quantity: 1 }], idempotencyKey };
    const buyer = shoppers[0]!;
    const placed = await buyer.api.orders.place.mutate(input);
    const buyerOnSecond = await signIn(deployment.second, buyer.email);
    expect((await buyerOnSecond.api.orders.place.mutate(input)).id).toBe(placed.id);
    const stored = await deployment.database.connection.db
      .select()
      .from(orders)
      .where(eq(orders.idempotencyKey, idempotencyKey));
    expect(stored).toHaveLength(1);
  });

  it("hides another customer's order, and says nothing about it in the error", async () => {
    const desk = await newProduct(1);
    const [owner, stranger] = [await customer(), await customer()];
    const order = await owner.api.orders.place.mutate({
      items: [{ productId: desk.id, quantity: 1 }],
      idempotencyKey: randomUUID(),
    });
    const refusal = await refusalOf(stranger.api.orders.get.query({ orderId: order.id }));
    expect(refusal).toEqual({ code: "NOT_FOUND", message: "No such order" });
    expect(await codeOf(stranger.api.orders.cancel.mutate({ orderId: order.id }))).toBe("NOT_FOUND");
    expect((await owner.api.orders.get.query({ orderId: order.id })).id).toBe(order.id);
  });

  it("stops one user placing more than 30 orders a minute, on every instance together", async () => {
    const lamp = await newProduct(100);
    const shopper = await customer();
    // Embedded, each instance counts on its own: it is meant to run as one instance.
    const clients = backend === "embedded" ? [shopper] : [shopper, await signIn(deployment.second, shopper.email)];
    const place = (client: Client) =>
      client.api.orders.place.mutate({ items: [{ productId: lamp.id, quantity: 1 }], idempotencyKey: randomUUID() });
    for (let order = 0; order < 30; order++) await place(clients[order % clients.length]!);
    for (const client of clients) expect(await codeOf(place(client))).toBe("TOO_MANY_REQUESTS");
    expect((await admin.api.products.get.query({ productId: lamp.id })).stock).toBe(70);
  });
});

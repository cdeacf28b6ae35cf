import { randomUUID } from "node:crypto";
import type { OrderStatusChange } from "@seed/core";
import type { Client } from "@seed/client";
import { beforeAll, describe, expect, it } from "vitest";
import {
  orderBecomes,
  placeSettledOrder,
  recordSubscription,
  signedInClient,
  watchNotifications,
  watchProducts,
  type Tracked,
} from "./support/live";
import { availableBackends, uniqueEmail, useDeployment, type TestServer } from "./support/test-server";

const adminEmail = "live-admin@example.com";
const adminPassword = "a long admin passphrase";

function followOrder(client: Client, orderId: string) {
  return recordSubscription<Tracked<OrderStatusChange>>((handlers) =>
    client.api.orders.onStatusChange.subscribe({ orderId }, handlers),
  );
}

describe.each(availableBackends())("live order and product updates from real changes on %s", (backend) => {
  const deployment = useDeployment(backend, {
    instances: ["instanceA"],
    env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword },
  });
  let instanceB: TestServer;
  let adminOnB: Client;

  beforeAll(async () => {
    // The embedded bus reaches the subscribers of its own process only: one instance plays both.
    instanceB = backend === "embedded" ? deployment.instanceA : await deployment.start();
    adminOnB = (await signedInClient(instanceB, adminEmail, {}, adminPassword)).client;
  });

  const newProduct = () =>
    adminOnB.api.products.create.mutate({
      sku: `sku-${randomUUID()}`,
      name: `Oak shelf ${randomUUID().slice(0, 8)}`,
      description: "Solid wood",
      category: "furniture",
      price: { amount: 9000, currency: "EUR" },
      stock: 5,
    });

  /** An order of `shopper`'s, paid. */
  async function placedOrder(shopper: Client) {
    const product = await newProduct();
    return placeSettledOrder(shopper, {
      items: [{ productId: product.id, quantity: 1 }],
      idempotencyKey: randomUUID(),
    });
  }

  it("tells a subscriber on A of a product created on B", async () => {
    const products = watchProducts(deployment.instanceA.client());
    await products.starts(1);
    const product = await newProduct();
    const [event] = await products.next(1);
    expect(event!.data).toMatchObject({ type: "product.created", productId: product.id, version: 1 });
    products.stop();
  });

  it("tells the owner on A, and their notifications, of the status their order was moved to on B", async () => {
    const { client: owner } = await signedInClient(deployment.instanceA, uniqueEmail("owner"));
    const order = await placedOrder(owner);
    const following = followOrder(owner, order.id);
    const notifications = watchNotifications(owner);
    await Promise.all([following.starts(1), notifications.starts(1)]);

    await adminOnB.api.orders.setStatus.mutate({ orderId: order.id, status: "shipped" });
    const [change] = await following.next(1);
    expect(change!.data).toMatchObject({ orderId: order.id, from: "paid", to: "shipped" });
    const [notification] = await notifications.next(1);
    expect(notification!.data).toMatchObject({ type: "order.status_changed", orderId: order.id, to: "shipped" });
    following.stop();
    notifications.stop();
  });

  it("answers an order before its payment, then tells the owner live that it was paid", async () => {
    const { client: owner } = await signedInClient(deployment.instanceA, uniqueEmail("payer"));
    const product = await newProduct();
    const notifications = watchNotifications(owner);
    await notifications.starts(1);
    const order = await owner.api.orders.place.mutate({
      items: [{ productId: product.id, quantity: 2 }],
      idempotencyKey: randomUUID(),
    });
    expect(order).toMatchObject({ status: "pending", paymentStatus: "pending" });

    const paid = await orderBecomes(notifications, order.id, "paid");
    expect(paid).toMatchObject({ from: "pending", paymentStatus: "succeeded", userId: order.userId });
    expect(await owner.api.orders.get.query({ orderId: order.id })).toMatchObject({
      status: "paid",
      paymentStatus: "succeeded",
    });
    notifications.stop();
  });

  it("answers someone else's order as not found", async () => {
    const { client: owner } = await signedInClient(deployment.instanceA, uniqueEmail("private"));
    const order = await placedOrder(owner);
    const { client: stranger } = await signedInClient(deployment.instanceA, uniqueEmail("stranger"));
    const refused = await followOrder(stranger, order.id).failed;
    expect(refused.data).toMatchObject({ code: "NOT_FOUND" });
  });

  it("ends with FORBIDDEN the following of someone's order once the grant that allowed it is revoked", async () => {
    const { client: owner } = await signedInClient(deployment.instanceA, uniqueEmail("watched"));
    const order = await placedOrder(owner);
    const { client: support, userId: supportId } = await signedInClient(deployment.instanceA, uniqueEmail("support"));
    await adminOnB.api.admin.permissions.grant.mutate({
      userId: supportId,
      permission: "order:read:any",
      reason: "support shift",
    });
    const following = followOrder(support, order.id);
    await following.starts(1);

    await adminOnB.api.admin.permissions.revoke.mutate({ userId: supportId, permission: "order:read:any" });
    const ended = await following.failed;
    expect(ended.data).toMatchObject({ code: "FORBIDDEN" });
  });

  it("ends with FORBIDDEN, at its expiry, every following a temporary grant allowed, on every instance and transport", async () => {
    const { client: owner } = await signedInClient(deployment.instanceA, uniqueEmail("briefly-watched"));
    const order = await placedOrder(owner);
    const supportEmail = uniqueEmail("temporary");
    const onA = await signedInClient(deployment.instanceA, supportEmail);
    const onB = await signedInClient(instanceB, supportEmail);
    const expiresAt = new Date(Date.now() + 2_000);
    await adminOnB.api.admin.permissions.grant.mutate({
      userId: onA.userId,
      permission: "order:read:any",
      expiresAt,
      reason: "a two-second look",
    });
    const sse = (server: TestServer, session: { accessToken: string }) =>
      server.sseClient({ getAccessToken: () => session.accessToken });
    const followers = [
      followOrder(onA.client, order.id),
      followOrder(sse(deployment.instanceA, onA.session), order.id),
      followOrder(onB.client, order.id),
      followOrder(sse(instanceB, onB.session), order.id),
    ];
    await Promise.all(followers.map((following) => following.starts(1)));
    // The owner's following rests on no grant: it outlives the expiry.
    const ownFollowing = followOrder(owner, order.id);
    await ownFollowing.starts(1);

    // Nothing is published at the expiry: each instance must notice it by itself.
    for (const ended of await Promise.all(followers.map((following) => following.failed))) {
      expect(ended.data).toMatchObject({ code: "FORBIDDEN" });
    }
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
    await adminOnB.api.orders.setStatus.mutate({ orderId: order.id, status: "shipped" });
    expect((await ownFollowing.next(1))[0]!.data).toMatchObject({ orderId: order.id, to: "shipped" });
    expect(followers.flatMap((following) => following.received)).toEqual([]);
    ownFollowing.stop();
  });
});

/*
 * Webhooks end to end: a real server places orders, and receivers on this machine (allowed by
 * WEBHOOK_ALLOW_PRIVATE_NETWORKS, as in development) check every signature with the
 * standardwebhooks package, as a receiver in the wild would.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { randomBytes, randomUUID } from "node:crypto";
import { webhookEndpoints } from "@seed/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Webhook } from "standardwebhooks";
import { availableBackends, tokensOf, uniqueEmail, useDeployment } from "./support/test-server";

const adminEmail = uniqueEmail("root");
const adminPassword = "the very first admin password";

interface Received {
  webhookId: string;
  /** The verified payload, or null when the signature did not verify. */
  payload: { type: string; timestamp: string; data: { id: string; status: string } } | null;
}

/**
 * A receiver that answers each request with the next status of its plan (the last one repeats),
 * and with `answer` as the body when given.
 */
async function receiver(plan: number[], answer?: string) {
  const received: Received[] = [];
  const waiting: (() => void)[] = [];
  let secret = "";
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      let payload: Received["payload"] = null;
      try {
        payload = new Webhook(secret).verify(body, request.headers as Record<string, string>) as Received["payload"];
      } catch {
        payload = null;
      }
      received.push({ webhookId: String(request.headers["webhook-id"]), payload });
      const status = plan[Math.min(received.length - 1, plan.length - 1)]!;
      response.writeHead(status).end(answer ?? (status === 200 ? "thanks" : "not now"));
      waiting.splice(0).forEach((wake) => wake());
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`,
    received,
    set secret(value: string) {
      secret = value;
    },
    /** Resolves once `count` requests have been answered. */
    async answered(count: number) {
      while (received.length < count) await new Promise<void>((wake) => waiting.push(wake));
    },
    close: () => server.close(),
  };
}

describe.each(availableBackends())("webhooks on %s", (backend) => {
  const deployment = useDeployment(backend, {
    env: {
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: adminPassword,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
      WEBHOOK_ATTEMPTS: "3",
      WEBHOOK_BACKOFF_MS: "20",
      // The dispatcher's schedule is moved out of the run: every event here must be sent because
      // the commit that recorded it told the dispatcher.
      WEBHOOK_DISPATCH_CRON: "0 0 1 1 *",
    },
  });
  let admin: ReturnType<typeof deployment.server.client>["api"];
  let productId: string;
  const receivers: Awaited<ReturnType<typeof receiver>>[] = [];

  beforeAll(async () => {
    const session = tokensOf(
      await deployment.server.client().api.auth.login.mutate({ email: adminEmail, password: adminPassword }),
    );
    admin = deployment.server.client({ getAccessToken: () => session.accessToken }).api;
    ({ id: productId } = await admin.products.create.mutate({
      sku: `sku-${randomBytes(4).toString("hex")}`,
      name: "Teapot",
      category: "kitchen",
      price: { amount: 1_800, currency: "EUR" },
      stock: 1_000,
    }));
  });
  afterAll(() => receivers.forEach((receiving) => receiving.close()));

  type EventTypes = Parameters<typeof admin.admin.webhooks.create.mutate>[0]["eventTypes"];

  /** A receiver with an endpoint of its own for `eventTypes` (`order.placed` unless told), and the endpoint. */
  async function listening(plan: number[], options: { answer?: string; eventTypes?: EventTypes } = {}) {
    const receiving = await receiver(plan, options.answer);
    receivers.push(receiving);
    const endpoint = await admin.admin.webhooks.create.mutate({
      url: receiving.url,
      eventTypes: options.eventTypes ?? ["order.placed"],
    });
    receiving.secret = endpoint.secret;
    return { receiving, endpoint };
  }

  const placeOrder = () =>
    admin.orders.place.mutate({ items: [{ productId, quantity: 1 }], idempotencyKey: randomUUID() });

  /** The endpoint's one delivery once it has come to `status`. */
  async function deliveryOnceIt(endpointId: string, status: "delivered" | "dead") {
    return vi.waitFor(
      async () => {
        const { items } = await admin.admin.webhooks.deliveries.query({ endpointId });
        expect(items.map((delivery) => delivery.status)).toEqual([status]);
        return items[0]!;
      },
      { timeout: 10_000, interval: 50 },
    );
  }

  it("delivers order.placed, signed, when an order is placed, and logs the answer", async () => {
    const { receiving, endpoint } = await listening([200]);
    expect(endpoint.secret).toMatch(/^whsec_/);
    const order = await placeOrder();
    await receiving.answered(1);
    const [first] = receiving.received;
    expect(first!.payload).toMatchObject({ type: "order.placed", data: { id: order.id, status: "pending" } });
    const delivery = await deliveryOnceIt(endpoint.id, "delivered");
    expect(delivery).toMatchObject({
      eventType: "order.placed",
      webhookId: first!.webhookId,
      attempts: 1,
      responseStatus: 200,
      responseBody: "thanks",
      error: null,
    });
    // The secret is shown once: never in a listing.
    expect(JSON.stringify(await admin.admin.webhooks.list.query())).not.toContain(endpoint.secret);
  });

  it("retries a failing receiver until it recovers, with the same webhook-id, and then stops", async () => {
    const { receiving, endpoint } = await listening([500, 503, 200]);
    await placeOrder();
    const delivery = await deliveryOnceIt(endpoint.id, "delivered");
    expect(delivery.attempts).toBe(3);
    expect(receiving.received.map((request) => request.webhookId)).toEqual([
      delivery.webhookId,
      delivery.webhookId,
      delivery.webhookId,
    ]);
    expect(receiving.received.every((request) => request.payload !== null)).toBe(true);
  });

  it("makes a dead letter of a delivery that fails every attempt, which an admin redelivers", async () => {
    const { receiving, endpoint } = await listening([500, 500, 500, 200]);
    await placeOrder();
    const dead = await deliveryOnceIt(endpoint.id, "dead");
    expect(dead).toMatchObject({ attempts: 3, responseStatus: 500, error: "The endpoint answered 500" });
    expect(receiving.received).toHaveLength(3);

    await admin.admin.webhooks.redeliver.mutate({ deliveryId: dead.id });
    const redelivered = await deliveryOnceIt(endpoint.id, "delivered");
    expect(redelivered).toMatchObject({ attempts: 1, responseStatus: 200, webhookId: dead.webhookId });
    expect(receiving.received.at(-1)!.webhookId).toBe(dead.webhookId);
  });

  it("delivers once to a receiver whose answer holds a NUL, and keeps the rest of the answer", async () => {
    const { receiving, endpoint } = await listening([200], { answer: "ok\u0000done" });
    await placeOrder();
    const delivery = await deliveryOnceIt(endpoint.id, "delivered");
    expect(delivery).toMatchObject({ attempts: 1, responseStatus: 200, responseBody: "okdone", error: null });
    expect(receiving.received).toHaveLength(1);
  });

  it("makes a dead letter, after every attempt, of a failing receiver whose answer holds a NUL", async () => {
    const { receiving, endpoint } = await listening([500], { answer: "broken\u0000" });
    await placeOrder();
    const dead = await deliveryOnceIt(endpoint.id, "dead");
    expect(dead).toMatchObject({ attempts: 3, responseStatus: 500, responseBody: "broken" });
    expect(dead.error).toBe("The endpoint answered 500");
    expect(receiving.received).toHaveLength(3);
  });

  it("sends nothing when the endpoint's secret no longer opens, and says so in a dead letter", async () => {
    const { receiving, endpoint } = await listening([200]);
    const other = await listening([200]);
    // A secret sealed for another endpoint does not open on this one, as none does once the
    // server secret has changed.
    const { db } = deployment.database.connection;
    const [sealedElsewhere] = await db
      .select({ sealedSecret: webhookEndpoints.sealedSecret })
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, other.endpoint.id));
    await db.update(webhookEndpoints).set(sealedElsewhere!).where(eq(webhookEndpoints.id, endpoint.id));
    await placeOrder();
    const dead = await deliveryOnceIt(endpoint.id, "dead");
    expect(dead.error).toMatch(/signing secret cannot be opened.*rotate the secret/);
    expect(dead.responseStatus).toBeNull();
    await other.receiving.answered(1);
    expect(receiving.received).toEqual([]);
  });

  it("sends nothing to a disabled endpoint", async () => {
    const { receiving, endpoint } = await listening([200]);
    await admin.admin.webhooks.update.mutate({
      endpointId: endpoint.id,
      version: endpoint.version,
      changes: { enabled: false },
    });
    const watcher = await listening([200]);
    await placeOrder();
    await watcher.receiving.answered(1);
    expect(receiving.received).toEqual([]);
    expect((await admin.admin.webhooks.deliveries.query({ endpointId: endpoint.id })).items).toEqual([]);
  });

  it("delivers user.created as soon as an account signs up", async () => {
    const { receiving } = await listening([200], { eventTypes: ["user.created"] });
    const email = uniqueEmail("signed-up");
    await deployment.server.client().api.auth.register.mutate({ email, password: "a long passphrase" });
    await receiving.answered(1);
    expect(receiving.received.map((request) => request.payload)).toEqual([
      expect.objectContaining({ type: "user.created", data: expect.objectContaining({ email, roles: ["customer"] }) }),
    ]);
  });

  it("answers the same procedures on REST, and refuses an unknown event type with 422", async () => {
    const session = tokensOf(
      await deployment.server.client().api.auth.login.mutate({ email: adminEmail, password: adminPassword }),
    );
    const headers = { authorization: `Bearer ${session.accessToken}`, "content-type": "application/json" };
    const types = await fetch(`${deployment.server.baseUrl}/api/admin/webhooks/event-types`, { headers });
    expect(types.status).toBe(200);
    expect(await types.json()).toContainEqual(expect.objectContaining({ type: "order.placed" }));
    const refused = await fetch(`${deployment.server.baseUrl}/api/admin/webhooks/endpoints`, {
      method: "POST",
      headers,
      body: JSON.stringify({ url: "https://hooks.example.com/in", eventTypes: ["order.teleported"] }),
    });
    expect(refused.status).toBe(422);
  });
});

import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { webhookDeliveries, webhookEndpoints, webhookEvents } from "@seed/db";
import { eq, isNull, sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  attemptWebhookDelivery,
  createAccount,
  createProduct,
  createWebhookEndpoint,
  dispatchWebhookEvents,
  placeOrder,
  rotateWebhookSecret,
  signedWebhookHeaders,
  systemActor,
  transactionWithEvents,
  updateWebhookEndpoint,
  webhookUrlProblem,
} from "../src";
import { appErrorOf, createTestDomain, testActor, testWebhookSettings } from "./support";

describe("webhook URLs", () => {
  const production = { requireHttps: true, allowPrivateNetworks: false };
  const development = { requireHttps: false, allowPrivateNetworks: true };

  it.each([
    ["http://hooks.example.com/in", /https/],
    ["ftp://hooks.example.com/in", /https/],
    ["https://user:secret@hooks.example.com/in", /user name or password/],
    ["https://hooks.example.com/in#part", /fragment/],
    ["https://127.0.0.1/in", /private, loopback or link-local/],
    ["https://10.0.0.8/in", /private/],
    ["https://169.254.169.254/latest/meta-data", /link-local/],
    ["https://100.64.1.1/in", /private/],
    ["https://0.0.0.0/in", /private/],
    ["https://[::1]/in", /private/],
    ["https://[::ffff:127.0.0.1]/in", /private/],
    ["https://[fd00::1]/in", /private/],
    ["https://[::127.0.0.1]/in", /private/],
    ["https://localhost/in", /this machine/],
    ["https://api.localhost/in", /this machine/],
    ["not a url", /Not a URL/],
  ])("refuses %s in production", (url, problem) => {
    expect(webhookUrlProblem(url, production)).toMatch(problem);
  });

  it("takes a public https URL in production, and inside addresses in development only", () => {
    expect(webhookUrlProblem("https://hooks.example.com/in?source=seed", production)).toBeNull();
    expect(webhookUrlProblem("http://127.0.0.1:8080/in", development)).toBeNull();
    expect(webhookUrlProblem("http://user:pw@127.0.0.1/in", development)).toMatch(/user name/);
  });
});

describe("the webhook outbox", () => {
  let domain: Awaited<ReturnType<typeof createTestDomain>>;
  let deps: Awaited<ReturnType<typeof createTestDomain>>["deps"];
  let customerId: string;
  const endpointInput = {
    url: "https://hooks.example.com/orders",
    description: "",
    eventTypes: ["order.placed" as const],
  };

  beforeAll(async () => {
    domain = await createTestDomain();
    deps = domain.deps;
    const customer = await transactionWithEvents(deps, (tx, emit) =>
      createAccount(tx, emit, systemActor, {
        email: `${randomUUID()}@example.com`,
        password: "a long passphrase",
        roles: ["customer"],
      }),
    );
    customerId = customer.id;
  });
  afterAll(async () => {
    await deps?.jobs.close();
    await deps?.webhooks.http.close();
    await domain?.database.destroy();
  });

  const eventsOfType = async (type: string) => deps.db.select().from(webhookEvents).where(eq(webhookEvents.type, type));

  it("keeps the secret sealed, shows it once, and signs with whatever it was rotated to", async () => {
    const created = await createWebhookEndpoint(deps, testActor, endpointInput);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const [row] = await deps.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, created.id));
    expect(row!.sealedSecret).not.toContain(created.secret.slice(6));

    const rotated = await rotateWebhookSecret(deps, testActor, created.id);
    expect(rotated.secret).not.toBe(created.secret);
    const [rotatedRow] = await deps.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, created.id));
    const message = { webhookId: "msg_1", body: "{}", at: new Date() };
    const headers = signedWebhookHeaders(deps.webhooks.sealingKey, rotatedRow!, message);
    expect(new Webhook(rotated.secret).verify("{}", headers)).toEqual({});
    expect(() => new Webhook(created.secret).verify("{}", headers)).toThrow();
  });

  it("refuses an update made on a stale version, and an inside URL", async () => {
    const created = await createWebhookEndpoint(deps, testActor, endpointInput);
    await updateWebhookEndpoint(deps, testActor, { endpointId: created.id, version: 1, changes: { enabled: false } });
    const stale = await appErrorOf(
      updateWebhookEndpoint(deps, testActor, { endpointId: created.id, version: 1, changes: { enabled: true } }),
    );
    expect(stale.code).toBe("CONFLICT");
    const inside = await appErrorOf(
      updateWebhookEndpoint(deps, testActor, {
        endpointId: created.id,
        version: 2,
        changes: { url: "https://10.0.0.1/" },
      }),
    );
    expect(inside.code).toBe("INVALID_INPUT");
  });

  it("records an event with the order it tells of, and none for an order that rolled back", async () => {
    const product = await createProduct(deps, testActor, {
      sku: `sku-${randomUUID()}`,
      name: "Kettle",
      description: "Boils water",
      category: "kitchen",
      price: { amount: 3000, currency: "EUR" },
      stock: 1,
    });
    const actor = { ...testActor, userId: customerId };
    const order = await placeOrder(deps, actor, {
      items: [{ productId: product.id, quantity: 1 }],
      idempotencyKey: randomUUID(),
    });
    // Out of stock now: the second order's transaction rolls back.
    const refused = await appErrorOf(
      placeOrder(deps, actor, { items: [{ productId: product.id, quantity: 1 }], idempotencyKey: randomUUID() }),
    );
    expect(refused.code).toBe("CONFLICT");
    const placed = await eventsOfType("order.placed");
    expect(placed.map((event) => (event.data as { id: string }).id)).toEqual([order.id]);
    expect((await eventsOfType("product.created")).map((event) => (event.data as { id: string }).id)).toEqual([
      product.id,
    ]);
    expect((await eventsOfType("user.created")).map((event) => (event.data as { id: string }).id)).toEqual([
      customerId,
    ]);
  });

  it("makes one delivery per enabled endpoint subscribed to the event's type, once however often it runs", async () => {
    const listening = await createWebhookEndpoint(deps, testActor, endpointInput);
    const other = await createWebhookEndpoint(deps, testActor, { ...endpointInput, eventTypes: ["order.paid"] });
    // No worker runs here: the deliveries are queued, and stay in the queue.
    await dispatchWebhookEvents(deps);
    await dispatchWebhookEvents(deps);
    const made = await deps.db.select().from(webhookDeliveries);
    const endpointsServed = new Set(made.map((delivery) => delivery.endpointId));
    expect(endpointsServed.has(listening.id)).toBe(true);
    expect(endpointsServed.has(other.id)).toBe(false);
    expect(made.filter((delivery) => delivery.endpointId === listening.id)).toHaveLength(1);
    expect(made.every((delivery) => delivery.queuedAt !== null)).toBe(true);
    expect(await deps.db.select().from(webhookEvents).where(isNull(webhookEvents.dispatchedAt))).toEqual([]);
  });

  it("queues again a round of attempts that was lost, and leaves a live one alone", async () => {
    const made = await deps.db.select().from(webhookDeliveries);
    const [lost, live] = made;
    const longAgo = new Date(Date.now() - 2 * deps.webhooks.lostAfterMs);
    await deps.db
      .update(webhookDeliveries)
      .set({ status: "retrying", queuedAt: longAgo })
      .where(eq(webhookDeliveries.id, lost!.id));
    await deps.db.update(webhookDeliveries).set({ status: "retrying" }).where(eq(webhookDeliveries.id, live!.id));
    expect(await dispatchWebhookEvents(deps)).toMatchObject({ queued: 1 });
    const [requeued] = await deps.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, lost!.id));
    expect(requeued!.queuedAt!.getTime()).toBeGreaterThan(longAgo.getTime());
  });
});

describe("a webhook attempt", () => {
  let domain: Awaited<ReturnType<typeof createTestDomain>>;
  let deps: Awaited<ReturnType<typeof createTestDomain>>["deps"];
  let receiver: Server;
  let receiverUrl: string;

  beforeAll(async () => {
    domain = await createTestDomain();
    deps = { ...domain.deps, webhooks: testWebhookSettings({ allowPrivateNetworks: true }) };
    receiver = createServer((_request, response) => response.end("unstorable here"));
    receiver.listen(0, "127.0.0.1");
    await once(receiver, "listening");
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
  });
  afterAll(async () => {
    receiver?.close();
    await deps?.jobs.close();
    await deps?.webhooks.http.close();
    await domain?.database.destroy();
  });

  it("is recorded, without the answer, when the answer cannot be stored, instead of being sent again", async () => {
    // Postgres refuses this answer, as it refuses any it cannot store.
    await deps.db.execute(sql`
      create function refuse_unstorable_answer() returns trigger language plpgsql as $$
      begin
        if new.response_body = 'unstorable here' then raise exception 'cannot store this answer'; end if;
        return new;
      end $$`);
    await deps.db.execute(sql`
      create trigger refuse_unstorable_answer before update on webhook_deliveries
      for each row execute function refuse_unstorable_answer()`);
    const endpoint = await createWebhookEndpoint(deps, testActor, {
      url: receiverUrl,
      description: "",
      eventTypes: ["product.created"],
    });
    await createProduct(deps, testActor, {
      sku: `sku-${randomUUID()}`,
      name: "Kettle",
      description: "Boils water",
      category: "kitchen",
      price: { amount: 3000, currency: "EUR" },
      stock: 1,
    });
    await dispatchWebhookEvents(deps);
    const [queued] = await deps.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, endpoint.id));

    expect(await attemptWebhookDelivery(deps, queued!.id)).toBe("delivered");
    const [recorded] = await deps.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, queued!.id));
    expect(recorded).toMatchObject({
      status: "delivered",
      attempts: 1,
      responseStatus: 200,
      responseBody: null,
      error: "The endpoint's answer could not be recorded",
    });
  });
});

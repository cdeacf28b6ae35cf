import { randomUUID } from "node:crypto";
import { EventEmitter, once } from "node:events";
import { createInProcessPaymentProvider, type PaymentProvider } from "@seed/platform";
import { mailOutbox } from "@seed/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { placeSettledOrder, signedInClient } from "./support/live";
import { startSmtpSink, type SmtpSink } from "../../../packages/platform/test/smtp-sink";
import { availableBackends, uniqueEmail, useDeployment } from "./support/test-server";

describe.each(availableBackends())("health, headers and shutdown on %s", (backend) => {
  const deployment = useDeployment(backend, { instances: [], env: { CORS_ORIGINS: "https://app.example.com" } });

  it("reports liveness and readiness with each dependency checked", async () => {
    const server = await deployment.start();
    const live = await fetch(`${server.baseUrl}/healthz`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${server.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    const expectedChecks = backend === "embedded" ? { database: "ok" } : { database: "ok", redis: "ok" };
    expect(await ready.json()).toEqual({ status: "ready", checks: expectedChecks });
    await server.stop();
  });

  it("sends security headers and allows only the configured origin", async () => {
    const server = await deployment.start();
    const allowed = await fetch(`${server.trpcUrl}/health.check`, { headers: { origin: "https://app.example.com" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    expect(allowed.headers.get("x-content-type-options")).toBe("nosniff");
    expect(allowed.headers.get("strict-transport-security")).toContain("max-age=");
    expect(allowed.headers.get("x-powered-by")).toBeNull();

    const foreign = await fetch(`${server.trpcUrl}/health.check`, { headers: { origin: "https://evil.example" } });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    await server.stop();
  });

  it("finishes a request in flight when asked to stop, then refuses new connections", async () => {
    const server = await deployment.start();
    const email = uniqueEmail("inflight");
    await server.client().api.auth.register.mutate({ email, password: "a long passphrase" });

    // A login hashes a password, so it is still running when the stop begins.
    const received = once(server.server.app.server, "request");
    const inFlight = fetch(`${server.trpcUrl}/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { email, password: "a long passphrase" } }),
    });
    await received;
    const stopped = server.stop();

    const response = await inFlight;
    expect(response.status).toBe(200);
    await stopped;
    await expect(fetch(`${server.baseUrl}/healthz`)).rejects.toThrow();
  });

  it("stops without waiting for a request whose client hung up while it was being answered", async () => {
    const server = await deployment.start();
    const email = uniqueEmail("hung-up");
    await server.client().api.auth.register.mutate({ email, password: "a long passphrase" });

    const received = once(server.server.app.server, "request");
    const hangUp = new AbortController();
    const abandoned = fetch(`${server.trpcUrl}/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { email, password: "a long passphrase" } }),
      signal: hangUp.signal,
    }).catch((error: unknown) => error);
    await received;
    hangUp.abort();
    await abandoned;
    // Without the connection's close counted, the stop would wait for this request forever.
    await server.stop();
    await expect(fetch(`${server.baseUrl}/healthz`)).rejects.toThrow();
  });

  it("closes open WebSockets with 'going away' so clients reconnect elsewhere", async () => {
    const server = await deployment.start();
    const socket = new WebSocket(server.wsUrl);
    await once(socket, "open");
    const closed = once(socket, "close");
    await server.stop();
    const [code] = (await closed) as [number, Buffer];
    expect(code).toBe(1001);
  });

  it("ends open event streams when asked to stop, so that their clients reconnect elsewhere", async () => {
    const server = await deployment.start();
    const response = await fetch(`${server.trpcUrl}/products.onChange`, { headers: { accept: "text/event-stream" } });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = response.body!.getReader();
    await events.read();
    const ended = (async () => {
      try {
        while (!(await events.read()).done);
      } catch {
        // Cut rather than ended: the client reconnects all the same.
      }
    })();
    await server.stop();
    await ended;
    await expect(fetch(`${server.baseUrl}/healthz`)).rejects.toThrow();
  });
});

const ADMIN = { email: "drain-admin@example.com", password: "a long admin passphrase" };

/** The in-process provider, holding each refund until released, oldest first: calls that stay in flight. */
function heldRefunds(): PaymentProvider & { refunding(count: number): Promise<void>; releaseOldest(): void } {
  const provider = createInProcessPaymentProvider();
  const events = new EventEmitter();
  const held: (() => void)[] = [];
  let refunds = 0;
  return {
    /** Resolves once `count` refunds have come. */
    async refunding(count) {
      while (refunds < count) await once(events, "refunding");
    },
    releaseOldest: () => held.shift()!(),
    charge: (charge, signal) => provider.charge(charge, signal),
    find: (reference, signal) => provider.find(reference, signal),
    findByPaymentId: (paymentId, signal) => provider.findByPaymentId(paymentId, signal),
    cancel: (reference, signal) => provider.cancel(reference, signal),
    async refund(refund, signal) {
      await new Promise<void>((resolve) => {
        held.push(resolve);
        refunds += 1;
        events.emit("refunding");
      });
      return provider.refund(refund, signal);
    },
  };
}

describe.each(availableBackends())("draining on %s", (backend) => {
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await startSmtpSink();
  });
  afterAll(() => smtp?.close());
  const deployment = useDeployment(backend, {
    instances: [],
    env: () => ({ SMTP_URL: smtp.url, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }),
  });

  it("reports not ready while requests in flight finish, answers them and one come meanwhile, then stops listening", async () => {
    // Cancelling a paid order waits for the payment provider, which holds the refund until released.
    const payments = heldRefunds();
    const server = await deployment.start({}, { payments });
    const admin = await signedInClient(server, ADMIN.email, {}, ADMIN.password);
    const product = await admin.client.api.products.create.mutate({
      sku: `drain-${randomUUID()}`,
      name: "Drain plug",
      category: "kitchen",
      price: { amount: 450, currency: "EUR" },
      stock: 5,
    });
    const shopper = await signedInClient(server, uniqueEmail("draining"));
    const order = await placeSettledOrder(shopper.client, {
      items: [{ productId: product.id, quantity: 1 }],
      idempotencyKey: randomUUID(),
    });
    const inFlight = fetch(`${server.trpcUrl}/orders.cancel`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${shopper.session.accessToken}` },
      body: JSON.stringify({ json: { orderId: order.id } }),
    });
    await payments.refunding(1);

    const stopped = server.stop();
    const readiness = await fetch(`${server.baseUrl}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ status: "unavailable" });
    // A load balancer may still send one before it has noticed: answered while the drain goes on.
    // (One that needs no database: the embedded one is held by the cancellation's transaction.)
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);

    payments.releaseOldest();
    expect((await inFlight).status).toBe(200);
    await stopped;
    await expect(fetch(`${server.baseUrl}/healthz`)).rejects.toThrow();
  });

  it("lets a running job finish before the database closes", async () => {
    const server = await deployment.start();
    const to = uniqueEmail("job-in-flight");
    smtp.holding = true;
    const held = once(smtp.events, "held");
    await server.server.resources.mailer.send({ to, subject: "Late", text: "Sent during shutdown" });
    await held;

    const stopped = server.stop();
    smtp.release();
    await stopped;
    expect(smtp.received.map((mail) => mail.to)).toContain(to);
    // The job recorded the mail as sent after the SMTP server accepted it: the database was still open.
    const [row] = await deployment.database.connection.db.select().from(mailOutbox).where(eq(mailOutbox.to, to));
    expect(row!.sentAt).toBeInstanceOf(Date);
  });
});

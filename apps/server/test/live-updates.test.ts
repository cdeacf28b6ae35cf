import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createAccessTokenService, type OrderStatusChange, type ProductChange, userOrdersChannel } from "@seed/core";
import type { Client } from "@seed/client";
import { loadConfig } from "@seed/config";
import { describe, expect, it } from "vitest";
import {
  publishProductChange,
  recordSubscription,
  signedInClient,
  watchNotifications,
  watchProducts,
  type Tracked,
} from "./support/live";
import { availableBackends, uniqueEmail, useDeployment, type TestServer } from "./support/test-server";

function orderChange(userId: string): OrderStatusChange {
  const change = { from: "pending", to: "paid", paymentStatus: "succeeded" } as const;
  return { type: "order.status_changed", orderId: randomUUID(), userId, ...change, at: new Date() };
}

const versionsOf = (events: Tracked<ProductChange>[]) => events.map((event) => event.data.version);

/**
 * Ids ahead of the newest one the stream gave out: resuming after them would silently skip every
 * event up to them. Each is refused, and the newest real id still resumes.
 */
async function expectUnissuedIdsRefused(server: TestServer, client: Client) {
  const newest = await publishProductChange(server, { version: 40 });
  const [time, sequence] = newest.split("-").map(Number);
  for (const lastEventId of [
    `${time}-${sequence! + 1}`,
    `${time! + 1}-0`,
    `${Date.now() + 86_400_000}-0`,
    "999999999999999-0",
  ]) {
    const refused = await watchProducts(client, lastEventId).failed;
    expect(refused.data).toMatchObject({ code: "BAD_REQUEST" });
    expect(refused.message).toMatch(/ahead of every event/);
  }
  const resumed = watchProducts(client, newest);
  await resumed.starts(1);
  await publishProductChange(server, { version: 41 });
  expect(versionsOf(await resumed.next(1))).toEqual([41]);
  resumed.stop();
}

describe.each(availableBackends())("live updates on %s", (backend) => {
  const deployment = useDeployment(backend);

  it("tells an anonymous subscriber of every product change, each with its event id", async () => {
    const products = watchProducts(deployment.server.client());
    await products.starts(1);
    const ids = [
      await publishProductChange(deployment.server, { version: 1 }),
      await publishProductChange(deployment.server, { version: 2 }),
    ];
    const received = await products.next(2);
    expect(received.map((event) => event.id)).toEqual(ids);
    expect(versionsOf(received)).toEqual([1, 2]);
    expect(received[0]!.data.at).toBeInstanceOf(Date);
    products.stop();
  });

  it("tells a signed-in user of their sessions and their orders, and nobody else of them", async () => {
    const { client, userId, email } = await signedInClient(deployment.server, uniqueEmail("notified"));
    const { client: other, userId: otherId } = await signedInClient(deployment.server, uniqueEmail("other"));
    const mine = watchNotifications(client);
    const theirs = watchNotifications(other);
    await Promise.all([mine.starts(1), theirs.starts(1)]);

    await deployment.server.client().api.auth.login.mutate({ email, password: "a long passphrase" });
    const order = orderChange(userId);
    await deployment.server.server.resources.events.publish(userOrdersChannel(userId), order);
    await deployment.server.server.resources.events.publish(userOrdersChannel(otherId), orderChange(otherId));

    const [signIn, paid] = await mine.next(2);
    expect(signIn!.data).toMatchObject({ type: "session.created" });
    expect(paid!.data).toEqual(order);
    // One id per channel: the sessions' and the orders' positions, so a resume misses neither.
    expect(paid!.id).toMatch(/^\d+-\d+\.\d+-\d+$/);
    const [otherOrder] = await theirs.next(1);
    expect(otherOrder!.data).toMatchObject({ type: "order.status_changed", userId: otherId });
    mine.stop();
    theirs.stop();
  });

  it("resumes from the last event id with exactly the three events missed, then live ones once", async () => {
    const client = deployment.server.client();
    const first = watchProducts(client);
    await first.starts(1);
    await publishProductChange(deployment.server, { version: 10 });
    const [last] = await first.next(1);
    first.stop();

    for (const version of [11, 12, 13]) await publishProductChange(deployment.server, { version });
    const resumed = watchProducts(client, last!.id);
    await resumed.starts(1);
    await publishProductChange(deployment.server, { version: 14 });
    expect(versionsOf(await resumed.next(4))).toEqual([11, 12, 13, 14]);
    resumed.stop();
  });

  it("survives a dropped connection: reconnects, re-subscribes from its last id, and repeats nothing", async () => {
    const client = deployment.server.client();
    const products = watchProducts(client);
    await products.starts(1);
    await publishProductChange(deployment.server, { version: 20 });
    await products.next(1);

    for (const socket of deployment.server.server.app.websocketServer.clients) socket.terminate();
    for (const version of [21, 22, 23]) await publishProductChange(deployment.server, { version });
    await products.starts(2);
    await publishProductChange(deployment.server, { version: 24 });

    await products.next(5);
    expect(versionsOf(products.received)).toEqual([20, 21, 22, 23, 24]);
    products.stop();
  });

  it("refuses a last event id older than the retention window with PRECONDITION_FAILED", async () => {
    const products = watchProducts(deployment.server.client(), `${Date.now() - 3_600_000}-0`);
    const error = await products.failed;
    expect(error.data).toMatchObject({ code: "PRECONDITION_FAILED" });
    expect(error.message).toMatch(/older than the events kept/);
  });

  it("refuses a malformed last event id, and one of another subscription's shape", async () => {
    const malformed = await recordSubscription((handlers) =>
      deployment.server.client().api.products.onChange.subscribe({ lastEventId: "1-0; DROP" }, handlers),
    ).failed;
    expect(malformed.data).toMatchObject({ code: "BAD_REQUEST" });
    const twoChannels = await recordSubscription((handlers) =>
      deployment.server
        .client()
        .api.products.onChange.subscribe({ lastEventId: `${Date.now()}-0.${Date.now()}-0` }, handlers),
    ).failed;
    expect(twoChannels.data).toMatchObject({ code: "BAD_REQUEST" });
  });

  it("refuses with BAD_REQUEST a last event id the stream never gave out, and still serves the one it did", async () => {
    await expectUnissuedIdsRefused(deployment.server, deployment.server.client());
  });

  it("keeps the socket serving through a burst of events", async () => {
    const client = deployment.server.client();
    const products = watchProducts(client);
    await products.starts(1);
    const burst = Array.from({ length: 500 }, (_, i) => i);
    await Promise.all(burst.map((version) => publishProductChange(deployment.server, { version })));
    const received = await products.next(500);
    expect(new Set(versionsOf(received)).size).toBe(500);

    // The same socket still takes new subscriptions and delivers to both.
    const another = watchProducts(client);
    await another.starts(1);
    await publishProductChange(deployment.server, { version: 1000 });
    expect(versionsOf(await another.next(1))).toEqual([1000]);
    expect((await products.next(501))[500]!.data.version).toBe(1000);
    products.stop();
    another.stop();
  });

  it("ends the subscriptions of a user whose session is revoked with UNAUTHORIZED", async () => {
    const { client, session } = await signedInClient(deployment.server, uniqueEmail("revoked"));
    const notifications = watchNotifications(client);
    const products = watchProducts(client);
    await Promise.all([notifications.starts(1), products.starts(1)]);

    await deployment.server.client().api.auth.logout.mutate({ refreshToken: session.refreshToken });
    for (const subscription of [notifications, products]) {
      const error = await subscription.failed;
      expect(error.data).toMatchObject({ code: "UNAUTHORIZED" });
      expect(error.message).toMatch(/session has ended/);
    }
  });

  it("refuses a new subscription on a connection whose session was revoked since it opened", async () => {
    const { client, session } = await signedInClient(deployment.server, uniqueEmail("stale"));
    const first = watchProducts(client);
    await first.starts(1);
    await deployment.server.client().api.auth.logout.mutate({ refreshToken: session.refreshToken });
    await first.failed;
    const later = watchNotifications(client);
    expect((await later.failed).data).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("refreshes the token and subscribes again by itself when the socket's token is refused", async () => {
    const { session, email } = await signedInClient(deployment.server, uniqueEmail("refreshing"));
    let accessToken = "not-a-valid-token";
    const client = deployment.server.client({
      getAccessToken: () => accessToken,
      refreshAccessToken: async () => {
        const refreshed = await deployment.server
          .client()
          .api.auth.refresh.mutate({ refreshToken: session.refreshToken });
        accessToken = refreshed.accessToken;
        return accessToken;
      },
    });
    const notifications = watchNotifications(client);
    await notifications.starts(1);
    await deployment.server.client().api.auth.login.mutate({ email, password: "a long passphrase" });
    const [event] = await notifications.next(1);
    expect(event!.data).toMatchObject({ type: "session.created" });
    notifications.stop();
  });
});

describe.each(availableBackends())("a socket and its access token on %s", (backend) => {
  const deployment = useDeployment(backend, { instances: [] });

  it("is closed when the token expires; the client reopens it with a refreshed token and resumes", async () => {
    const server = await deployment.start();
    const { session, userId } = await signedInClient(server, uniqueEmail("expiring"));
    const config = loadConfig({ JWT_SECRET: "x".repeat(32) });
    // Longer than the client's refresh margin, so that the socket opens with it and outlives it.
    const shortLived = createAccessTokenService(
      { issuer: config.auth.issuer, audience: config.auth.audience, ttlSeconds: 7 },
      server.server.resources.tokenKeys,
    );
    let accessToken = (await shortLived.issue(userId, session.sessionId)).token;
    const client = server.client({
      getAccessToken: () => accessToken,
      refreshAccessToken: async () => {
        accessToken = (await server.client().api.auth.refresh.mutate({ refreshToken: session.refreshToken }))
          .accessToken;
        return accessToken;
      },
    });
    const notifications = watchNotifications(client);
    await notifications.starts(1);
    const events = server.server.resources.events;
    await events.publish(userOrdersChannel(userId), orderChange(userId));
    await notifications.next(1);

    const [socket] = server.server.app.websocketServer.clients;
    const [code] = (await once(socket!, "close")) as [number];
    expect(code).toBe(4001);
    await notifications.starts(2);
    const afterReconnect = orderChange(userId);
    await events.publish(userOrdersChannel(userId), afterReconnect);
    // The refresh made while the socket was closed is itself an event of the user's: it comes
    // with the resume, once, before what was published after the reconnect.
    await notifications.next(3);
    expect(notifications.received.map((event) => event.data.type)).toEqual([
      "order.status_changed",
      "session.refreshed",
      "order.status_changed",
    ]);
    expect(notifications.received[2]!.data).toEqual(afterReconnect);
    await server.stop();
  });
});

describe.each(availableBackends())("live updates over server-sent events on %s", (backend) => {
  const deployment = useDeployment(backend);

  /** A `fetch` that remembers every URL it was asked for. */
  function recordingFetch(urls: string[]): typeof fetch {
    return (input, init) => {
      urls.push(input instanceof Request ? input.url : input.toString());
      return fetch(input, init);
    };
  }

  it("delivers product changes to an anonymous client without a WebSocket", async () => {
    const products = watchProducts(deployment.server.sseClient());
    await products.starts(1);
    const id = await publishProductChange(deployment.server, { version: 3 });
    const [event] = await products.next(1);
    expect(event).toMatchObject({ id, data: { version: 3 } });
    products.stop();
  });

  it("authenticates with the token in a header, never in the URL, and ends on revocation", async () => {
    const { session, email } = await signedInClient(deployment.server, uniqueEmail("sse"));
    const urls: string[] = [];
    const client = deployment.server.sseClient({
      getAccessToken: () => session.accessToken,
      fetch: recordingFetch(urls),
    });
    const notifications = watchNotifications(client);
    await notifications.starts(1);
    await deployment.server.client().api.auth.login.mutate({ email, password: "a long passphrase" });
    expect((await notifications.next(1))[0]!.data).toMatchObject({ type: "session.created" });
    expect(urls.some((url) => url.includes("notifications.onMine"))).toBe(true);
    expect(urls.filter((url) => url.includes(session.accessToken))).toEqual([]);

    await deployment.server.client().api.auth.logout.mutate({ refreshToken: session.refreshToken });
    expect((await notifications.failed).data).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("refuses with BAD_REQUEST a last event id the stream never gave out, and still serves the one it did", async () => {
    await expectUnissuedIdsRefused(deployment.server, deployment.server.sseClient());
  });

  it("refuses an anonymous client the signed-in subscriptions", async () => {
    const refused = await watchNotifications(deployment.server.sseClient()).failed;
    expect(refused.data).toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe.skipIf(!availableBackends().includes("postgres+redis"))("live updates across instances", () => {
  const deployment = useDeployment("postgres+redis", { instances: ["instanceA", "instanceB"] });

  it("delivers to a subscriber on A the sign-in made on B and the product change published on B", async () => {
    const { client, email } = await signedInClient(deployment.instanceA, uniqueEmail("across"));
    const notifications = watchNotifications(client);
    const products = watchProducts(deployment.instanceA.client());
    await Promise.all([notifications.starts(1), products.starts(1)]);

    await deployment.instanceB.client().api.auth.login.mutate({ email, password: "a long passphrase" });
    await publishProductChange(deployment.instanceB, { version: 7 });
    expect((await notifications.next(1))[0]!.data).toMatchObject({ type: "session.created" });
    expect(versionsOf(await products.next(1))).toEqual([7]);
    notifications.stop();
    products.stop();
  });

  it("resumes on B from the last id received on A with exactly the three missed", async () => {
    const onA = watchProducts(deployment.instanceA.client());
    await onA.starts(1);
    await publishProductChange(deployment.instanceB, { version: 30 });
    const [last] = await onA.next(1);
    onA.stop();

    for (const version of [31, 32, 33]) await publishProductChange(deployment.instanceA, { version });
    const onB = watchProducts(deployment.instanceB.client(), last!.id);
    await onB.starts(1);
    await publishProductChange(deployment.instanceA, { version: 34 });
    expect(versionsOf(await onB.next(4))).toEqual([31, 32, 33, 34]);
    onB.stop();
  });

  it("ends on A the subscription of a user signed out on B", async () => {
    const { client, session } = await signedInClient(deployment.instanceA, uniqueEmail("signed-out"));
    const notifications = watchNotifications(client);
    await notifications.starts(1);
    await deployment.instanceB.client().api.auth.logout.mutate({ refreshToken: session.refreshToken });
    expect((await notifications.failed).data).toMatchObject({ code: "UNAUTHORIZED" });
  });
});

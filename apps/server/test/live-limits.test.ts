import { once } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { publishProductChange, signedInClient, watchProducts } from "./support/live";
import { availableBackends, uniqueEmail, useDeployment, type TestServer } from "./support/test-server";

/** Whether a subscription just made is admitted or refused, whichever the server says first. */
function admitted(subscription: { starts(count: number): Promise<void>; failed: Promise<unknown> }): Promise<boolean> {
  return Promise.race([subscription.starts(1).then(() => true), subscription.failed.then(() => false)]);
}

/** A bare socket speaking tRPC's protocol by hand, for what the typed client never does. */
async function rawSocket(server: TestServer): Promise<WebSocket> {
  const socket = new WebSocket(server.wsUrl);
  await once(socket, "open");
  return socket;
}

const subscribeMessage = (id: number) =>
  JSON.stringify({ id, method: "subscription", params: { path: "products.onChange", input: { json: {} } } });

function onlySocketOf(server: TestServer) {
  const [socket, ...others] = server.server.app.websocketServer.clients;
  expect(others).toEqual([]);
  return socket!;
}

describe.each(availableBackends())("limits on live connections on %s", (backend) => {
  const deployment = useDeployment(backend, { instances: [] });

  it("refuses a subscription past the cap of one connection, and admits one again when a slot frees", async () => {
    const server = await deployment.start({ WS_MAX_SUBSCRIPTIONS: "2" });
    const client = server.client();
    const [first, second] = [watchProducts(client), watchProducts(client)];
    await Promise.all([first.starts(1), second.starts(1)]);

    const third = watchProducts(client);
    const refused = await third.failed;
    expect(refused.data).toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect(refused.message).toMatch(/Too many subscriptions on this connection/);

    await publishProductChange(server);
    await Promise.all([first.next(1), second.next(1)]);
    first.stop();
    const fourth = watchProducts(client);
    await fourth.starts(1);
    await publishProductChange(server);
    expect(await fourth.next(1)).toHaveLength(1);
    await server.stop();
  });

  it("refuses the subscriptions of a user's connection past their cap, and admits one once another closes", async () => {
    const server = await deployment.start({ WS_MAX_CONNECTIONS_PER_USER: "1" });
    const { client: first, session } = await signedInClient(server, uniqueEmail("many-tabs"));
    const onFirst = watchProducts(first);
    await onFirst.starts(1);
    const firstSocket = onlySocketOf(server);

    const second = server.client({ getAccessToken: () => session.accessToken });
    const refused = await watchProducts(second).failed;
    expect(refused.data).toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect(refused.message).toMatch(/too many open connections/);

    const closed = once(firstSocket, "close");
    await first.close();
    await closed;
    const third = server.client({ getAccessToken: () => session.accessToken });
    await watchProducts(third).starts(1);
    await server.stop();
  });

  it("counts a user's event streams against the same cap as their sockets, while they run", async () => {
    const server = await deployment.start({ WS_MAX_CONNECTIONS_PER_USER: "2" });
    const { client, session } = await signedInClient(server, uniqueEmail("many-streams"));
    await watchProducts(client).starts(1);
    const stream = () => server.sseClient({ getAccessToken: () => session.accessToken });
    const first = watchProducts(stream());
    await first.starts(1);

    const refused = await watchProducts(stream()).failed;
    expect(refused.data).toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect(refused.message).toMatch(/too many open connections/);

    // A socket's subscription is admitted before it is reported started; a stream's is not.
    first.stop();
    const socket = () => server.client({ getAccessToken: () => session.accessToken });
    await vi.waitFor(async () => expect(await admitted(watchProducts(socket()))).toBe(true));
    await server.stop();
  });

  it("closes a socket that holds no subscription for the idle timeout", async () => {
    const server = await deployment.start({ WS_IDLE_TIMEOUT_MS: "1000" });
    const socket = await rawSocket(server);
    const [code, reason] = (await once(socket, "close")) as [number, Buffer];
    expect({ code, reason: reason.toString() }).toEqual({ code: 1000, reason: "idle" });
    await server.stop();
  });

  it("pings a quiet socket, and closes it when no pong comes back", async () => {
    const server = await deployment.start({ WS_PING_INTERVAL_MS: "1000", WS_PONG_WAIT_MS: "500" });
    const socket = await rawSocket(server);
    socket.send(subscribeMessage(1));
    const pings: string[] = [];
    socket.on("message", (data: Buffer) => {
      if (data.toString() === "PING") pings.push("PING");
    });
    await once(socket, "close");
    expect(pings.length).toBeGreaterThan(0);
    await server.stop();
  });

  it("closes a socket that sends a message larger than the limit", async () => {
    const server = await deployment.start({ WS_MAX_MESSAGE_BYTES: "1024" });
    const socket = await rawSocket(server);
    socket.send(JSON.stringify({ id: 1, method: "subscription", params: { path: "x".repeat(2048) } }));
    const [code] = (await once(socket, "close")) as [number];
    expect(code).toBe(1009);
    await server.stop();
  });

  it("ends the subscription of a client that stops reading, before the server holds more than the limit", async () => {
    const server = await deployment.start({ WS_MAX_BUFFERED_BYTES: "16384" });
    const socket = await rawSocket(server);
    const messages: {
      id: number;
      result?: { type: string };
      error?: { json: { message: string; data: { code: string } } };
    }[] = [];
    socket.on("message", (data: Buffer) => {
      if (data.toString() !== "PING") messages.push(JSON.parse(data.toString()));
    });
    socket.send(subscribeMessage(1));
    while (!messages.some((message) => message.result?.type === "started")) await once(socket, "message");

    socket.pause();
    const serverSocket = onlySocketOf(server);
    const large = "x".repeat(32_768);
    // Until the kernel's buffers are full, nothing waits on the server; from then on the server's
    // backlog grows, and the next event finds it over the limit.
    let published = 0;
    while (serverSocket.bufferedAmount <= 16_384) {
      await publishProductChange(server, { productId: large });
      published += 1;
    }
    await publishProductChange(server, { productId: large });
    const ended = new Promise<void>((resolve) =>
      socket.on("message", () => {
        if (messages.some((message) => message.error)) resolve();
      }),
    );
    socket.resume();
    await ended;

    const error = messages.find((message) => message.error)!.error!.json;
    expect(error.data.code).toBe("TOO_MANY_REQUESTS");
    expect(error.message).toMatch(/reads slower than events come/);
    const delivered = messages.filter((message) => message.result?.type === "data").length;
    // The event published once the backlog was over the limit was never sent.
    expect(delivered).toBeLessThan(published + 1);
    socket.close();
    await server.stop();
  });
});

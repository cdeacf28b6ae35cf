import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import { describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { watchProducts } from "./support/live";
import { availableBackends, useDeployment, type TestServer } from "./support/test-server";

type Upgrade =
  | { socket: WebSocket }
  | { status: number; retryAfter: string | null; body: { error: { json: { data: Record<string, unknown> } } } };

/** Opens a socket as if from `ip` (behind one trusted proxy); resolves the socket, or the refusal. */
function openSocket(server: TestServer, ip: string): Promise<Upgrade> {
  const socket = new WebSocket(server.wsUrl, { headers: { "x-forwarded-for": ip } });
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve({ socket }));
    socket.once("unexpected-response", (_request, response: IncomingMessage) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () =>
        resolve({
          status: response.statusCode!,
          retryAfter: (response.headers["retry-after"] as string | undefined) ?? null,
          body: JSON.parse(body) as never,
        }),
      );
    });
    socket.once("error", reject);
  });
}

async function openedSocket(server: TestServer, ip: string): Promise<WebSocket> {
  const upgrade = await openSocket(server, ip);
  if (!("socket" in upgrade)) throw new Error(`the socket was refused with ${upgrade.status}`);
  return upgrade.socket;
}

function expectRefusedUpgrade(upgrade: Upgrade, message: RegExp) {
  expect(upgrade).toMatchObject({ status: 429, body: { error: { json: { data: { code: "TOO_MANY_REQUESTS" } } } } });
  expect(JSON.stringify(upgrade)).toMatch(message);
}

async function closeSocket(socket: WebSocket) {
  const closed = once(socket, "close");
  socket.close();
  await closed;
}

/** Subscribes on a bare socket; resolves "started", or the code it was refused with. */
function subscribeOn(socket: WebSocket, id: number): Promise<string> {
  socket.send(
    JSON.stringify({ id, method: "subscription", params: { path: "products.onChange", input: { json: {} } } }),
  );
  return new Promise((resolve) => {
    const onMessage = (raw: Buffer) => {
      const message = JSON.parse(raw.toString()) as {
        id?: number;
        result?: { type: string };
        error?: { json: { data: { code: string } } };
      };
      if (message.id !== id) return;
      socket.off("message", onMessage);
      resolve(message.error ? message.error.json.data.code : "started");
    };
    socket.on("message", onMessage);
  });
}

/** A plain query from `ip`, to show the server still answers everyone else. */
async function plainQueryStatus(server: TestServer, ip: string): Promise<number> {
  const response = await fetch(`${server.trpcUrl}/health.check`, { headers: { "x-forwarded-for": ip } });
  await response.arrayBuffer();
  return response.status;
}

const streamFrom = (server: TestServer, ip: string) =>
  server.sseClient({
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("x-forwarded-for", ip);
      return fetch(input, { ...init, headers });
    },
  });

describe.each(availableBackends())("limits on the live connections of one address on %s", (backend) => {
  const deployment = useDeployment(backend, { instances: [] });
  const behindProxy = (env: Record<string, string>) => deployment.start({ TRUST_PROXY: "1", ...env });

  it("answers 429 to the upgrade past the open connections of an address, frees the slot on close, and serves others", async () => {
    const server = await behindProxy({ LIVE_MAX_CONNECTIONS_PER_ADDRESS: "3" });
    const sockets = await Promise.all([1, 2, 3].map(() => openedSocket(server, "203.0.113.10")));
    expectRefusedUpgrade(await openSocket(server, "203.0.113.10"), /too many open connections/);
    // A burst at once is held to the cap too.
    const burst = await Promise.all([1, 2, 3, 4].map(() => openSocket(server, "203.0.113.10")));
    expect(burst.every((upgrade) => "status" in upgrade && upgrade.status === 429)).toBe(true);

    const other = await openedSocket(server, "198.51.100.20");
    expect(await subscribeOn(other, 1)).toBe("started");
    expect(await plainQueryStatus(server, "198.51.100.20")).toBe(200);
    expect(await subscribeOn(sockets[0]!, 1)).toBe("started");

    await closeSocket(sockets[1]!);
    await vi.waitFor(async () => expect("socket" in (await openSocket(server, "203.0.113.10"))).toBe(true));
    await server.stop();
  });

  it("answers 429 with Retry-After past the new connections an address may open per minute, closed or not", async () => {
    const server = await behindProxy({ LIVE_MAX_NEW_CONNECTIONS_PER_ADDRESS_PER_MINUTE: "3" });
    for (let opened = 0; opened < 3; opened++) await closeSocket(await openedSocket(server, "203.0.113.11"));
    const refused = await openSocket(server, "203.0.113.11");
    expectRefusedUpgrade(refused, /too many connections in the last minute/);
    expect(Number((refused as { retryAfter: string }).retryAfter)).toBeGreaterThan(0);
    await closeSocket(await openedSocket(server, "198.51.100.21"));
    expect(await plainQueryStatus(server, "203.0.113.11")).toBe(200);
    await server.stop();
  });

  it("refuses subscriptions past an address's cap across its sockets, and admits one when another ends", async () => {
    const server = await behindProxy({ LIVE_MAX_SUBSCRIPTIONS_PER_ADDRESS: "3" });
    const [first, second] = await Promise.all([1, 2].map(() => openedSocket(server, "203.0.113.12")));
    expect(await Promise.all([subscribeOn(first!, 1), subscribeOn(first!, 2), subscribeOn(second!, 1)])).toEqual([
      "started",
      "started",
      "started",
    ]);
    expect(await subscribeOn(second!, 2)).toBe("TOO_MANY_REQUESTS");
    // Many at once on a fresh socket: none gets past the cap.
    const third = await openedSocket(server, "203.0.113.12");
    const burst = await Promise.all([1, 2, 3, 4, 5].map((id) => subscribeOn(third, id)));
    expect(burst).toEqual(Array<string>(5).fill("TOO_MANY_REQUESTS"));

    const other = await openedSocket(server, "198.51.100.22");
    expect(await subscribeOn(other, 1)).toBe("started");

    first!.send(JSON.stringify({ id: 1, method: "subscription.stop" }));
    let id = 10;
    await vi.waitFor(async () => expect(await subscribeOn(second!, id++)).toBe("started"));
    await server.stop();
  });

  it("counts an address's event streams against the same caps as its sockets", async () => {
    const server = await behindProxy({ LIVE_MAX_CONNECTIONS_PER_ADDRESS: "2" });
    const socket = await openedSocket(server, "203.0.113.13");
    const stream = watchProducts(streamFrom(server, "203.0.113.13"));
    await stream.starts(1);

    const refused = await watchProducts(streamFrom(server, "203.0.113.13")).failed;
    expect(refused.data).toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect(refused.message).toMatch(/too many open connections/);
    expectRefusedUpgrade(await openSocket(server, "203.0.113.13"), /too many open connections/);
    await watchProducts(streamFrom(server, "198.51.100.23")).starts(1);

    await closeSocket(socket);
    await vi.waitFor(async () => {
      const next = watchProducts(streamFrom(server, "203.0.113.13"));
      expect(await Promise.race([next.starts(1).then(() => true), next.failed.then(() => false)])).toBe(true);
    });
    stream.stop();
    await server.stop();
  });
});

describe.skipIf(!availableBackends().includes("postgres+redis"))("limits on one address across instances", () => {
  const deployment = useDeployment("postgres+redis", { instances: [] });

  it("counts an address's sockets on every instance against one cap, and frees them on close wherever", async () => {
    const env = { TRUST_PROXY: "1", LIVE_MAX_CONNECTIONS_PER_ADDRESS: "2", LIVE_MAX_SUBSCRIPTIONS_PER_ADDRESS: "1" };
    const [instanceA, instanceB] = await Promise.all([deployment.start(env), deployment.start(env)]);
    const onA = await openedSocket(instanceA, "203.0.113.14");
    const onB = await openedSocket(instanceB, "203.0.113.14");
    expectRefusedUpgrade(await openSocket(instanceA, "203.0.113.14"), /too many open connections/);
    expectRefusedUpgrade(await openSocket(instanceB, "203.0.113.14"), /too many open connections/);

    expect(await subscribeOn(onA, 1)).toBe("started");
    expect(await subscribeOn(onB, 1)).toBe("TOO_MANY_REQUESTS");
    expect(await plainQueryStatus(instanceB, "198.51.100.24")).toBe(200);

    await closeSocket(onA);
    await vi.waitFor(async () => expect("socket" in (await openSocket(instanceB, "203.0.113.14"))).toBe(true));
    await vi.waitFor(async () => expect(await subscribeOn(onB, 2)).toBe("started"));
    await Promise.all([instanceA.stop(), instanceB.stop()]);
  });
});

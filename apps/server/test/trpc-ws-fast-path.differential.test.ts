import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { type OrderStatusChange, type ProductChange, productChangesChannel, userOrdersChannel } from "@seed/core";
import { getWSConnectionHandler } from "@trpc/server/adapters/ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { signedInClient } from "./support/live";
import { createDeployment, uniqueEmail, type Deployment, type TestServer } from "./support/test-server";

const MAX_BATCH_SIZE = 3;
const at = new Date("2026-11-26T07:00:00.000Z");

/** Every text frame a socket receives, in order, and a way to wait for the next ones. */
class FrameRecorder {
  readonly frames: string[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(readonly socket: WebSocket) {
    socket.on("message", (data: Buffer) => {
      this.frames.push(data.toString());
      for (const waiter of this.waiters.filter((w) => this.frames.length >= w.count)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  }

  async until(count: number): Promise<void> {
    if (this.frames.length >= count) return;
    await new Promise<void>((resolve) => this.waiters.push({ count, resolve }));
  }
}

/**
 * One client speaking to both servers at once: what it sends goes to each, byte for byte, and
 * what each answers is compared frame by frame.
 */
class TwinSockets {
  private constructor(private readonly sides: FrameRecorder[]) {}

  static async open(servers: TestServer[], query = "", headers: Record<string, string> = {}) {
    // The same request id on both sides, since error frames carry it.
    const requestId = `differential-${randomUUID()}`;
    const sides = await Promise.all(
      servers.map(async (server) => {
        const socket = new WebSocket(server.wsUrl + query, { headers: { "x-request-id": requestId, ...headers } });
        const recorder = new FrameRecorder(socket);
        await once(socket, "open");
        return recorder;
      }),
    );
    return new TwinSockets(sides);
  }

  send(message: unknown): void {
    const text = typeof message === "string" ? message : JSON.stringify(message);
    for (const side of this.sides) side.socket.send(text);
  }

  /** Waits for `count` frames in all from each server, then requires them to be the same. */
  async expectSameFrames(count: number): Promise<string[]> {
    await Promise.all(this.sides.map((side) => side.until(count)));
    const [official, fastPath] = this.sides.map((side) => side.frames.slice(0, count));
    expect(fastPath).toEqual(official);
    return official!;
  }

  /**
   * Nothing more than `count` frames so far: a ping goes out and its pong must be the very next
   * frame on both sides.
   */
  async expectNothingAfter(count: number): Promise<void> {
    this.send("PING");
    const frames = await this.expectSameFrames(count + 1);
    expect(frames.at(-1)).toBe("PONG");
  }

  async close(): Promise<void> {
    await Promise.all(
      this.sides.map((side) => {
        const closed = once(side.socket, "close");
        side.socket.close();
        return closed;
      }),
    );
  }
}

const subscribe = (
  id: number | string,
  path: string,
  input: unknown,
  { jsonrpc, lastEventId }: { jsonrpc?: "2.0"; lastEventId?: string } = {},
) => ({
  id,
  ...(jsonrpc ? { jsonrpc } : {}),
  method: "subscription",
  params: { path, input: { json: input }, ...(lastEventId ? { lastEventId } : {}) },
});

function productChange(version: number): ProductChange {
  return { type: "product.updated", productId: "differential", version, at };
}

/**
 * The same messages, at the same moments, to two servers that differ only in what serves tRPC
 * over WebSockets: the official handler, or the fast path. They share Redis, so an event
 * published once reaches both with the same id, and every frame each sends back must be the
 * same, byte for byte: data of live feeds, `started`, `stopped`, errors, pongs.
 */
describe("the tRPC WebSocket fast path frames as the official handler does", () => {
  let deployment: Deployment;
  let servers: TestServer[];

  beforeAll(async () => {
    deployment = await createDeployment("postgres+redis", { MAX_BATCH_SIZE: String(MAX_BATCH_SIZE) });
    servers = [await deployment.start({}, { webSocketHandler: getWSConnectionHandler }), await deployment.start()];
  });
  afterAll(() => deployment?.destroy());

  const publish = (channel: string, payload: unknown) => servers[0]!.server.resources.events.publish(channel, payload);

  it("starts, delivers, stops, and answers pings, with a numeric id and with a JSON-RPC string id", async () => {
    const twins = await TwinSockets.open(servers);
    twins.send(subscribe(1, "products.onChange", {}));
    twins.send(subscribe("second", "products.onChange", {}, { jsonrpc: "2.0" }));
    await twins.expectSameFrames(2);
    await publish(productChangesChannel, productChange(1));
    await publish(productChangesChannel, productChange(2));
    const frames = await twins.expectSameFrames(6);
    expect(JSON.parse(frames[2]!)).toMatchObject({ id: 1, result: { type: "data" } });

    twins.send({ id: 1, method: "subscription.stop" });
    await twins.expectSameFrames(7);
    await publish(productChangesChannel, productChange(3));
    await twins.expectSameFrames(8);
    twins.send({ id: "second", jsonrpc: "2.0", method: "subscription.stop" });
    await twins.expectSameFrames(9);
    await twins.expectNothingAfter(9);
    await twins.close();
  });

  it("resumes after a tracked id, given in the input or as the client's lastEventId, with the same frames", async () => {
    const twins = await TwinSockets.open(servers);
    twins.send(subscribe(1, "products.onChange", {}));
    await twins.expectSameFrames(1);
    const first = await publish(productChangesChannel, productChange(10));
    await twins.expectSameFrames(2);
    await publish(productChangesChannel, productChange(11));
    await publish(productChangesChannel, productChange(12));
    await twins.expectSameFrames(4);

    // Each: started, then the two events after `first`. One after the other, since two starting
    // at once interleave as their Redis round trips happen to end.
    twins.send(subscribe(2, "products.onChange", { lastEventId: first }));
    await twins.expectSameFrames(7);
    twins.send(subscribe(3, "products.onChange", null, { lastEventId: first }));
    await twins.expectSameFrames(10);
    await publish(productChangesChannel, productChange(13));
    await twins.expectSameFrames(13);
    await twins.close();
  });

  it("refuses what it must with the same error frames", async () => {
    const twins = await TwinSockets.open(servers);
    twins.send(subscribe(1, "products.onChange", { lastEventId: "1-0; DROP" }));
    twins.send(subscribe(2, "products.onChange", { lastEventId: `${Date.now() - 3_600_000}-0` }));
    twins.send(subscribe(3, "no.such.procedure", {}));
    twins.send({ id: 4, method: "query", params: { path: "health.check", input: { json: null } } });
    twins.send(subscribe(5, "notifications.onMine", {}));
    await twins.expectSameFrames(5);

    twins.send(subscribe(6, "products.onChange", {}));
    await twins.expectSameFrames(6);
    twins.send(subscribe(6, "products.onChange", {}));
    twins.send({ id: null, method: "subscription", params: { path: "products.onChange" } });
    twins.send("{ not json");
    twins.send(Array.from({ length: MAX_BATCH_SIZE + 1 }, (_, i) => subscribe(10 + i, "products.onChange", {})));
    twins.send({ id: 99, method: "subscription.stop" });
    await twins.expectSameFrames(6 + 1 + 1 + 1 + MAX_BATCH_SIZE + 1);
    await twins.expectNothingAfter(6 + 1 + 1 + 1 + MAX_BATCH_SIZE + 1);
    await twins.close();
  });

  it("reads the connection parameters first, delivers one cursor per channel, and ends on revocation", async () => {
    const { session: signUp } = await signedInClient(servers[0]!, uniqueEmail("differential"));
    const client = servers[0]!.client();
    const twins = await TwinSockets.open(servers, "?connectionParams=1");
    twins.send({ method: "connectionParams", data: { token: signUp.accessToken } });
    twins.send(subscribe(1, "notifications.onMine", {}));
    await twins.expectSameFrames(1);

    const order: OrderStatusChange = {
      type: "order.status_changed",
      orderId: randomUUID(),
      userId: signUp.user.id,
      from: "pending",
      to: "paid",
      paymentStatus: "succeeded",
      at,
    };
    await publish(userOrdersChannel(signUp.user.id), order);
    const frames = await twins.expectSameFrames(2);
    expect(JSON.parse(frames[1]!).result.id).toMatch(/^\d+-\d+\.\d+-\d+$/);

    await client.api.auth.logout.mutate({ refreshToken: signUp.refreshToken });
    // The revocation is one of the user's notifications; then the error that ends the subscription, and `stopped`.
    const ended = await twins.expectSameFrames(5);
    expect(JSON.parse(ended[2]!)).toMatchObject({ id: 1, result: { type: "data" } });
    expect(JSON.parse(ended[3]!)).toMatchObject({ id: 1, error: { json: { data: { code: "UNAUTHORIZED" } } } });
    expect(JSON.parse(ended[4]!)).toEqual({ id: 1, result: { type: "stopped" } });
    await twins.close();
  });

  it("refuses a connection whose parameters are malformed with the same frame", async () => {
    const twins = await TwinSockets.open(servers, "?connectionParams=1");
    twins.send("[not an object");
    await twins.expectSameFrames(1);
    await twins.close();
  });
});

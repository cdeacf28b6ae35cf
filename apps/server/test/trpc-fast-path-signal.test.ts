import { request, Agent } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { initTRPC } from "@trpc/server";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fastifyTRPCFastPathPlugin } from "../src/plugins/trpc-fast-path";

/**
 * The signal a query or mutation served by the fast path is given: aborted when its client
 * leaves, as with the official adapter. Calls of one connection share it.
 */
describe("the fast path's signal", () => {
  const t = initTRPC.create();
  const signals: AbortSignal[] = [];
  let abortedWhileWaiting: () => void = () => {};
  const router = t.router({
    seen: t.procedure.query(({ signal }) => {
      signals.push(signal!);
      return signal!.aborted;
    }),
    waitForAbort: t.procedure.query(({ signal }) => {
      signals.push(signal!);
      return new Promise<string>((resolve) => {
        signal!.addEventListener(
          "abort",
          () => {
            abortedWhileWaiting();
            resolve("aborted");
          },
          { once: true },
        );
      });
    }),
  });
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    app = Fastify();
    await app.register(fastifyTRPCFastPathPlugin, { prefix: "/trpc", trpcOptions: { router } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(() => app.close());

  function get(path: string, agent: Agent): Promise<string> {
    return new Promise((resolve, reject) => {
      request({ host: "127.0.0.1", port, path: `/trpc/${path}`, agent }, (response) => {
        let body = "";
        response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve(body)).on("error", reject);
      })
        .on("error", reject)
        .end();
    });
  }

  it("is not aborted for calls answered on a connection that stays open, and is shared by them", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    signals.length = 0;
    expect(await get("seen", agent)).toBe('{"result":{"data":false}}');
    expect(await get("seen,seen?batch=1", agent)).toBe('[{"result":{"data":false}},{"result":{"data":false}}]');
    expect(new Set(signals).size).toBe(1);
    agent.destroy();
  });

  it("aborts when the client leaves before the answer", async () => {
    signals.length = 0;
    const aborted = new Promise<void>((resolve) => (abortedWhileWaiting = resolve));
    const socket = connect({ host: "127.0.0.1", port });
    socket.write("GET /trpc/waitForAbort HTTP/1.1\r\nHost: localhost\r\n\r\n");
    // Once the call is waiting, the client goes away.
    await expect.poll(() => signals.length).toBe(1);
    expect(signals[0]!.aborted).toBe(false);
    socket.destroy();
    await aborted;
    expect(signals[0]!.aborted).toBe(true);
  });

  it("gives a new connection a signal of its own", async () => {
    const first = new Agent({ keepAlive: true });
    const second = new Agent({ keepAlive: true });
    signals.length = 0;
    await get("seen", first);
    await get("seen", second);
    expect(signals[0]).not.toBe(signals[1]);
    first.destroy();
    second.destroy();
  });
});

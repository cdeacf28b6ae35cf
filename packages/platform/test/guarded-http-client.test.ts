import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { LookupFunction } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardedHttpClient, isPublicAddress, OutboundRequestFailed, type OutboundHttpSettings } from "../src";

const settings: OutboundHttpSettings = {
  timeoutMs: 500,
  maxResponseBytes: 4096,
  responsePreviewBytes: 16,
  allowPrivateNetworks: false,
};

/** Answers every name with one address, as a hostile DNS server (or a rebinding one) would. */
function resolvingTo(address: string): LookupFunction {
  return (_hostname, options, callback) => {
    const family = address.includes(":") ? 6 : 4;
    if (options.all) (callback as unknown as (e: null, a: object[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

async function failureOf(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OutboundRequestFailed);
  return (error as Error).message;
}

describe("isPublicAddress", () => {
  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "224.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "fec0::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "64:ff9b::a00:1",
    "2002:7f00:1::",
    "::7f00:1",
    "::127.0.0.1",
    "::a9fe:a9fe",
    "::8.8.8.8",
    "not an address",
  ])("refuses %s", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])("lets %s through", (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe("the guarded HTTP client", () => {
  let receiver: Server;
  let port: number;
  let connections = 0;
  const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
    "/ok": (_request, response) => response.end("a long answer that is cut in the log"),
    "/slow": () => {},
    "/huge": (_request, response) => {
      response.write("x".repeat(3000));
      response.end("x".repeat(3000));
    },
    "/redirect": (_request, response) => {
      response.writeHead(302, { location: "/ok" }).end();
    },
  };

  beforeAll(async () => {
    receiver = createServer((request, response) => routes[request.url!]!(request, response));
    receiver.on("connection", () => (connections += 1));
    receiver.listen(0, "127.0.0.1");
    await once(receiver, "listening");
    port = (receiver.address() as { port: number }).port;
  });
  afterAll(() => {
    receiver.closeAllConnections();
    receiver.close();
  });

  const post = (client: ReturnType<typeof createGuardedHttpClient>, url: string) =>
    client.post({ url, headers: {}, body: "{}" });

  it("refuses literal inside addresses, in every spelling, without connecting", async () => {
    const client = createGuardedHttpClient(settings);
    const before = connections;
    for (const host of [
      "127.0.0.1",
      "[::1]",
      "[::ffff:127.0.0.1]",
      "[::ffff:7f00:1]",
      "[::7f00:1]",
      "[::127.0.0.1]",
      "0.0.0.0",
    ]) {
      expect(await failureOf(post(client, `http://${host}:${port}/ok`))).toMatch(/^Refused/);
    }
    expect(connections).toBe(before);
    await client.close();
  });

  it("refuses a name that resolves inside when it connects, so rebinding gets nowhere", async () => {
    const client = createGuardedHttpClient({ ...settings, lookup: resolvingTo("127.0.0.1") });
    const before = connections;
    expect(await failureOf(post(client, `http://innocent.example:${port}/ok`))).toMatch(/^Refused/);
    const mapped = createGuardedHttpClient({ ...settings, lookup: resolvingTo("::ffff:127.0.0.1") });
    expect(await failureOf(post(mapped, `http://innocent.example:${port}/ok`))).toMatch(/^Refused/);
    const compatible = createGuardedHttpClient({ ...settings, lookup: resolvingTo("::7f00:1") });
    expect(await failureOf(post(compatible, `http://innocent.example:${port}/ok`))).toMatch(/^Refused/);
    expect(connections).toBe(before);
    await Promise.all([client.close(), mapped.close(), compatible.close()]);
  });

  describe("with private networks allowed, as in development", () => {
    const client = createGuardedHttpClient({
      ...settings,
      allowPrivateNetworks: true,
      lookup: resolvingTo("127.0.0.1"),
    });
    afterAll(() => client.close());

    it("posts through a name and keeps only the start of the answer", async () => {
      expect(await post(client, `http://receiver.example:${port}/ok`)).toEqual({
        status: 200,
        body: "a long answer th",
      });
    });

    it("does not follow a redirect", async () => {
      expect(await post(client, `http://127.0.0.1:${port}/redirect`)).toMatchObject({ status: 302 });
    });

    it("gives up on an answer that takes longer than the timeout", async () => {
      expect(await failureOf(post(client, `http://127.0.0.1:${port}/slow`))).toBe("no complete answer within 500 ms");
    });

    it("gives up on an answer larger than the cap", async () => {
      expect(await failureOf(post(client, `http://127.0.0.1:${port}/huge`))).toBe(
        "the answer was larger than 4096 bytes",
      );
    });
  });
});

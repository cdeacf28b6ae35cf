/*
 * API4:2023 Unrestricted resource consumption. The attacker asks for everything at once: huge
 * pages, huge batches, huge or deeply nested bodies, huge socket messages and endless
 * subscriptions. Each is refused with a client error before it costs much, and the server goes
 * on serving. A new list procedure is one more row of page sizes.
 */
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { codeOf } from "../support/refusal";
import { rawCall } from "../support/test-server";
import { coveredElsewhere, target, type Target } from "./attacker";

const BODY_LIMIT_BYTES = 64 * 1024;
const MAX_BATCH_SIZE = 10;

describe("API4 resource consumption", () => {
  coveredElsewhere([
    {
      file: "apps/server/test/live-limits.test.ts",
      tests: [
        "refuses a subscription past the cap of one connection",
        "refuses the subscriptions of a user's connection past their cap",
        "ends the subscription of a client that stops reading",
      ],
    },
  ]);

  let app: Target;

  beforeAll(async () => {
    app = await target({ BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES), MAX_BATCH_SIZE: String(MAX_BATCH_SIZE) });
  });
  afterAll(() => app?.deployment.destroy());

  async function expectStillServing(): Promise<void> {
    expect(await app.server.client().api.health.check.query()).toEqual({ status: "ok" });
  }

  describe("page sizes are capped", () => {
    const pages: [string, (limit: number) => Promise<unknown>][] = [
      ["admin.users.list", (limit) => app.admin.client.api.admin.users.list.query({ limit })],
      ["admin.audit.list", (limit) => app.admin.client.api.admin.audit.list.query({ limit })],
      ["admin.securityEvents.list", (limit) => app.admin.client.api.admin.securityEvents.list.query({ limit })],
    ];

    it.each(pages)("%s refuses a page of a million rows, even for an admin", async (_procedure, list) => {
      expect(await codeOf(list(1_000_000))).toBe("BAD_REQUEST");
      await expect(list(100)).resolves.toBeDefined();
    });
  });

  describe("batches are capped", () => {
    it("refuses a batch one over the cap as a whole, running none of it", async () => {
      const paths = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => "auth.sessions.revokeAll").join(",");
      const input = Object.fromEntries(Array.from({ length: MAX_BATCH_SIZE + 1 }, (_, n) => [n, { json: null }]));
      const { status } = await rawCall(app.server.trpcUrl, `${paths}?batch=1`, JSON.stringify(input), {
        authorization: `Bearer ${app.admin.accessToken}`,
      });
      expect(status).toBe(400);
      expect((await app.admin.client.api.auth.sessions.list.query()).length).toBeGreaterThan(0);
    });

    it("refuses a batch of thousands of calls before reading it", async () => {
      const paths = Array.from({ length: 5_000 }, () => "health.check").join(",");
      const response = await fetch(`${app.server.trpcUrl}/${paths}?batch=1`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      await expectStillServing();
    });
  });

  describe("bodies are capped", () => {
    it("refuses a body over the limit with PAYLOAD_TOO_LARGE", async () => {
      const { status } = await rawCall(
        app.server.trpcUrl,
        "auth.password.requestReset",
        JSON.stringify({ json: { email: `${"a".repeat(BODY_LIMIT_BYTES)}@example.com` } }),
      );
      expect(status).toBe(413);
    });

    // As deep as fits in the body limit: 2 bytes a level for arrays, 6 for objects.
    it.each([
      ["arrays", (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`, 2],
      ["objects", (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`, 6],
    ])("refuses input nested thousands of %s deep with a client error", async (_kind, nested, bytesPerLevel) => {
      const depth = Math.floor((BODY_LIMIT_BYTES * 0.9) / bytesPerLevel);
      const { status, body } = await rawCall(app.server.trpcUrl, "auth.login", `{"json":${nested(depth)}}`);
      expect(status).toBe(400);
      expect(body.error?.json.data.code).toBe("BAD_REQUEST");
      await expectStillServing();
    });

    it("refuses superjson metadata that points at thousands of paths", async () => {
      const values = Object.fromEntries(Array.from({ length: 3_000 }, (_, n) => [`a.${n}.b.c`, ["Date"]]));
      const { status } = await rawCall(
        app.server.trpcUrl,
        "auth.login",
        JSON.stringify({ json: { email: "a@example.com", password: "x" }, meta: { values } }),
      );
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      await expectStillServing();
    });
  });

  describe("sockets are capped", () => {
    async function openSocket(): Promise<WebSocket> {
      // As the typed client does: the token follows in a first message, never in the URL.
      const socket = new WebSocket(`${app.server.wsUrl}?connectionParams=1`);
      await once(socket, "open");
      return socket;
    }

    it("closes a socket that sends a message over the cap", async () => {
      const socket = await openSocket();
      socket.send("x".repeat(2 * 1024 * 1024));
      const [code] = (await once(socket, "close")) as [number];
      expect(code).toBe(1009);
      await expectStillServing();
    });
  });
});

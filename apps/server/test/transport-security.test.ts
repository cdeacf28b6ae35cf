import { request } from "node:http";
import { once } from "node:events";
import { beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { rawCall, tokensOf, uniqueEmail, useDeployment } from "./support/test-server";

/** What an attacker tries against the transports themselves, and what must hold afterwards. */
describe("transport defences", () => {
  const deployment = useDeployment("embedded", {
    env: { CORS_ORIGINS: "https://app.example.com", AUTH_RATE_LIMIT_MAX: "3", BODY_LIMIT_BYTES: "65536" },
  });
  const email = uniqueEmail("victim");
  const password = "a long passphrase";

  beforeAll(async () => {
    await deployment.server.client().api.auth.register.mutate({ email, password });
  });

  it("refuses a multipart body, whatever its size, with UNSUPPORTED_MEDIA_TYPE", async () => {
    const form = new FormData();
    form.set("refreshToken", "x".repeat(200_000));
    const response = await fetch(`${deployment.server.trpcUrl}/auth.logout`, { method: "POST", body: form });
    expect(response.status).toBe(415);
    const body = (await response.json()) as { error: { json: { data: { code: string } } } };
    expect(body.error.json.data.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("refuses a form post, the cross-site request a browser sends without asking", async () => {
    const response = await fetch(`${deployment.server.trpcUrl}/auth.logout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "refreshToken=x",
    });
    expect(response.status).toBe(415);
  });

  it.each([
    ["plainly", "auth.login,auth.login"],
    // tRPC decodes the routed path once more than Fastify does: so must the guard.
    ["behind a doubly escaped comma and dot", "auth%252Elogin%252Cauth%252Elogin"],
  ])("refuses to batch a sign-in with other calls, named %s", async (_spelling, path) => {
    // An instance of its own, with a credential budget of its own: the other tests sign in too.
    const fresh = await deployment.start();
    const { status, body } = await rawCall(
      fresh.trpcUrl,
      `${path}?batch=1`,
      JSON.stringify({ 0: { json: { email, password: "guess 1" } }, 1: { json: { email, password: "guess 2" } } }),
    );
    await fresh.stop();
    expect(status).toBe(400);
    expect(body.error?.json.message).toBe("Sign-in, sign-up and refresh cannot be batched with other calls");
  });

  describe("over a WebSocket", () => {
    async function socketCall(message: object, headers: Record<string, string> = {}): Promise<unknown> {
      const socket = new WebSocket(deployment.server.wsUrl, { headers });
      await once(socket, "open");
      socket.send(JSON.stringify(message));
      const [data] = (await once(socket, "message")) as [Buffer];
      socket.close();
      return JSON.parse(data.toString());
    }

    it("serves no query or mutation, so nothing escapes HTTP's limits", async () => {
      const answer = await socketCall({
        id: 1,
        method: "mutation",
        params: { path: "auth.login", input: { json: { email, password } } },
      });
      expect(answer).toMatchObject({ id: 1, error: { json: { data: { code: "METHOD_NOT_SUPPORTED" } } } });
    });

    it("refuses a socket opened by a page of another origin", async () => {
      const socket = new WebSocket(deployment.server.wsUrl, { headers: { origin: "https://evil.example" } });
      const [, response] = (await once(socket, "unexpected-response")) as [unknown, { statusCode: number }];
      expect(response.statusCode).toBe(403);
    });

    it("accepts a socket from an allowed origin", async () => {
      const socket = new WebSocket(deployment.server.wsUrl, { headers: { origin: "https://app.example.com" } });
      await once(socket, "open");
      socket.close();
    });

    it("does not act with the refresh cookie sent along with the upgrade", async () => {
      const session = tokensOf(await deployment.server.client().api.auth.login.mutate({ email, password }));
      const events = await socketCall(
        { id: 2, method: "subscription", params: { path: "auth.onSessionEvent", input: { json: null } } },
        { cookie: `seed_refresh=${session.refreshToken}` },
      );
      expect(events).toMatchObject({ id: 2, error: { json: { data: { code: "UNAUTHORIZED" } } } });
    });
  });

  it("behind one trusted proxy, takes the client address from that proxy, not from the client", async () => {
    const proxied = await deployment.start({ TRUST_PROXY: "1", AUTH_RATE_LIMIT_MAX: "10" });
    const response = await fetch(`${proxied.trpcUrl}/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "6.6.6.6, 198.51.100.7" },
      body: JSON.stringify({ json: { email, password } }),
    });
    const { result } = (await response.json()) as { result: { data: { json: { accessToken: string } } } };
    const client = proxied.client({ getAccessToken: () => result.data.json.accessToken });
    const sessions = await client.api.auth.sessions.list.query();
    expect(sessions.find((session) => session.current)?.ip).toBe("198.51.100.7");
    await proxied.stop();
  });

  it("counts a sign-in sent with an absolute URL against the credential budget", async () => {
    const attempt = () =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(deployment.server.baseUrl);
        const req = request({
          host: url.hostname,
          port: url.port,
          method: "POST",
          path: `http://${url.host}/trpc/auth.login`,
          headers: { "content-type": "application/json" },
        });
        req.on("response", (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end(JSON.stringify({ json: { email, password: "a guess" } }));
      });
    const statuses: number[] = [];
    for (let n = 0; n < 4; n += 1) statuses.push(await attempt());
    expect(statuses.slice(-1)).toEqual([429]);
  });
});

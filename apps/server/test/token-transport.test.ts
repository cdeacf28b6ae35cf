import { once } from "node:events";
import { request } from "node:http";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { availableBackends, rawCall, uniqueEmail, useDeployment } from "./support/test-server";

const password = "a long passphrase";

/** Where a token may travel, where it may not, and what a cross-site page can do with cookies. */
describe.each(availableBackends())("tokens on the wire on %s", (backend) => {
  const deployment = useDeployment(backend, { env: { CORS_ORIGINS: "https://app.example.com" } });
  let session: { accessToken: string; refreshToken: string; cookies: string };

  beforeAll(async () => {
    const email = uniqueEmail("wire");
    await deployment.server.client().api.auth.register.mutate({ email, password });
    const response = await fetch(`${deployment.server.trpcUrl}/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { email, password } }),
    });
    const body = (await response.json()) as {
      result: { data: { json: { accessToken: string; refreshToken: string } } };
    };
    const cookies = response.headers
      .getSetCookie()
      .map((cookie) => cookie.split(";")[0])
      .join("; ");
    session = { ...body.result.data.json, cookies };
  });

  it("signs access tokens that another service verifies with the published keys alone", async () => {
    const jwks = createRemoteJWKSet(new URL(`${deployment.server.baseUrl}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(session.accessToken, jwks, {
      issuer: "seed",
      audience: "seed-api",
      algorithms: ["EdDSA"],
    });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload.sub).toEqual(expect.any(String));
  });

  it("sets the access token too in an HttpOnly cookie scoped to the API", async () => {
    expect(session.cookies).toMatch(/seed_access=[\w.-]+/);
    expect(session.cookies).toMatch(/seed_refresh=[\w-]+/);
  });

  it.each([
    ["the Authorization header", () => ({ authorization: `Bearer ${session.accessToken}` })],
    ["the HttpOnly cookie", () => ({ cookie: session.cookies })],
    ["the x-access-token header", () => ({ "x-access-token": session.accessToken })],
  ])("accepts the access token in %s", async (_where, headers) => {
    const { status } = await rawCall(deployment.server.trpcUrl, "auth.me", undefined, headers());
    expect(status).toBe(200);
  });

  it("prefers the Authorization header to the cookie", async () => {
    const { status, body } = await rawCall(deployment.server.trpcUrl, "auth.me", undefined, {
      authorization: "Bearer not-a-token",
      cookie: session.cookies,
    });
    expect(status).toBe(401);
    expect(body.error?.json.message).toBe("Invalid access token");
  });

  it.each(["token", "access_token", "Authorization", "jwt"])(
    "refuses a token in the query string as ?%s=, even a valid one",
    async (parameter) => {
      const response = await fetch(`${deployment.server.trpcUrl}/auth.me?${parameter}=${session.accessToken}`);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { json: { message: string } } };
      expect(body.error.json.message).toBe("Tokens are not accepted in URLs; send them in the Authorization header");
    },
  );

  // Sent as written: `fetch` would cut the fragment off, but a client need not, and the log keeps it.
  it.each(["?x=1#&token=", "#?access_token=", "??token=", "?x=1&&jwt="])(
    "refuses a token however the query is spelled: %s",
    async (query) => {
      const target = new URL(`${deployment.server.trpcUrl}/health.check`);
      const sent = request({
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${query}${session.accessToken}`,
      });
      sent.end();
      const [response] = (await once(sent, "response")) as [{ statusCode: number; resume(): void }];
      response.resume();
      expect(response.statusCode).toBe(400);
    },
  );

  it("refuses a socket whose URL carries a token", async () => {
    const socket = new WebSocket(`${deployment.server.wsUrl}?access_token=${session.accessToken}`);
    const [, response] = (await once(socket, "unexpected-response")) as [unknown, { statusCode: number }];
    expect(response.statusCode).toBe(400);
  });

  describe("a mutation authenticated by cookie", () => {
    const revokeAll = (headers: Record<string, string>) =>
      rawCall(deployment.server.trpcUrl, "auth.sessions.revokeAll", JSON.stringify({ json: null }), {
        cookie: session.cookies,
        ...headers,
      });

    it("is refused without an Origin or Referer, and nothing changes", async () => {
      const { status, body } = await revokeAll({});
      expect(status).toBe(403);
      expect(body.error?.json.message).toBe("Cross-site request refused: call from an allowed origin");
      expect((await rawCall(deployment.server.trpcUrl, "auth.me", undefined, { cookie: session.cookies })).status).toBe(
        200,
      );
    });

    it("is refused from a foreign origin or referer, and nothing changes", async () => {
      expect((await revokeAll({ origin: "https://evil.example" })).status).toBe(403);
      expect((await revokeAll({ referer: "https://evil.example/page" })).status).toBe(403);
      expect((await rawCall(deployment.server.trpcUrl, "auth.me", undefined, { cookie: session.cookies })).status).toBe(
        200,
      );
    });

    it("is served from an allowed origin", async () => {
      const { status } = await revokeAll({ origin: "https://app.example.com" });
      expect(status).toBe(200);
      expect((await rawCall(deployment.server.trpcUrl, "auth.me", undefined, { cookie: session.cookies })).status).toBe(
        401,
      );
    });
  });
});

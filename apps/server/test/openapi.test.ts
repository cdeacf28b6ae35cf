import { randomUUID } from "node:crypto";
import { Validator } from "@seriousme/openapi-schema-validator";
import { procedureCatalog } from "@seed/api";
import { beforeAll, describe, expect, it } from "vitest";
import { openApiResponses } from "./support/openapi-responses";
import { availableBackends, tokensOf, uniqueEmail, useDeployment } from "./support/test-server";

const adminEmail = "rest-admin@example.com";
const adminPassword = "a long admin passphrase";
const password = "a long passphrase";

interface RestAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

describe.each(availableBackends())("the REST face and its OpenAPI document on %s", (backend) => {
  // Every test here signs in a few times; the credential limit has a test of its own.
  const deployment = useDeployment(backend, {
    env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword, AUTH_RATE_LIMIT_MAX: "1000" },
  });
  let document: Parameters<typeof openApiResponses>[0] & { openapi: string; components: object };
  let responses: ReturnType<typeof openApiResponses>;
  let productId: string;

  /**
   * Calls a REST route with plain fetch and checks the answer against the schema the document
   * declares for that route and status: every answer of these tests goes through it.
   */
  async function call(
    method: "GET" | "POST" | "PATCH",
    route: string,
    { params = {}, query = "", body, headers = {} }: CallOptions = {},
  ): Promise<RestAnswer> {
    const path = route.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? "");
    const response = await fetch(`${deployment.server.baseUrl}/api${path}${query}`, {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = { status: response.status, body: await response.json(), headers: response.headers };
    expect(responses.declares(route, method.toLowerCase(), answer.status), `${method} ${route} ${answer.status}`).toBe(
      true,
    );
    expect(responses.errorsOf(route, method.toLowerCase(), answer.status, answer.body)).toEqual([]);
    return answer;
  }
  interface CallOptions {
    params?: Record<string, string>;
    query?: string;
    body?: unknown;
    headers?: Record<string, string>;
  }

  async function signUp() {
    const email = uniqueEmail("rest");
    await call("POST", "/auth/register", { body: { email, password } });
    const { body } = await call("POST", "/auth/login", { body: { email, password } });
    const session = body as { accessToken: string; refreshToken: string };
    return { email, ...session, bearer: { authorization: `Bearer ${session.accessToken}` } };
  }

  beforeAll(async () => {
    document = (await (await fetch(`${deployment.server.baseUrl}/openapi.json`)).json()) as typeof document;
    responses = openApiResponses(document);

    const session = tokensOf(
      await deployment.server.client().api.auth.login.mutate({ email: adminEmail, password: adminPassword }),
    );
    const admin = deployment.server.client({ getAccessToken: () => session.accessToken });
    productId = (
      await admin.api.products.create.mutate({
        sku: `REST-${randomUUID().slice(0, 8)}`,
        name: "Teal enamel kettle",
        category: "kitchen",
        price: { amount: 3500, currency: "EUR" },
        stock: 10,
      })
    ).id;
  });

  it("serves a document that is valid OpenAPI 3 and names every REST route", async () => {
    const result = await new Validator().validate(document as never);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(document.openapi).toMatch(/^3\./);
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        "GET /health",
        "POST /auth/register",
        "POST /auth/login",
        "POST /auth/refresh",
        "POST /auth/logout",
        "GET /users/me",
        "PATCH /users/me",
        "GET /products",
        "GET /products/{productId}",
        "POST /orders",
        "GET /orders",
        "GET /orders/{orderId}",
        "POST /orders/{orderId}/cancel",
      ].sort(),
    );
  });

  it("asks for the bearer token on exactly the routes whose procedures are closed to anonymous callers", () => {
    const paths = document.paths as Record<string, Record<string, { security?: unknown[] }>>;
    const asksForToken = (route: { method: string; path: string }) =>
      (paths[route.path]?.[route.method.toLowerCase()]?.security?.length ?? 0) > 0;
    const routed = procedureCatalog.filter((procedure) => procedure.restRoute);
    expect(routed.map((procedure) => [procedure.path, asksForToken(procedure.restRoute!)])).toEqual(
      routed.map((procedure) => [procedure.path, procedure.access.kind !== "anyone"]),
    );
  });

  it("answers the public routes as the document says", async () => {
    expect((await call("GET", "/health")).body).toEqual({ status: "ok" });

    const page = await call("GET", "/products", { query: "?search=kettle&inStock=true&limit=5&sort=price_asc" });
    expect(page.status).toBe(200);
    expect((page.body as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([productId]);

    const product = await call("GET", "/products/{productId}", { params: { productId } });
    expect(product.body).toMatchObject({ id: productId, name: "Teal enamel kettle", price: { amount: 3500 } });

    const missing = await call("GET", "/products/{productId}", { params: { productId: randomUUID() } });
    expect(missing.status).toBe(404);
  });

  it("refuses invalid input with the issues, in the documented error shape", async () => {
    const answer = await call("GET", "/products", { query: "?minPrice=500&maxPrice=100" });
    expect(answer.status).toBe(400);
    expect((answer.body as { issues: unknown[] }).issues).toEqual([
      expect.objectContaining({ path: ["minPrice"], message: "minPrice must not exceed maxPrice" }),
    ]);

    const badKey = await call("POST", "/orders", {
      body: { items: [{ productId, quantity: 1 }], idempotencyKey: "no" },
      headers: (await signUp()).bearer,
    });
    expect(badKey.status).toBe(400);
  });

  it("lets a signed-in client manage its profile and its orders with a bearer token", async () => {
    const shopper = await signUp();
    expect((await call("GET", "/users/me", { headers: shopper.bearer })).body).toMatchObject({ email: shopper.email });
    const renamed = await call("PATCH", "/users/me", { body: { displayName: "Ada" }, headers: shopper.bearer });
    expect(renamed.body).toMatchObject({ displayName: "Ada" });

    const order = { items: [{ productId, quantity: 2 }], idempotencyKey: `rest-${randomUUID()}` };
    const placed = await call("POST", "/orders", { body: order, headers: shopper.bearer });
    const orderId = (placed.body as { id: string }).id;
    // Answered once the stock is reserved; the payment follows in the background.
    expect(placed.body).toMatchObject({ status: "pending", total: { amount: 7000, currency: "EUR" } });
    // A retry with the same key is the same order, not a second one.
    expect((await call("POST", "/orders", { body: order, headers: shopper.bearer })).body).toMatchObject({
      id: orderId,
    });

    const mine = await call("GET", "/orders", { headers: shopper.bearer });
    expect((mine.body as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([orderId]);
    expect(
      (await call("GET", "/orders/{orderId}", { params: { orderId }, headers: shopper.bearer })).body,
    ).toMatchObject({
      id: orderId,
    });
    // Bodies are JSON, even an empty one: the same rule as /trpc.
    const cancelled = await call("POST", "/orders/{orderId}/cancel", {
      params: { orderId },
      body: {},
      headers: shopper.bearer,
    });
    expect(cancelled.body).toMatchObject({ status: "cancelled" });

    const stranger = await signUp();
    const foreign = await call("GET", "/orders/{orderId}", { params: { orderId }, headers: stranger.bearer });
    expect(foreign.status).toBe(404);
  });

  it("refreshes and ends a session with the refresh token in the body", async () => {
    const shopper = await signUp();
    const refreshed = await call("POST", "/auth/refresh", { body: { refreshToken: shopper.refreshToken } });
    const next = refreshed.body as { refreshToken: string };
    expect(next.refreshToken).not.toBe(shopper.refreshToken);
    expect((await call("POST", "/auth/logout", { body: { refreshToken: next.refreshToken } })).body).toEqual({
      loggedOut: true,
    });
    expect((await call("POST", "/auth/refresh", { body: { refreshToken: next.refreshToken } })).status).toBe(401);
  });

  it("refuses a missing or wrong sign-in as documented", async () => {
    expect((await call("GET", "/users/me")).status).toBe(401);
    expect((await call("GET", "/orders", { headers: { authorization: "Bearer not-a-token" } })).status).toBe(401);
    const wrong = await call("POST", "/auth/login", { body: { email: adminEmail, password: "not the passphrase" } });
    expect(wrong.status).toBe(401);
  });

  describe("the guards of /trpc apply to the REST routes", () => {
    it("refuses a token in the query string", async () => {
      const shopper = await signUp();
      const response = await fetch(`${deployment.server.baseUrl}/api/users/me?access_token=${shopper.accessToken}`);
      expect(response.status).toBe(400);
    });

    it("refuses a cookie-authenticated change from another site, and takes it from our own origin", async () => {
      const shopper = await signUp();
      const cookie = `seed_access=${shopper.accessToken}`;
      const patch = (origin: string) =>
        fetch(`${deployment.server.baseUrl}/api/users/me`, {
          method: "PATCH",
          headers: { "content-type": "application/json", cookie, origin },
          body: JSON.stringify({ displayName: "Mallory" }),
        });
      expect((await patch("https://evil.example")).status).toBe(403);
      expect((await call("GET", "/users/me", { headers: shopper.bearer })).body).toMatchObject({ displayName: null });
      expect((await patch(deployment.server.baseUrl)).status).toBe(200);
    });

    it("refuses bodies that are not JSON", async () => {
      const response = await fetch(`${deployment.server.baseUrl}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `email=${encodeURIComponent(adminEmail)}&password=x`,
      });
      expect(response.status).toBe(415);
    });

    it("counts REST sign-ins against the credential rate limit", async () => {
      // Its own budget, not the one the other tests of this file have been spending.
      const limited = await deployment.start({
        AUTH_RATE_LIMIT_MAX: "2",
        REDIS_KEY_PREFIX: `rest-limit:${randomUUID()}:`,
      });
      const login = () =>
        fetch(`${limited.baseUrl}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: uniqueEmail("nobody"), password }),
        });
      expect([(await login()).status, (await login()).status, (await login()).status]).toEqual([401, 401, 429]);
      // Other routes keep their own, larger budget.
      expect((await fetch(`${limited.baseUrl}/api/health`)).status).toBe(200);
      await limited.stop();
    });
  });

  it("serves Swagger UI from the server itself, reading the document", async () => {
    const page = await fetch(`${deployment.server.baseUrl}/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("swagger-ui");
    // Helmet's CSP forbids inline scripts: every script of the page is a file of ours.
    expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g) ?? []).toEqual([]);
    for (const src of html.matchAll(/<script[^>]*src="([^"]+)"/g)) {
      const script = await fetch(new URL(src[1]!, `${deployment.server.baseUrl}/docs/`));
      expect(script.status).toBe(200);
      // Read to the end, also so that the server is not left writing to this socket.
      const source = await script.text();
      if (src[1]!.includes("initializer")) expect(source).toContain("/openapi.json");
    }
  });
});

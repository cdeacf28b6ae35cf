import { randomUUID } from "node:crypto";
import { Validator } from "@seriousme/openapi-schema-validator";
import { procedureCatalog } from "@seed/api";
import { beforeAll, describe, expect, it } from "vitest";
import { openApiResponses } from "./support/openapi-responses";
import { accountIdOf, availableBackends, tokensOf, uniqueEmail, useDeployment } from "./support/test-server";

const adminEmail = "rest-admin@example.com";
const adminPassword = "a long admin passphrase";
const password = "a long passphrase";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

interface RestAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

interface CallOptions {
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The routes the REST face had before every procedure was on it: their paths keep working. */
const FIRST_ROUTES = [
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
];

const routed = procedureCatalog.filter((procedure) => procedure.restRoute !== null);

/** A value for a path parameter that passes no check but the route's own: enough to reach the access check. */
const placeholderFor = (name: string) =>
  name === "role" ? "manager" : name === "permission" ? "audit:read" : randomUUID();

describe.each(availableBackends())("the REST face and its OpenAPI document on %s", (backend) => {
  // Every test here signs in a few times; the credential limit has a test of its own.
  const deployment = useDeployment(backend, {
    env: {
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: adminPassword,
      AUTH_RATE_LIMIT_MAX: "1000",
      RATE_LIMIT_MAX: "100000",
    },
  });
  let document: Parameters<typeof openApiResponses>[0] & {
    openapi: string;
    components: { securitySchemes: Record<string, unknown> };
  };
  let responses: ReturnType<typeof openApiResponses>;
  let admin: { bearer: Record<string, string> };
  let productId: string;

  /**
   * Calls a REST route with plain fetch and checks the answer against what the document declares
   * for that route and status: the status itself, the body's schema (or no body at all) and the
   * headers it always carries. Every answer of these tests goes through it.
   */
  async function call(
    method: Method,
    route: string,
    { params = {}, query = "", body, headers = {} }: CallOptions = {},
  ): Promise<RestAnswer> {
    const path = route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
    const response = await fetch(`${deployment.server.baseUrl}/api${path}${query}`, {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const operation = method.toLowerCase();
    const { status } = response;
    const text = await response.text();
    expect(responses.declares(route, operation, status), `${method} ${route} ${status}: ${text}`).toBe(true);
    let answer: unknown = undefined;
    if (responses.hasBody(route, operation, status)) {
      answer = JSON.parse(text);
      expect(responses.errorsOf(route, operation, status, answer)).toEqual([]);
    } else {
      expect(text).toBe("");
      expect(response.headers.get("content-type")).toBeNull();
    }
    for (const header of responses.requiredHeadersOf(route, operation, status)) {
      expect(response.headers.get(header), `${method} ${route} ${status} ${header}`).not.toBeNull();
    }
    return { status, body: answer, headers: response.headers };
  }

  async function signUp() {
    const email = uniqueEmail("rest");
    await call("POST", "/auth/register", { body: { email, password } });
    const { body } = await call("POST", "/auth/login", { body: { email, password } });
    const session = body as { accessToken: string; refreshToken: string; user: { id: string } };
    return { email, ...session, bearer: { authorization: `Bearer ${session.accessToken}` } };
  }

  const newProduct = () => ({
    sku: `REST-${randomUUID().slice(0, 8)}`,
    name: "Teal enamel kettle",
    category: "kitchen",
    price: { amount: 3500, currency: "EUR" },
    stock: 10,
  });

  beforeAll(async () => {
    document = (await (await fetch(`${deployment.server.baseUrl}/openapi.json`)).json()) as typeof document;
    responses = openApiResponses(document);

    const session = tokensOf(
      await deployment.server.client().api.auth.login.mutate({ email: adminEmail, password: adminPassword }),
    );
    admin = { bearer: { authorization: `Bearer ${session.accessToken}` } };
    productId = (
      (await call("POST", "/products", { body: newProduct(), headers: admin.bearer })).body as { id: string }
    ).id;
  });

  it("serves a document that is valid OpenAPI 3.1 and names the REST route of every procedure that has one", async () => {
    const result = await new Validator().validate(document as never);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(document.openapi).toMatch(/^3\.1\./);
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(routed.map(({ restRoute }) => `${restRoute!.method} ${restRoute!.path}`).sort());
    expect(operations).toEqual(expect.arrayContaining(FIRST_ROUTES));
    // Queries and mutations are on REST, but for a few whose reason is written down (procedures.md).
    expect(routed.length).toBeGreaterThan(50);
  });

  it("asks for a token or the cookie on exactly the routes whose procedures are closed to anonymous callers", () => {
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(["bearerToken", "sessionCookie"]);
    const paths = document.paths as Record<string, Record<string, { security?: unknown[]; description?: string }>>;
    const operationOf = (route: { method: string; path: string }) => paths[route.path]![route.method.toLowerCase()]!;
    expect(routed.map((procedure) => [procedure.path, operationOf(procedure.restRoute!).security ?? []])).toEqual(
      routed.map((procedure) => [
        procedure.path,
        procedure.access.kind === "anyone" ? [] : [{ bearerToken: [] }, { sessionCookie: [] }],
      ]),
    );
    expect(operationOf({ method: "POST", path: "/products" }).description).toContain(
      "Who may call: permission product:create.",
    );
  });

  it("refuses an anonymous caller on every route closed to them with 401, as documented", async () => {
    const closed = routed.filter((procedure) => procedure.access.kind !== "anyone");
    const statuses = [];
    for (const { path, restRoute } of closed) {
      const params = Object.fromEntries(
        [...restRoute!.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name!, placeholderFor(name!)]),
      );
      const body = restRoute!.method === "GET" || restRoute!.method === "DELETE" ? undefined : {};
      const answer = await call(restRoute!.method, restRoute!.path, { params, body });
      statuses.push([path, answer.status, (answer.body as { code: string }).code]);
    }
    expect(statuses).toEqual(closed.map(({ path }) => [path, 401, "UNAUTHORIZED"]));
  });

  it("answers the public routes as the document says", async () => {
    expect((await call("GET", "/health")).body).toEqual({ status: "ok" });

    const page = await call("GET", "/products", { query: "?search=kettle&inStock=true&limit=5&sort=price_asc" });
    expect(page.status).toBe(200);
    expect((page.body as { items: { id: string }[] }).items.map((item) => item.id)).toContain(productId);

    const product = await call("GET", "/products/{productId}", { params: { productId } });
    expect(product.body).toMatchObject({ id: productId, name: "Teal enamel kettle", price: { amount: 3500 } });

    const missing = await call("GET", "/products/{productId}", { params: { productId: randomUUID() } });
    expect(missing.status).toBe(404);
  });

  it("refuses input it reads with 422 and the invalid fields, and input it cannot read with 400", async () => {
    const answer = await call("GET", "/products", { query: "?minPrice=500&maxPrice=100" });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      code: "UNPROCESSABLE_CONTENT",
      data: { httpStatus: 422, issues: [{ path: "minPrice", message: "minPrice must not exceed maxPrice" }] },
    });

    const shopper = await signUp();
    const badKey = await call("POST", "/orders", {
      body: { items: [{ productId, quantity: 1 }], idempotencyKey: "no" },
      headers: shopper.bearer,
    });
    expect(badKey.status).toBe(422);

    const unreadable = await fetch(`${deployment.server.baseUrl}/api/orders`, {
      method: "POST",
      headers: { "content-type": "application/json", ...shopper.bearer },
      body: "{not json",
    });
    expect(unreadable.status).toBe(400);
  });

  it("lets a signed-in client manage its profile and its orders with a bearer token", async () => {
    const shopper = await signUp();
    expect((await call("GET", "/users/me", { headers: shopper.bearer })).body).toMatchObject({ email: shopper.email });
    const renamed = await call("PATCH", "/users/me", { body: { displayName: "Ada" }, headers: shopper.bearer });
    expect(renamed.body).toMatchObject({ displayName: "Ada" });

    const order = { items: [{ productId, quantity: 2 }], idempotencyKey: `rest-${randomUUID()}` };
    const placed = await call("POST", "/orders", { body: order, headers: shopper.bearer });
    const orderId = (placed.body as { id: string }).id;
    expect(placed.status).toBe(201);
    expect(placed.headers.get("location")).toBe(`/api/orders/${orderId}`);
    // Answered once the stock is reserved; the payment follows in the background.
    expect(placed.body).toMatchObject({ status: "pending", total: { amount: 7000, currency: "EUR" } });
    // A retry with the same key is the same order, not a second one.
    expect((await call("POST", "/orders", { body: order, headers: shopper.bearer })).body).toMatchObject({
      id: orderId,
    });

    const mine = await call("GET", "/orders", { headers: shopper.bearer });
    expect((mine.body as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([orderId]);
    const located = await fetch(`${deployment.server.baseUrl}${placed.headers.get("location")}`, {
      headers: shopper.bearer,
    });
    expect(await located.json()).toMatchObject({ id: orderId });
    // Bodies are JSON, even an empty one: the same rule as /trpc.
    const cancelled = await call("POST", "/orders/{orderId}/cancel", {
      params: { orderId },
      body: {},
      headers: shopper.bearer,
    });
    expect(cancelled.body).toMatchObject({ status: "cancelled" });
    const again = await call("POST", "/orders/{orderId}/cancel", {
      params: { orderId },
      body: {},
      headers: shopper.bearer,
    });
    expect(again.status).toBe(409);

    const stranger = await signUp();
    const foreign = await call("GET", "/orders/{orderId}", { params: { orderId }, headers: stranger.bearer });
    expect(foreign.status).toBe(404);
  });

  it("creates with 201 and a Location, updates with PATCH against a version, deletes with 204", async () => {
    const created = await call("POST", "/products", { body: newProduct(), headers: admin.bearer });
    expect(created.status).toBe(201);
    const product = created.body as { id: string; version: number };
    expect(created.headers.get("location")).toBe(`/api/products/${product.id}`);
    const taken = await call("POST", "/products", {
      body: { ...newProduct(), sku: (created.body as { sku: string }).sku },
      headers: admin.bearer,
    });
    expect(taken.status).toBe(409);

    const change = (version: number, name: string) =>
      call("PATCH", "/products/{productId}", {
        params: { productId: product.id },
        body: { version, changes: { name } },
        headers: admin.bearer,
      });
    const updated = await change(product.version, "Cobalt enamel kettle");
    expect(updated.body).toMatchObject({ name: "Cobalt enamel kettle", version: product.version + 1 });
    const stale = await change(product.version, "Rust enamel kettle");
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: "CONFLICT" });

    const deleted = await call("DELETE", "/products/{productId}", {
      params: { productId: product.id },
      headers: admin.bearer,
    });
    expect(deleted.status).toBe(204);
    expect((await call("GET", "/products/{productId}", { params: { productId: product.id } })).status).toBe(404);
    const restored = await call("POST", "/products/{productId}/restore", {
      params: { productId: product.id },
      body: {},
      headers: admin.bearer,
    });
    expect(restored.body).toMatchObject({ id: product.id, name: "Cobalt enamel kettle" });
  });

  it("grants and revokes a permission with PUT and DELETE, its name and a date read from the URL and the body", async () => {
    const user = await signUp();
    const userId = await accountIdOf(deployment, user.email);
    const params = { userId, permission: "audit:read" };
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const granted = await call("PUT", "/admin/users/{userId}/permissions/{permission}", {
      params,
      body: { expiresAt, reason: "quarterly review" },
      headers: admin.bearer,
    });
    expect(granted.body).toMatchObject({ userId, permissionName: "audit:read", expiresAt });
    expect((await call("GET", "/admin/audit", { query: "?limit=1", headers: user.bearer })).status).toBe(200);

    const revoked = await call("DELETE", "/admin/users/{userId}/permissions/{permission}", {
      params,
      headers: admin.bearer,
    });
    expect(revoked.status).toBe(204);
    expect((await call("GET", "/admin/audit", { query: "?limit=1", headers: user.bearer })).status).toBe(403);
    const notADate = await call("PUT", "/admin/users/{userId}/permissions/{permission}", {
      params,
      body: { expiresAt: "next tuesday", reason: "quarterly review" },
      headers: admin.bearer,
    });
    expect(notADate.status).toBe(422);
  });

  it("lists and ends sessions, one or all, with DELETE", async () => {
    const shopper = await signUp();
    const other = (await call("POST", "/auth/login", { body: { email: shopper.email, password } })).body as {
      accessToken: string;
    };
    const sessions = (await call("GET", "/auth/sessions", { headers: shopper.bearer })).body as {
      id: string;
      current: boolean;
    }[];
    expect(sessions).toHaveLength(2);
    const otherSession = sessions.find((session) => !session.current)!;
    const ended = await call("DELETE", "/auth/sessions/{sessionId}", {
      params: { sessionId: otherSession.id },
      headers: shopper.bearer,
    });
    expect(ended.status).toBe(204);
    expect((await call("GET", "/auth/me", { headers: { authorization: `Bearer ${other.accessToken}` } })).status).toBe(
      401,
    );
    expect((await call("DELETE", "/auth/sessions", { headers: shopper.bearer })).status).toBe(204);
    expect((await call("GET", "/auth/me", { headers: shopper.bearer })).status).toBe(401);
  });

  it("lets an auditor verify the audit chain, and no one else", async () => {
    const report = await call("GET", "/admin/audit/chain", { headers: admin.bearer });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ intact: true, firstBreak: null });
    const unknownHead = await call("GET", "/admin/audit/chain", {
      query: `?expectedHash=${"0".repeat(64)}`,
      headers: admin.bearer,
    });
    expect(unknownHead.body).toMatchObject({ intact: false, firstBreak: { kind: "head_unknown" } });
    expect(
      (await call("GET", "/admin/audit/chain", { query: "?expectedHash=latest", headers: admin.bearer })).status,
    ).toBe(422);
    expect((await call("GET", "/admin/audit/chain", { headers: (await signUp()).bearer })).status).toBe(403);
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

  it("sets and clears the session cookies over REST as over tRPC", async () => {
    const email = uniqueEmail("rest-cookie");
    await call("POST", "/auth/register", { body: { email, password } });
    const signedIn = await call("POST", "/auth/login", { body: { email, password } });
    const cookies = signedIn.headers.getSetCookie();
    for (const name of ["seed_access", "seed_refresh"]) {
      expect(cookies.find((cookie) => cookie.startsWith(`${name}=`))).toMatch(/HttpOnly.*SameSite=Strict/i);
    }
    const refreshCookie = cookies.find((cookie) => cookie.startsWith("seed_refresh="))!.split(";")[0]!;
    // The refresh token may come from the cookie instead of the body, from our own origin.
    const refreshed = await call("POST", "/auth/refresh", {
      body: {},
      headers: { cookie: refreshCookie, origin: deployment.server.baseUrl },
    });
    expect(refreshed.status).toBe(200);
    const loggedOut = await call("POST", "/auth/logout", {
      body: { refreshToken: (refreshed.body as { refreshToken: string }).refreshToken },
    });
    expect(loggedOut.headers.getSetCookie().filter((cookie) => /^seed_(access|refresh)=;/.test(cookie))).toHaveLength(
      2,
    );
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

    it("refuses a cookie-authenticated DELETE from another site, and the sessions stay", async () => {
      const shopper = await signUp();
      const answer = await call("DELETE", "/auth/sessions", {
        headers: { cookie: `seed_access=${shopper.accessToken}`, origin: "https://evil.example" },
      });
      expect(answer.status).toBe(403);
      expect((await call("GET", "/auth/sessions", { headers: shopper.bearer })).body).toHaveLength(1);
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
    // Swagger UI's own copy is the served document, made once on the first request of either.
    expect(await (await fetch(`${deployment.server.baseUrl}/docs/json`)).json()).toEqual(document);
  });
});

/*
 * API8:2023 Security misconfiguration. The attacker reads headers, sends preflights from their
 * own origin, provokes every kind of error to read the bodies, and hopes the operator left a
 * weak secret in production. Headers are on every response, CORS answers only listed origins,
 * no error body shows internals, and production refuses to start when misconfigured.
 */
import { ConfigError, loadConfig } from "@seed/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoInternals } from "../support/leaks";
import { target, type Target } from "./attacker";

const ALLOWED_ORIGIN = "https://app.example.com";

describe("API8 security misconfiguration", () => {
  let app: Target;

  beforeAll(async () => {
    app = await target({ CORS_ORIGINS: ALLOWED_ORIGIN, BODY_LIMIT_BYTES: "4096" });
  });
  afterAll(() => app?.deployment.destroy());

  const responses: [string, () => Promise<Response>][] = [
    ["/healthz", () => fetch(`${app.server.baseUrl}/healthz`)],
    ["a query", () => fetch(`${app.server.trpcUrl}/health.check`)],
    ["an error", () => fetch(`${app.server.trpcUrl}/auth.me`)],
    ["an unknown route", () => fetch(`${app.server.baseUrl}/admin`)],
    ["the JWKS", () => fetch(`${app.server.baseUrl}/.well-known/jwks.json`)],
  ];

  it.each(responses)("%s carries the security headers and names no framework", async (_label, send) => {
    const { headers } = await send();
    expect(headers.get("x-content-type-options")).toBe("nosniff");
    expect(headers.get("x-frame-options")).toBe("DENY");
    expect(headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    expect(headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(headers.get("referrer-policy")).toBe("no-referrer");
    expect(headers.get("x-powered-by")).toBeNull();
  });

  describe("CORS", () => {
    const preflight = (origin: string) =>
      fetch(`${app.server.trpcUrl}/auth.login`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });

    it.each(["https://evil.example", "https://app.example.com.evil.example", "null", "http://app.example.com"])(
      "never reflects the unlisted origin %s",
      async (origin) => {
        const response = await preflight(origin);
        // Without an allowed origin the browser withholds the answer, whatever else is sent.
        expect(response.headers.get("access-control-allow-origin")).toBeNull();
      },
    );

    it("answers the listed origin", async () => {
      const response = await preflight(ALLOWED_ORIGIN);
      expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    });
  });

  const errors: [string, () => Promise<Response>][] = [
    ["malformed JSON", () => post("auth.login", '{"json": {')],
    ["a wrong type", () => post("auth.login", '{"json": {"email": 5}}')],
    ["an unknown procedure", () => post("auth.becomeAdmin", "{}")],
    ["a wrong method", () => fetch(`${app.server.trpcUrl}/auth.login`)],
    ["a body too large", () => post("auth.login", JSON.stringify({ json: { email: "x".repeat(8000) } }))],
    ["a form body", () => fetch(`${app.server.trpcUrl}/auth.login`, { method: "POST", body: new FormData() })],
    ["a forged token", () => fetch(`${app.server.trpcUrl}/auth.me`, { headers: { authorization: "Bearer a.b.c" } })],
    ["SQL in an input", () => post("auth.login", JSON.stringify({ json: { email: "' OR 1=1 --", password: "x" } }))],
    ["a token in the URL", () => fetch(`${app.server.trpcUrl}/auth.me?access_token=x`)],
    ["an unknown route", () => fetch(`${app.server.baseUrl}/../../etc/passwd`)],
    // Past Postgres's integers: once answered 500 by the database.
    ["a price filter past the integers", () => query("products.list", { minPrice: 2 ** 31 })],
    [
      "a version past the integers",
      () =>
        post(
          "products.update",
          JSON.stringify({
            json: { productId: "00000000-0000-4000-8000-000000000000", version: 2 ** 40, changes: { name: "x" } },
          }),
          { authorization: `Bearer ${app.admin.accessToken}` },
        ),
    ],
  ];
  const query = (path: string, input: object) =>
    fetch(`${app.server.trpcUrl}/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${app.server.trpcUrl}/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });

  it.each(errors)("%s is answered without a stack trace, SQL or a file path", async (_label, send) => {
    const response = await send();
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expectNoInternals(await response.text());
  });

  describe("production refuses to start misconfigured", () => {
    const production = { NODE_ENV: "production", COOKIE_SECURE: "true" };

    it.each([
      ["no JWT_SECRET", {}],
      ["a short JWT_SECRET", { JWT_SECRET: "short-but-not-32-characters" }],
      ["a predictable JWT_SECRET", { JWT_SECRET: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }],
      ["a JWT_SECRET of a repeated word", { JWT_SECRET: "secretsecretsecretsecretsecretsecret" }],
      ["insecure cookies", { JWT_SECRET: "Vh3kQm9zXbP2wL7nR4tY8uC1dF6gJ0aE5sK", COOKIE_SECURE: "false" }],
      [
        "a short admin password",
        { JWT_SECRET: "Vh3kQm9zXbP2wL7nR4tY8uC1dF6gJ0aE5sK", ADMIN_EMAIL: "a@example.com", ADMIN_PASSWORD: "short" },
      ],
    ])("with %s", (_label, env) => {
      expect(() => loadConfig({ ...production, ...env })).toThrow(ConfigError);
    });

    it("and starts with a strong secret, so the refusals above are about the settings", () => {
      expect(loadConfig({ ...production, JWT_SECRET: "Vh3kQm9zXbP2wL7nR4tY8uC1dF6gJ0aE5sK" }).env).toBe("production");
    });
  });
});

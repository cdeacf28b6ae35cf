/*
 * API7:2023 Server-side request forgery. The attacker puts the address of a server they watch
 * into every string of every procedure's input, hoping the API fetches it. A listener stands in
 * for that server: no connection may ever reach it. Identity providers are fetched, but only at
 * the issuers the configuration names. Procedures are found at run time, so new ones are tried.
 * Webhook endpoints are URLs by design: an inside one is refused when registered, and a name
 * that resolves inside is refused on every connection.
 */
import { once } from "node:events";
import { createServer, type LookupFunction, type Server } from "node:net";
import { appRouter } from "@seed/api";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { procedureInputs } from "../fuzz/procedures";
import { validInputOf } from "../fuzz/zod-arbitraries";
import { createDeployment, rawCall, tokensOf, uniqueEmail, type Deployment } from "../support/test-server";
import { PASSWORD, target, type Target } from "./attacker";

const adminEmail = uniqueEmail("admin");

/** The input with every string replaced by the attacker's URL. */
function pointedAt(value: unknown, url: string): unknown {
  if (typeof value === "string") return url;
  if (Array.isArray(value)) return value.map((item) => pointedAt(item, url));
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, pointedAt(inner, url)]));
  }
  return value;
}

function stringFormatsOf(schema: unknown): string[] {
  const def = (schema as { _zod?: { def?: Record<string, unknown> } } | null)?._zod?.def;
  if (!def) return [];
  const own = [
    def.format,
    ...((def.checks as { _zod: { def: { format?: string } } }[] | undefined) ?? []).map((c) => c._zod.def.format),
  ];
  const inner = ["innerType", "in", "out", "element"].flatMap((key) => stringFormatsOf(def[key]));
  const fields = Object.values((def.shape as Record<string, unknown> | undefined) ?? {}).flatMap(stringFormatsOf);
  const options = ((def.options as unknown[] | undefined) ?? []).flatMap(stringFormatsOf);
  return [...own, ...inner, ...fields, ...options].filter((format): format is string => typeof format === "string");
}

describe("API7 server-side request forgery", () => {
  let app: Target;
  let canary: Server;
  let canaryUrl: string;
  let connections = 0;

  beforeAll(async () => {
    app = await target({ AUTH_RATE_LIMIT_MAX: "10000" });
    canary = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    canary.listen(0, "127.0.0.1");
    await once(canary, "listening");
    canaryUrl = `http://127.0.0.1:${(canary.address() as { port: number }).port}/.well-known/openid-configuration`;
  });
  afterAll(async () => {
    canary?.close();
    await app?.deployment.destroy();
  });

  it("no procedure takes a URL as input", () => {
    for (const { path, input } of procedureInputs(appRouter)) {
      expect({ path, formats: stringFormatsOf(input).filter((format) => /url|uri/i.test(format)) }).toEqual({
        path,
        formats: [],
      });
    }
  });

  it.each(procedureInputs(appRouter).filter((procedure) => procedure.input && procedure.type !== "subscription"))(
    "$path fetches nothing it is given",
    async ({ path, type, input }) => {
      const [sample] = fc.sample(validInputOf(input!), { seed: 7, numRuns: 1 });
      const body = JSON.stringify({ json: pointedAt(sample, canaryUrl) });
      const headers = { authorization: `Bearer ${app.admin.accessToken}` };
      const { status } =
        type === "mutation"
          ? await rawCall(app.server.trpcUrl, path, body, headers)
          : await rawCall(app.server.trpcUrl, `${path}?input=${encodeURIComponent(body)}`, undefined, headers);
      expect(status).toBeLessThan(500);
      expect(connections).toBe(0);
    },
  );

  it("an identity provider named by URL is not one the configuration lists", async () => {
    const { status, body } = await rawCall(
      app.server.trpcUrl,
      "auth.oidc.start",
      JSON.stringify({ json: { provider: canaryUrl } }),
    );
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body.error?.json.data.code).not.toBe("BAD_GATEWAY");
    expect(connections).toBe(0);
  });

  it("a webhook endpoint is never registered at an inside address, however it is spelt", async () => {
    const port = (canary.address() as { port: number }).port;
    const inside = [
      canaryUrl,
      `http://[::1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[::ffff:7f00:1]:${port}/`,
      `http://0.0.0.0:${port}/`,
      "http://169.254.169.254/latest/meta-data/",
      "http://100.64.0.1/",
      "http://10.0.0.1/",
      "http://[fd00::1]/",
      `http://localhost:${port}/`,
      "https://user:password@hooks.example.com/",
    ];
    const admin = app.admin.client.api.admin.webhooks;
    for (const url of inside) {
      const refusal = await admin.create.mutate({ url, eventTypes: ["order.placed"] }).then(
        () => "registered",
        (error: { data?: { code?: string } }) => error.data?.code,
      );
      expect({ url, refusal }).toEqual({ url, refusal: "BAD_REQUEST" });
    }
    const endpoint = await admin.create.mutate({ url: "https://hooks.example.com/in", eventTypes: ["order.placed"] });
    const moved = await admin.update
      .mutate({ endpointId: endpoint.id, version: endpoint.version, changes: { url: canaryUrl } })
      .then(
        () => "moved",
        (error: { data?: { code?: string } }) => error.data?.code,
      );
    expect(moved).toBe("BAD_REQUEST");
    expect(connections).toBe(0);
  });
});

describe("API7 server-side request forgery through a webhook name that resolves inside", () => {
  let deployment: Deployment;
  let canary: Server;
  let connections = 0;

  beforeAll(async () => {
    canary = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    canary.listen(0, "127.0.0.1");
    await once(canary, "listening");
    deployment = await createDeployment("embedded", {
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: PASSWORD,
      WEBHOOK_ATTEMPTS: "2",
      WEBHOOK_BACKOFF_MS: "10",
    });
  });
  afterAll(async () => {
    canary?.close();
    await deployment?.destroy();
  });

  it("the name passes registration, but every connection to what it resolves to is refused", async () => {
    // The attacker's DNS answers with the server's own loopback (at once, or after a first
    // harmless answer: rebinding). The check is made on the address each connection would use.
    const rebinding: LookupFunction = (_hostname, options, callback) => {
      if (options.all)
        (callback as unknown as (e: null, a: object[]) => void)(null, [{ address: "127.0.0.1", family: 4 }]);
      else callback(null, "127.0.0.1", 4);
    };
    const server = await deployment.start({}, { webhookLookup: rebinding });
    const anonymous = server.client();
    const session = tokensOf(await anonymous.api.auth.login.mutate({ email: adminEmail, password: PASSWORD }));
    const admin = server.client({ getAccessToken: () => session.accessToken }).api;
    const port = (canary.address() as { port: number }).port;
    const endpoint = await admin.admin.webhooks.create.mutate({
      url: `http://hooks.attacker.example:${port}/`,
      eventTypes: ["product.created"],
    });
    await admin.products.create.mutate({
      sku: "sku-ssrf",
      name: "Bait",
      category: "things",
      price: { amount: 100, currency: "EUR" },
      stock: 1,
    });
    const dead = await vi.waitFor(
      async () => {
        const [delivery] = (await admin.admin.webhooks.deliveries.query({ endpointId: endpoint.id })).items;
        expect(delivery?.status).toBe("dead");
        return delivery!;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(dead).toMatchObject({ attempts: 2, responseStatus: null });
    expect(dead.error).toMatch(/^Refused/);
    expect(connections).toBe(0);
  });
});

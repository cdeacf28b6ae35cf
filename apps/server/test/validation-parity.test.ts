/*
 * The REST face and tRPC validate with the same schemas. An adapter that changed those schemas
 * in place (trpc-to-openapi turns zod's coercion on in the schemas it is given) would make tRPC
 * accept, after the first REST call, the "5" it refused for a number before. So: every
 * procedure's invalid inputs, generated from its own schema, are sent over tRPC, every REST
 * route is called, and the same inputs must get the very same answers.
 */
import { randomUUID } from "node:crypto";
import { appRouter } from "@seed/api";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { procedureInputs } from "./fuzz/procedures";
import { sendTrpcCall } from "./fuzz/trpc-wire";
import { nearMissInputOf, typedValueAsTextOf } from "./fuzz/zod-arbitraries";
import { signedInClient } from "./support/live";
import { tokensOf, uniqueEmail, useDeployment, type TestServer } from "./support/test-server";

const adminEmail = uniqueEmail("parity-admin");
const adminPassword = "a long passphrase for parity";
const INPUTS_PER_PROCEDURE = 8;

interface InvalidCall {
  path: string;
  type: "query" | "mutation";
  input: unknown;
}

/**
 * Inputs each procedure's schema refuses, decided before the server has served any REST call:
 * text where a number, boolean or date belongs, and near misses of every other kind.
 */
function invalidCalls(): InvalidCall[] {
  return procedureInputs(appRouter).flatMap(({ path, type, input }) => {
    if (!input || type === "subscription") return [];
    const candidates = fc.sample(fc.oneof(typedValueAsTextOf(input), nearMissInputOf(input)), {
      seed: 31_337,
      numRuns: INPUTS_PER_PROCEDURE * 4,
    });
    return (
      candidates
        .filter((candidate) => !input.safeParse(candidate).success)
        // A query travels in its URL: Node refuses a request head past 16 KiB (431) before any
        // route runs, which says nothing about validation.
        .filter((candidate) => type === "mutation" || encodeURIComponent(JSON.stringify(candidate)).length < 8192)
        .slice(0, INPUTS_PER_PROCEDURE)
        .map((candidate) => ({ path, type, input: candidate }))
    );
  });
}

/** What a client learns from a refusal; the request id differs from call to call. */
async function answerOf(server: TestServer, call: InvalidCall, token: string): Promise<unknown> {
  const response = await sendTrpcCall(server, call, call.input, token);
  const { error } = (await response.json()) as { error?: { json: { message: string; data: { code: string } } } };
  return { status: response.status, code: error?.json.data.code, message: error?.json.message };
}

type OpenApiDocument = {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema: { type?: string } }[] }>>;
};

/** A query value of the declared type, as text: what the adapter would coerce. */
function queryValueOf(type: string | undefined): string {
  if (type === "integer" || type === "number") return "7";
  if (type === "boolean") return "true";
  return "x";
}

describe("validation does not depend on the transport called before", () => {
  const deployment = useDeployment("embedded", {
    env: {
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: adminPassword,
      RATE_LIMIT_MAX: "1000000",
      AUTH_RATE_LIMIT_MAX: "10000",
      ORDER_RATE_LIMIT_MAX: "1000000",
    },
  });
  const calls = invalidCalls();
  let adminToken: string;

  beforeAll(async () => {
    const session = tokensOf(
      await deployment.server.client().api.auth.login.mutate({ email: adminEmail, password: adminPassword }),
    );
    adminToken = session.accessToken;
  });

  /** Calls every route of the REST face once, anonymously, with typed values sent as text. */
  async function callEveryRestRoute(): Promise<number> {
    const { baseUrl } = deployment.server;
    const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as OpenApiDocument;
    let called = 0;
    for (const [route, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const parameters = operation.parameters ?? [];
        const path = route.replace(/\{\w+\}/g, () => randomUUID());
        const query = new URLSearchParams(
          parameters
            .filter((p) => p.in === "query")
            .map((p): [string, string] => [p.name, queryValueOf(p.schema.type)]),
        );
        const hasBody = method === "post" || method === "patch" || method === "put";
        const response = await fetch(`${baseUrl}/api${path}?${query}`, {
          method: method.toUpperCase(),
          ...(hasBody ? { headers: { "content-type": "application/json" }, body: JSON.stringify({ limit: "5" }) } : {}),
        });
        expect(response.status, `${method} ${route}`).toBeLessThan(500);
        called += 1;
      }
    }
    return called;
  }

  it("generated refused inputs for every query and mutation that takes input", () => {
    const covered = new Set(calls.map((call) => call.path));
    const takingInput = procedureInputs(appRouter).filter((p) => p.input && p.type !== "subscription");
    expect([...covered].sort()).toEqual(takingInput.map((p) => p.path).sort());
    // Text where a number belongs is among them, the case a coercing adapter lets through.
    const typedAsText = (input: unknown) =>
      Object.values(input as object).some((value) => typeof value === "string" && /^\d+$|^true$|^false$/.test(value));
    expect(calls.some((call) => call.path === "products.list" && typedAsText(call.input))).toBe(true);
  });

  it("answers every refused input over tRPC the same before and after every REST route was called", async () => {
    const before = [];
    for (const call of calls) before.push(await answerOf(deployment.server, call, adminToken));
    expect(before.every((answer) => (answer as { status: number }).status === 400)).toBe(true);

    expect(await callEveryRestRoute()).toBeGreaterThan(10);

    const after = [];
    for (const call of calls) after.push(await answerOf(deployment.server, call, adminToken));
    expect(after).toEqual(before);
  });

  it("REST reads query strings as the declared numbers and booleans, and nothing looser", async () => {
    // What REST reads and refuses is unprocessable (422); tRPC calls the same refusal BAD_REQUEST.
    const { baseUrl } = deployment.server;
    const list = (query: string) => fetch(`${baseUrl}/api/products?${query}`);
    expect((await list("limit=1&deleted=false&inStock=true")).status).toBe(200);
    for (const refused of [
      "limit=abc",
      "limit=0",
      "limit=1.5",
      "limit=1e999",
      "deleted=yes",
      "deleted=1",
      "inStock=TRUE",
    ]) {
      expect((await list(refused)).status, refused).toBe(422);
    }
  });

  it("REST reads ISO 8601 dates where a date is declared, and nothing looser", async () => {
    const audit = (query: string) =>
      fetch(`${deployment.server.baseUrl}/api/admin/audit?limit=1&${query}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
    for (const read of ["from=2024-01-01T00:00:00Z", "from=2024-01-01T00:00:00.000%2B02:00", "to=2024-01-01"]) {
      expect((await audit(read)).status, read).toBe(200);
    }
    for (const refused of ["from=1700000000", "from=yesterday", "from=2024-13-01", "to=2024-01-01T00:00:00"]) {
      expect((await audit(refused)).status, refused).toBe(422);
    }
  });

  it("REST refuses a path parameter given again with another value, in the body or the query", async () => {
    const { baseUrl } = deployment.server;
    const staff = deployment.server.client({ getAccessToken: () => adminToken });
    const [named, other] = await Promise.all(
      ["named", "other"].map((label) =>
        staff.api.products.create.mutate({
          sku: `parity-${label}-${randomUUID()}`,
          name: `Parity ${label}`,
          category: "home",
          price: { amount: 500, currency: "EUR" },
          stock: 3,
        }),
      ),
    );
    const rest = (method: string, path: string, body?: unknown) =>
      fetch(`${baseUrl}/api${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const rename = (productId: unknown, name: string) => ({ productId, version: 1, changes: { name } });

    for (const [label, productId] of [
      ["another product's id", other!.id],
      ["the id in capitals", named!.id.toUpperCase()],
      ["a number", 7],
      ["null", null],
      ["a list holding it", [named!.id]],
    ] as const) {
      const refused = await rest("PATCH", `/products/${named!.id}`, rename(productId, "Renamed by mistake"));
      expect(refused.status, label).toBe(422);
      expect(await refused.json(), label).toMatchObject({
        code: "UNPROCESSABLE_CONTENT",
        message: "Invalid input: productId: differs, in the body, from the one in the path",
        data: { httpStatus: 422, issues: [{ path: "productId" }] },
      });
    }
    for (const query of [`productId=${other!.id}`, `productId=${named!.id}&productId=${other!.id}`, "productId="]) {
      const refused = await rest("GET", `/products/${named!.id}?${query}`);
      expect(refused.status, query).toBe(422);
      expect(((await refused.json()) as { message: string }).message, query).toMatch(
        /productId: differs, in the query/,
      );
    }
    const revoke = await rest(
      "DELETE",
      `/admin/users/${randomUUID()}/permissions/order:read:any?permission=job:manage`,
    );
    expect(revoke.status).toBe(422);
    expect(((await revoke.json()) as { message: string }).message).toMatch(
      /^Invalid input: permission: differs, in the query/,
    );

    // Neither product changed.
    for (const product of [named!, other!]) {
      expect(await staff.api.products.get.query({ productId: product.id })).toMatchObject({
        name: product.name,
        version: 1,
      });
    }

    // Given twice alike, it is one value, also when the path spells it percent-encoded.
    for (const query of [`productId=${named!.id}`, `productId=${named!.id}&productId=${named!.id}`]) {
      expect((await rest("GET", `/products/${named!.id}?${query}`)).status, query).toBe(200);
    }
    const renamed = await rest("PATCH", `/products/${named!.id}`, rename(named!.id, "Renamed on purpose"));
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ id: named!.id, name: "Renamed on purpose", version: 2 });
    const { userId } = await signedInClient(deployment.server, uniqueEmail("parity-grantee"));
    const permissionPath = `/admin/users/${userId}/permissions/${encodeURIComponent("order:read:any")}`;
    expect(permissionPath).toContain("order%3Aread%3Aany");
    const granted = await rest("PUT", permissionPath, { permission: "order:read:any", reason: "path and body agree" });
    expect(granted.status).toBe(200);
    expect((await rest("DELETE", `${permissionPath}?permission=order:read:any`)).status).toBe(204);
  });

  it("REST bodies are as strict as tRPC: a quantity sent as text places no order", async () => {
    const { session } = await signedInClient(deployment.server, uniqueEmail("parity-shopper"));
    const order = { items: [{ productId: randomUUID(), quantity: "2" }], idempotencyKey: `parity-${randomUUID()}` };
    const response = await fetch(`${deployment.server.baseUrl}/api/orders`, {
      method: "POST",
      headers: { authorization: `Bearer ${session.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify(order),
    });
    expect(response.status).toBe(422);
    expect(await response.text()).toMatch(/items\.0\.quantity/);
  });
});

/*
 * A page cursor is opaque to clients but not to an attacker: base64url of JSON, which can be
 * forged to hold a time, a number or text the database cannot take. Each forged cursor must be
 * refused as invalid input (400 over tRPC, 422 over REST), never fail the query.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { sendTrpcCall } from "./fuzz/trpc-wire";
import { tokensOf, uniqueEmail, useDeployment } from "./support/test-server";

const adminEmail = uniqueEmail("cursor-admin");
const adminPassword = "a long passphrase for cursors";

const forged = (key: unknown) => Buffer.from(JSON.stringify(key)).toString("base64url");
const id = randomUUID();

/** Times as Postgres prints them, each one it cannot parse or hold. */
const unparsableTimes = [
  "0000-01-01 00:00:00+00",
  "2026-01-01 00:00:00+16",
  "2026-01-01 00:00:00+15:60",
  "2026-01-01 00:00:00-99:99",
  "1969-12-31 23:59:59+00",
  "2026-02-30 00:00:00+00",
  "2026-01-01 24:00:00+00",
  "+300000-01-01 00:00:00+00",
  "2026-01-01 00:00:00\u0000+00",
];

const forgedCursors: [string, Record<string, unknown>][] = [
  ...unparsableTimes.map((time): [string, Record<string, unknown>] => ["orders.list", { cursor: forged([time, id]) }]),
  ...unparsableTimes.map((time): [string, Record<string, unknown>] => [
    "products.list",
    { cursor: forged(["newest", time, id]) },
  ]),
  ...[2 ** 31, 2 ** 63, -1, 1.5, null, "NaN", "1e400"].map((price): [string, Record<string, unknown>] => [
    "products.list",
    { sort: "price_asc", cursor: forged(["price_asc", price, id]) },
  ]),
  ["products.list", { sort: "name_asc", cursor: forged(["name_asc", "a\u0000", id]) }],
  ["products.list", { sort: "name_asc", cursor: forged(["name_asc", "\uD800", id]) }],
  ["products.list", { cursor: forged(["newest", "2026-01-01 00:00:00+00", "not-a-uuid"]) }],
  ["orders.list", { cursor: "%%%not base64%%%" }],
  ["admin.users.list", { cursor: "a\u0000" }],
  ["admin.users.list", { cursor: "\uDFFF" }],
  ["admin.audit.list", { cursor: 2 ** 53 + 2 }],
  ["admin.audit.list", { cursor: 0 }],
  ["admin.securityEvents.list", { cursor: Number.MAX_VALUE }],
];

describe("forged page cursors", () => {
  const deployment = useDeployment("embedded", {
    env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword, RATE_LIMIT_MAX: "100000" },
  });
  let adminToken: string;

  beforeAll(async () => {
    const session = tokensOf(
      await deployment.server.client().api.auth.login.mutate({ email: adminEmail, password: adminPassword }),
    );
    adminToken = session.accessToken;
  });

  it.each(forgedCursors)("%s refuses the forged cursor %j over tRPC with a 400", async (path, input) => {
    const response = await sendTrpcCall(deployment.server, { path, type: "query" }, input, adminToken);
    expect(response.status, await response.text()).toBe(400);
  });

  it.each(forgedCursors.filter(([path]) => path === "orders.list" || path === "products.list"))(
    "%s refuses the forged cursor %j over REST with a 422",
    async (path, input) => {
      const query = new URLSearchParams(
        Object.entries(input).map(([key, value]): [string, string] => [key, String(value)]),
      );
      const route = path === "orders.list" ? "orders" : "products";
      const response = await fetch(`${deployment.server.baseUrl}/api/${route}?${query}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(response.status, await response.text()).toBe(422);
    },
  );

  it("still serves a page asked for without a cursor", async () => {
    const response = await sendTrpcCall(
      deployment.server,
      { path: "admin.audit.list", type: "query" },
      { limit: 1 },
      adminToken,
    );
    expect(response.status).toBe(200);
  });
});

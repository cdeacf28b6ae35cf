/*
 * The tRPC protocol itself, attacked: superjson input built to pollute prototypes, procedures
 * that do not exist, the wrong HTTP method, and a subscription asked for over plain HTTP. Each
 * gets a clean client error; no object in the server process gains a property.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoInternals } from "../support/leaks";
import { rawCall, uniqueEmail } from "../support/test-server";
import { PASSWORD, target, type Account, type Target } from "./attacker";

const POLLUTING_BODIES: [string, string][] = [
  ["__proto__ in the input", '{"json":{"email":"a@example.com","password":"x","__proto__":{"polluted":true}}}'],
  [
    "constructor.prototype in the input",
    '{"json":{"email":"a@example.com","constructor":{"prototype":{"polluted":true}}}}',
  ],
  [
    "a superjson path through __proto__",
    '{"json":{"email":"a@example.com"},"meta":{"values":{"__proto__.polluted":["undefined"]}}}',
  ],
  [
    "a superjson path through constructor.prototype",
    '{"json":{"email":"a@example.com"},"meta":{"values":{"constructor.prototype.polluted":["undefined"]}}}',
  ],
  ["a superjson referential path", '{"json":{"a":{}},"meta":{"referentialEqualities":{"a":["__proto__.polluted"]}}}'],
  ["a batch keyed __proto__", '{"__proto__":{"json":{"polluted":true}},"0":{"json":null}}'],
];

describe("tRPC specifics", () => {
  let app: Target;
  let customer: Account;

  beforeAll(async () => {
    app = await target({ AUTH_RATE_LIMIT_MAX: "1000" });
    customer = await app.customer("protocol");
  });
  afterAll(() => app?.deployment.destroy());

  it.each(POLLUTING_BODIES)("%s pollutes no prototype and gets a client error", async (_label, body) => {
    for (const path of [
      "auth.login",
      "auth.register",
      "auth.password.requestReset",
      "health.check,auth.login?batch=1",
    ]) {
      const { status } = await rawCall(app.server.trpcUrl, path, body);
      expect(status).toBeLessThan(500);
    }
    // The server runs in this process: its prototypes are these.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
    expect(await app.server.client().api.health.check.query()).toEqual({ status: "ok" });
  });

  it("a __proto__ key does not smuggle a role into a new account", async () => {
    const email = uniqueEmail("proto");
    const body = JSON.stringify({ json: { email, password: PASSWORD } }).replace(
      "{",
      '{"__proto__":{"roles":["admin"]},',
    );
    expect(
      (
        await rawCall(
          app.server.trpcUrl,
          "auth.register",
          body.replace('{"__proto__"', '{"json":{"__proto__"').replace(',"json":{', ","),
        )
      ).status,
    ).toBeLessThan(500);
    const account = await app.signIn(email).catch(() => null);
    if (account) expect((await account.client.api.auth.me.query()).roles).toEqual(["customer"]);
  });

  it.each([
    ["an unknown procedure", "auth.becomeAdmin", "{}", 404, "NOT_FOUND"],
    ["an unknown nested procedure", "admin.users.__proto__", "{}", 404, "NOT_FOUND"],
    ["a prototype method as a procedure", "constructor", "{}", 404, "NOT_FOUND"],
    ["a mutation over GET", "auth.register", undefined, 405, "METHOD_NOT_SUPPORTED"],
  ])("%s gets a clean %s", async (_label, path, body, status, code) => {
    const answer = await rawCall(app.server.trpcUrl, path, body);
    expect({ status: answer.status, code: answer.body.error?.json.data.code }).toEqual({ status, code });
    expectNoInternals(JSON.stringify(answer.body));
  });

  it("a query over POST gets METHOD_NOT_SUPPORTED", async () => {
    const answer = await rawCall(app.server.trpcUrl, "auth.me", "{}", {
      authorization: `Bearer ${customer.accessToken}`,
    });
    expect({ status: answer.status, code: answer.body.error?.json.data.code }).toEqual({
      status: 405,
      code: "METHOD_NOT_SUPPORTED",
    });
  });

  it("a subscription over plain HTTP, not asking for an event stream, gets METHOD_NOT_SUPPORTED at once", async () => {
    const response = await fetch(`${app.server.trpcUrl}/auth.onSessionEvent`, {
      headers: { authorization: `Bearer ${customer.accessToken}` },
    });
    const body = (await response.json()) as { error: { json: { message: string; data: { code: string } } } };
    expect(response.status).toBe(405);
    expect(body.error.json.data.code).toBe("METHOD_NOT_SUPPORTED");
    expect(body.error.json.message).toContain("Subscriptions are served over WebSockets, or as server-sent events");
  });
});

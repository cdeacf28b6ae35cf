/*
 * API6:2023 Unrestricted access to sensitive business flows. The attacker automates the flows
 * that cost us or others something: creating accounts, mailing reset links, guessing passwords.
 * Each is limited per client address (the credential budget, shared by every instance through
 * Redis) and, where there is an account, per account; the mails they send, per recipient
 * (email-flows.test.ts). A new flow is one more row.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { availableBackends, rawCall, uniqueEmail, useDeployment } from "../support/test-server";
import { coveredElsewhere, target, type Target } from "./attacker";

const BUDGET = 3;

const flows: { flow: string; procedure: string; input: () => object }[] = [
  {
    flow: "sign-up",
    procedure: "auth.register",
    input: () => ({ email: uniqueEmail("bulk"), password: "a long passphrase for bots" }),
  },
  {
    flow: "password reset mail",
    procedure: "auth.password.requestReset",
    input: () => ({ email: uniqueEmail("spam") }),
  },
  { flow: "sign-in", procedure: "auth.login", input: () => ({ email: uniqueEmail("guess"), password: "a guess" }) },
];

describe.each(availableBackends())("API6 sensitive business flows on %s", (backend) => {
  const deployment = useDeployment(backend, { env: { AUTH_RATE_LIMIT_MAX: String(BUDGET), TRUST_PROXY: "1" } });

  let address = 0;
  const nextAddress = () => `198.51.100.${(address += 1)}`;

  it.each(flows)(
    "$flow is stopped after the budget per address, and other addresses go on",
    async ({ procedure, input }) => {
      const bot = nextAddress();
      const statuses: number[] = [];
      for (let attempt = 0; attempt <= BUDGET; attempt += 1) {
        statuses.push(
          (
            await rawCall(deployment.server.trpcUrl, procedure, JSON.stringify({ json: input() }), {
              "x-forwarded-for": bot,
            })
          ).status,
        );
      }
      expect(statuses.slice(0, BUDGET)).not.toContain(429);
      expect(statuses[BUDGET]).toBe(429);
      const someoneElse = await rawCall(deployment.server.trpcUrl, procedure, JSON.stringify({ json: input() }), {
        "x-forwarded-for": nextAddress(),
      });
      expect(someoneElse.status).not.toBe(429);
    },
  );

  it("a sign-up refused by the limit creates no account", async () => {
    const bot = nextAddress();
    for (let attempt = 0; attempt < BUDGET; attempt += 1) {
      await rawCall(deployment.server.trpcUrl, "auth.register", JSON.stringify({ json: flows[0]!.input() }), {
        "x-forwarded-for": bot,
      });
    }
    const email = uniqueEmail("refused");
    const refused = await rawCall(
      deployment.server.trpcUrl,
      "auth.register",
      JSON.stringify({ json: { email, password: "a long passphrase for bots" } }),
      { "x-forwarded-for": bot },
    );
    expect(refused.status).toBe(429);
    const login = await rawCall(
      deployment.server.trpcUrl,
      "auth.login",
      JSON.stringify({ json: { email, password: "a long passphrase for bots" } }),
      { "x-forwarded-for": nextAddress() },
    );
    expect(login.status).toBe(401);
  });
});

describe("API6 placing orders", () => {
  // The budget is the orders router's own: 30 orders a minute per user.
  const PER_USER = 30;
  let app: Target;

  beforeAll(async () => {
    app = await target({ TRUST_PROXY: "1" });
  });
  afterAll(() => app?.deployment.destroy());

  it("is stopped per user, from whatever address, while another user goes on", async () => {
    const productId = await app.product();
    const [hoarder, neighbour] = await Promise.all([app.customer("hoarder"), app.customer("neighbour")]);
    const place = (account: typeof hoarder, n: number) =>
      rawCall(
        app.server.trpcUrl,
        "orders.place",
        JSON.stringify({
          json: { items: [{ productId, quantity: 1 }], idempotencyKey: `order-${account.userId}-${n}` },
        }),
        { authorization: `Bearer ${account.accessToken}`, "x-forwarded-for": `203.0.113.${n % 200}` },
      );
    const statuses: number[] = [];
    for (let n = 0; n <= PER_USER; n += 1) statuses.push((await place(hoarder, n)).status);
    expect(statuses.slice(0, PER_USER)).toEqual(Array(PER_USER).fill(200));
    expect(statuses[PER_USER]).toBe(429);
    expect((await place(neighbour, 0)).status).toBe(200);
    const placed = await hoarder.client.api.orders.list.query({ limit: 100 });
    expect(placed.items).toHaveLength(PER_USER);
  });
});

describe("API6 per account", () => {
  coveredElsewhere([
    {
      file: "apps/server/test/brute-force.test.ts",
      tests: ["locks the account out after five wrong passwords", "leaves other accounts alone"],
    },
    { file: "apps/server/test/rate-limit.test.ts", tests: ["share one budget through Redis"] },
  ]);
});

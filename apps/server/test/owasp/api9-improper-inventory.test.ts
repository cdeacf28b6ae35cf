/*
 * API9:2023 Improper inventory management. The attacker looks for what nobody remembers
 * exposing: a debug route, a forgotten procedure, a route that only appears in production.
 * Everything the server exposes is listed here at run time and compared with the checked-in
 * inventory.txt; a change to what is exposed is a change to that file, reviewed like code. Its
 * procedures are written by `pnpm generate` from the router; its HTTP routes by hand.
 */
import { readFileSync } from "node:fs";
import { inventoryOf } from "@seed/api";
import { describe, expect, it } from "vitest";
import { useDeployment } from "../support/test-server";

const INVENTORY = new URL("./inventory.txt", import.meta.url);
const STRONG_SECRET = "Vh3kQm9zXbP2wL7nR4tY8uC1dF6gJ0aE5sK";

describe("API9 inventory", () => {
  const deployment = useDeployment("embedded", { instances: [] });

  it.each([
    ["test", {}],
    ["production", { NODE_ENV: "production", JWT_SECRET: STRONG_SECRET }],
  ])("in %s, exposes exactly what inventory.txt lists", async (_mode, env) => {
    const server = await deployment.start(env);
    const exposed = inventoryOf(server.server.app.printRoutes({ commonPrefix: false }));
    await server.stop();
    expect(exposed).toBe(readFileSync(INVENTORY, "utf8"));
  });

  it("adds only the payment provider's webhook route when payments go through Stripe", async () => {
    const server = await deployment.start({
      NODE_ENV: "production",
      JWT_SECRET: STRONG_SECRET,
      PAYMENT_PROVIDER: "stripe",
      STRIPE_SECRET_KEY: "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
      STRIPE_WEBHOOK_SECRET: "whsec_5f1b2c3d4e5f6a7b8c9d0e1f",
    });
    const exposed = inventoryOf(server.server.app.printRoutes({ commonPrefix: false })).split("\n");
    await server.stop();
    const listed = readFileSync(INVENTORY, "utf8").split("\n");
    expect(listed.filter((line) => !exposed.includes(line))).toEqual([]);
    expect(exposed.filter((line) => !listed.includes(line))).toEqual([
      expect.stringMatching(/ \/webhooks\/stripe \(POST\)$/),
    ]);
  });

  it("lists no route or procedure named like a debugging aid", () => {
    expect(readFileSync(INVENTORY, "utf8")).not.toMatch(/debug|test|internal|dump|eval|graphql|metrics/i);
  });
});

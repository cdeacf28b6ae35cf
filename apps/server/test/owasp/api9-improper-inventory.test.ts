/*
 * API9:2023 Improper inventory management. The attacker looks for what nobody remembers
 * exposing: a debug route, a forgotten procedure, a route that only appears in production.
 * Everything the server exposes is listed here at run time and compared with the checked-in
 * inventory.txt; a change to what is exposed is a change to that file, reviewed like code.
 */
import { readFileSync } from "node:fs";
import { accessMatrix, appRouter, type AccessRule, type ProcedurePath } from "@seed/api";
import { describe, expect, it } from "vitest";
import { useDeployment } from "../support/test-server";

const INVENTORY = new URL("./inventory.txt", import.meta.url);
const STRONG_SECRET = "Vh3kQm9zXbP2wL7nR4tY8uC1dF6gJ0aE5sK";

function describeRule(rule: AccessRule): string {
  switch (rule.kind) {
    case "anyone":
    case "signed-in":
      return rule.kind;
    case "role":
    case "permission":
      return `${rule.kind} ${rule.anyOf.join(" | ")}`;
    case "all-permissions":
      return `${rule.kind} ${rule.allOf.join(" & ")}`;
    case "owner":
      return `owner or ${rule.orPermission}`;
  }
}

/** What a server exposes: its HTTP routes and every procedure with its kind and access rule. */
function inventoryOf(routes: string): string {
  const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
    .map(([path, procedure]) => `${path} ${procedure._def.type} ${describeRule(accessMatrix[path as ProcedurePath])}`)
    .sort();
  return ["# HTTP routes", routes.trimEnd(), "", "# tRPC procedures", ...procedures, ""].join("\n");
}

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

  it("lists no route or procedure named like a debugging aid", () => {
    expect(readFileSync(INVENTORY, "utf8")).not.toMatch(/debug|test|internal|dump|eval|graphql|metrics/i);
  });
});

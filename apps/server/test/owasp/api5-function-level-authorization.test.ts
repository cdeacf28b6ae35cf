/*
 * API5:2023 Broken function-level authorization. The attacker calls every procedure over HTTP:
 * first with no token, then as a customer. The access matrix says who may call what; every
 * procedure it does not open to anyone must refuse the anonymous caller, and every procedure
 * that needs a role or permission must refuse the customer. Rows come from the matrix itself,
 * so a new procedure is covered the moment it is declared there.
 */
import { accessMatrix, appRouter, roleCatalog, type AccessRule, type Permission, type ProcedurePath } from "@seed/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawCall } from "../support/test-server";
import { coveredElsewhere, target, type Account, type Target } from "./attacker";

type ProcedureType = "query" | "mutation" | "subscription";
const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureType } }>;

const entries = Object.entries(accessMatrix) as [ProcedurePath, AccessRule][];
// Subscriptions are only served over sockets; the matrix test calls them there.
const overHttp = entries.filter(([path]) => procedures[path]?._def.type !== "subscription");
const closedToAnonymous = overHttp.filter(([, rule]) => rule.kind !== "anyone");
const customerHolds = new Set<Permission>(roleCatalog.customer.permissions);
function customerMayCall(rule: AccessRule): boolean {
  switch (rule.kind) {
    case "role":
      return rule.anyOf.includes("customer");
    case "permission":
      return rule.anyOf.some((permission) => customerHolds.has(permission));
    case "all-permissions":
      return rule.allOf.every((permission) => customerHolds.has(permission));
    default:
      // Open to every signed-in caller, or decided per object (API1).
      return true;
  }
}
const needsMoreThanACustomer = overHttp.filter(([, rule]) => !customerMayCall(rule));

describe("API5 function-level authorization", () => {
  coveredElsewhere([
    {
      file: "packages/api/test/access-matrix.test.ts",
      tests: ["names every procedure of the router, and nothing else", "for every kind of caller"],
    },
    { file: "apps/server/test/authorization.test.ts", tests: [] },
  ]);

  let app: Target;
  let customer: Account;

  beforeAll(async () => {
    app = await target();
    customer = await app.customer("climber");
  });
  afterAll(() => app?.deployment.destroy());

  /** Calls the procedure with no input: access is checked before the input is. */
  const send = (path: string, token?: string) =>
    rawCall(
      app.server.trpcUrl,
      path,
      procedures[path]?._def.type === "mutation" ? "{}" : undefined,
      token ? { authorization: `Bearer ${token}` } : {},
    );

  it.each(closedToAnonymous)("%s refuses a caller without a token", async (path) => {
    const { status, body } = await send(path);
    expect({ status, code: body.error?.json.data.code }).toEqual({ status: 401, code: "UNAUTHORIZED" });
  });

  it.each(needsMoreThanACustomer)("%s refuses a customer", async (path) => {
    const { status, body } = await send(path, customer.accessToken);
    expect({ status, code: body.error?.json.data.code }).toEqual({ status: 403, code: "FORBIDDEN" });
  });

  it("the customer is still a customer after trying them all", async () => {
    expect((await customer.client.api.auth.me.query()).roles).toEqual(["customer"]);
  });
});

/*
 * API5:2023 Broken function-level authorization. The attacker calls every procedure over HTTP,
 * through /trpc and through its REST route: first with no token, then as a customer. The access matrix says who may call what; every
 * procedure it does not open to anyone must refuse the anonymous caller, and every procedure
 * that needs a permission must refuse the customer. Rows come from the matrix, which is read
 * from the router, so a new procedure is covered the moment it is declared.
 */
import { randomUUID } from "node:crypto";
import { type DeclaredRestRoute, procedureCatalog, type AccessRule } from "@seed/api";
import { type Permission, roleCatalog } from "@seed/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawCall } from "../support/test-server";
import { coveredElsewhere, target, type Account, type Target } from "./attacker";

// Subscriptions are only served over sockets; the matrix test calls them there.
const overHttp = procedureCatalog.filter((procedure) => procedure.type !== "subscription");
const closedToAnonymous = overHttp.filter((procedure) => procedure.access.kind !== "anyone").map(({ path }) => path);
const customerHolds = new Set<Permission>(roleCatalog.customer.permissions);
function customerMayCall(rule: AccessRule): boolean {
  switch (rule.kind) {
    case "permission":
      return rule.anyOf.some((permission) => customerHolds.has(permission));
    default:
      // Open to every signed-in caller, or decided per object (API1).
      return true;
  }
}
const needsMoreThanACustomer = overHttp
  .filter((procedure) => !customerMayCall(procedure.access))
  .map(({ path }) => path);
const typeOf = new Map(overHttp.map((procedure) => [procedure.path as string, procedure.type]));
const restRouteOf = new Map(
  overHttp.flatMap(({ path, restRoute }): [string, DeclaredRestRoute][] => (restRoute ? [[path, restRoute]] : [])),
);
const onRest = (paths: string[]) => paths.filter((path) => restRouteOf.has(path));

describe("API5 function-level authorization", () => {
  coveredElsewhere([
    {
      file: "packages/api/test/access-matrix.test.ts",
      tests: ["has a sample input for every procedure", "for every kind of caller"],
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
      typeOf.get(path) === "mutation" ? "{}" : undefined,
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

  /** Calls the procedure's REST route, any id in its path made up: access is checked before the input is. */
  async function sendRest(path: string, token?: string) {
    const route = restRouteOf.get(path)!;
    const url = `${app.server.baseUrl}/api${route.path.replace(/\{\w+\}/g, () => randomUUID())}`;
    const withBody = route.method !== "GET" && route.method !== "DELETE";
    const response = await fetch(url, {
      method: route.method,
      headers: {
        ...(withBody ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(withBody ? { body: "{}" } : {}),
    });
    return { status: response.status, code: ((await response.json()) as { code?: string }).code };
  }

  it.each(onRest(closedToAnonymous))("%s refuses a caller without a token over REST", async (path) => {
    expect(await sendRest(path)).toEqual({ status: 401, code: "UNAUTHORIZED" });
  });

  it.each(onRest(needsMoreThanACustomer))("%s refuses a customer over REST", async (path) => {
    expect(await sendRest(path, customer.accessToken)).toEqual({ status: 403, code: "FORBIDDEN" });
  });

  it("the customer is still a customer after trying them all", async () => {
    expect((await customer.client.api.auth.me.query()).roles).toEqual(["customer"]);
  });
});

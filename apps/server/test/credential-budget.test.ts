import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { procedureCatalog } from "@seed/api";
import { describe, expect, it } from "vitest";
import { useDeployment } from "./support/test-server";

/**
 * An attacker's notebook: the credential budget (20 a minute per address) is spent with every
 * spelling of a credential route the server accepts, tRPC and REST mixed, hoping that one of them
 * is counted as some other route. Each attempt names the procedure differently; the 21st is
 * refused whatever its spelling.
 */
type Spelling = [method: string, path: string, body: string];

describe("the credential budget, whatever the spelling", () => {
  const deployment = useDeployment("embedded", { env: { TRUST_PROXY: "1", RATE_LIMIT_MAX: "1000" } });
  let nextAddress = 1;

  /** Sends one raw request from an address of its own, spelled exactly as given. */
  function attempt(address: string, method: string, path: string, body: string): Promise<number> {
    const { hostname, port } = new URL(deployment.server.baseUrl);
    return new Promise((resolve, reject) => {
      const req = request({
        host: hostname,
        port,
        method,
        path,
        headers: { "content-type": "application/json", "x-forwarded-for": address },
      });
      req.on("response", (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  // Bodies the procedures refuse before any password is hashed: the limit counts attempts, not outcomes.
  const procedures = [
    { name: "auth.login", rest: "auth/login", trpcBody: { json: { email: "x" } }, restBody: { email: "x" } },
    { name: "auth.register", rest: "auth/register", trpcBody: { json: { email: "x" } }, restBody: { email: "x" } },
    {
      name: "auth.refresh",
      rest: "auth/refresh",
      trpcBody: { json: { refreshToken: "x" } },
      restBody: { refreshToken: "x" },
    },
  ];

  it.each(procedures)(
    "counts every spelling of $name against one budget",
    async ({ name, rest, trpcBody, restBody }) => {
      const address = `198.51.100.${nextAddress++}`;
      const [group, action] = rest.split("/") as [string, string];
      const trpc = (path: string): Spelling => ["POST", `/trpc/${path}`, JSON.stringify(trpcBody)];
      const api = (path: string): Spelling => ["POST", `/api/${path}`, JSON.stringify(restBody)];
      const spellings = [
        trpc(name),
        trpc(name.replace(".", "%2E")),
        trpc(name.replace(".", "%252E")),
        trpc(`${name}?spelling=query`),
        api(rest),
        api(`${rest}/`),
        api(rest.toUpperCase()),
        api(`${group.toUpperCase()}/${action}?spelling=query`),
        api(`./${rest}`),
        api(`elsewhere/../${rest}`),
        api(`%2e/${rest}`),
        api(`${group}\\${action}`),
        api(`${rest}/?spelling=query`),
        api(`${group[0]!.toUpperCase()}${group.slice(1)}/${action}/`),
      ];

      const statuses: number[] = [];
      for (let n = 0; n < 20; n += 1) statuses.push(await attempt(address, ...spellings[n % spellings.length]!));
      expect(statuses).not.toContain(429);
      expect(statuses).not.toContain(404);

      for (const spelling of spellings) expect(await attempt(address, ...spelling)).toBe(429);
      // Another address keeps its own budget: the limit keys on who calls, not on everyone.
      expect(await attempt(`203.0.113.${nextAddress++}`, ...spellings[0]!)).not.toBe(429);
    },
  );

  it("shares the budget between credential procedures, and leaves other procedures to the general one", async () => {
    const address = `198.51.100.${nextAddress++}`;
    for (let n = 0; n < 20; n += 1) {
      const { rest, restBody } = procedures[n % procedures.length]!;
      expect(await attempt(address, "POST", `/api/${rest}`, JSON.stringify(restBody))).not.toBe(429);
    }
    expect(await attempt(address, "POST", "/trpc/auth.login", JSON.stringify(procedures[0]!.trpcBody))).toBe(429);
    expect(await attempt(address, "POST", "/api/auth/logout", JSON.stringify({ refreshToken: "x" }))).not.toBe(429);
  });

  it("holds every credential procedure's REST route to the one budget, from the router's meta", async () => {
    const address = `198.51.100.${nextAddress++}`;
    for (let n = 0; n < 20; n += 1) {
      expect(await attempt(address, "POST", "/trpc/auth.login", JSON.stringify(procedures[0]!.trpcBody))).not.toBe(429);
    }
    const credentialRoutes = procedureCatalog.flatMap(({ credential, restRoute }) =>
      credential && restRoute ? [restRoute] : [],
    );
    expect(credentialRoutes.length).toBeGreaterThan(procedures.length);
    for (const route of credentialRoutes) {
      const path = `/api${route.path.replace(/\{\w+\}/g, () => randomUUID())}`;
      expect(await attempt(address, route.method, path, "{}"), `${route.method} ${route.path}`).toBe(429);
    }
  });

  it("does not count spellings that reach no procedure, which are refused anyway", async () => {
    const address = `198.51.100.${nextAddress++}`;
    for (const path of ["/api//auth/login", "/api/auth/log%69n", "/API/auth/login", "/trpc/auth.login/"]) {
      expect(await attempt(address, "POST", path, "{}")).toBe(404);
    }
  });
});

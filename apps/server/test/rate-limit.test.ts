import { describe, expect, it } from "vitest";
import { availableBackends, rawCall, uniqueEmail, useDeployment } from "./support/test-server";

const loginBody = (email: string) => JSON.stringify({ json: { email, password: "not the password" } });

describe.each(availableBackends())("rate limits on %s", (backend) => {
  const deployment = useDeployment(backend, { instances: [], env: { AUTH_RATE_LIMIT_MAX: "3", RATE_LIMIT_MAX: "50" } });

  it("stops password guessing after the credential budget with TOO_MANY_REQUESTS", async () => {
    const server = await deployment.start();
    const email = uniqueEmail("guess");
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      statuses.push((await rawCall(server.trpcUrl, "auth.login", loginBody(email))).status);
    }
    const refused = await rawCall(server.trpcUrl, "auth.login", loginBody(email));
    expect(statuses).toEqual([401, 401, 401]);
    expect(refused.status).toBe(429);
    expect(refused.body.error?.json.data).toMatchObject({ code: "TOO_MANY_REQUESTS", httpStatus: 429 });

    // Hiding the login inside a batch does not escape the budget.
    const batched = await rawCall(
      server.trpcUrl,
      "health.check,auth.login?batch=1",
      JSON.stringify({ 0: { json: null }, 1: { json: { email, password: "x" } } }),
    );
    expect(batched.status).toBe(429);

    // Other procedures keep their own, larger budget.
    expect((await rawCall(server.trpcUrl, "health.check", undefined)).status).toBe(200);
    await server.stop();
  });

  it("never limits the health probes", async () => {
    const server = await deployment.start({ RATE_LIMIT_MAX: "2" });
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () => fetch(`${server.baseUrl}/healthz`).then((r) => r.status)),
    );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    await server.stop();
  });
});

describe.skipIf(!availableBackends().includes("postgres+redis"))("rate limits across instances", () => {
  const deployment = useDeployment("postgres+redis", { instances: [], env: { AUTH_RATE_LIMIT_MAX: "4" } });

  it("share one budget through Redis, so a second instance does not double it", async () => {
    const [a, b] = await Promise.all([deployment.start(), deployment.start()]);
    const email = uniqueEmail("spread");
    const statuses: number[] = [];
    for (const server of [a, b, a, b, a, b]) {
      statuses.push((await rawCall(server.trpcUrl, "auth.login", loginBody(email))).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });
});

import { refreshSessions, securityEvents } from "@seed/db";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accountIdOf, availableBackends, uniqueEmail, useDeployment } from "./support/test-server";
import { refusalOf } from "./support/refusal";

const password = "a long passphrase";

/** An attacker guesses one account's password; the lock-out must stop them, and only them. */
describe.each(availableBackends())("password guessing on %s", (backend) => {
  // The per-address request limit is set high: this file tests the per-account lock-out.
  const deployment = useDeployment(backend, { instances: ["a", "b"], env: { AUTH_RATE_LIMIT_MAX: "1000" } });

  it("locks the account out after five wrong passwords, even against the right one", async () => {
    const { a, b } = deployment;
    const email = uniqueEmail("target");
    await a.client().api.auth.register.mutate({ email, password });

    // On Redis the guesses alternate between instances and still add up; the embedded default
    // is one instance by nature.
    for (let guess = 0; guess < 5; guess += 1) {
      const server = backend === "postgres+redis" && guess % 2 === 1 ? b : a;
      expect((await refusalOf(server.client().api.auth.login.mutate({ email, password: `guess ${guess}` }))).code).toBe(
        "UNAUTHORIZED",
      );
    }
    const locked = await refusalOf(a.client().api.auth.login.mutate({ email, password }));
    expect(locked.code).toBe("TOO_MANY_REQUESTS");
    expect(locked.message).toMatch(/^Too many failed sign-ins; try again in \d+ s$/);
    if (backend === "postgres+redis") {
      expect((await refusalOf(b.client().api.auth.login.mutate({ email, password }))).code).toBe("TOO_MANY_REQUESTS");
    }
  });

  it("gives thirty guesses fired at once no more tries than five in a row, and then refuses the right password", async () => {
    const { a, b } = deployment;
    const email = uniqueEmail("burst");
    await a.client().api.auth.register.mutate({ email, password });
    const userId = await accountIdOf(deployment, email);

    // Every guess is its own request, all sent before any is answered; on Redis they are shared
    // out between the instances.
    const guesses = Array.from({ length: 30 }, (_, guess) => {
      const server = backend === "postgres+redis" && guess % 2 === 1 ? b : a;
      return refusalOf(server.client().api.auth.login.mutate({ email, password: `guess ${guess}` }));
    });
    const codes = (await Promise.all(guesses)).map(({ code }) => code);
    expect(codes.filter((code) => code === "UNAUTHORIZED")).toHaveLength(5);
    expect(codes.filter((code) => code === "TOO_MANY_REQUESTS")).toHaveLength(25);

    expect((await refusalOf(a.client().api.auth.login.mutate({ email, password }))).code).toBe("TOO_MANY_REQUESTS");
    const { db } = deployment.database.connection;
    expect(await db.select().from(refreshSessions).where(eq(refreshSessions.userId, userId))).toEqual([]);
    const failures = await db
      .select()
      .from(securityEvents)
      .where(and(eq(securityEvents.type, "login_failed"), eq(securityEvents.userId, userId)));
    expect(failures).toHaveLength(5);
  });

  it("does not let a stranger's failures lock the owner out from elsewhere", async () => {
    const { a } = deployment;
    const proxied = await deployment.start({ TRUST_PROXY: "1", AUTH_RATE_LIMIT_MAX: "1000" });
    const email = uniqueEmail("owner-elsewhere");
    await a.client().api.auth.register.mutate({ email, password });
    const from = (ip: string) =>
      proxied.client({
        fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, "x-forwarded-for": ip } }),
      });
    for (let guess = 0; guess < 5; guess += 1) {
      await refusalOf(from("198.51.100.66").api.auth.login.mutate({ email, password: `guess ${guess}` }));
    }
    expect((await refusalOf(from("198.51.100.66").api.auth.login.mutate({ email, password }))).code).toBe(
      "TOO_MANY_REQUESTS",
    );
    await expect(from("203.0.113.10").api.auth.login.mutate({ email, password })).resolves.toMatchObject({
      status: "signed-in",
    });
    await proxied.stop();
  });

  it("leaves other accounts alone", async () => {
    const { a } = deployment;
    const target = uniqueEmail("locked");
    const bystander = uniqueEmail("bystander");
    await a.client().api.auth.register.mutate({ email: target, password });
    await a.client().api.auth.register.mutate({ email: bystander, password });
    for (let guess = 0; guess < 5; guess += 1) {
      await refusalOf(a.client().api.auth.login.mutate({ email: target, password: `guess ${guess}` }));
    }
    await expect(a.client().api.auth.login.mutate({ email: bystander, password })).resolves.toMatchObject({
      user: { email: bystander },
    });
  });

  it("forgets earlier failures once the owner signs in", async () => {
    const { a } = deployment;
    const email = uniqueEmail("owner");
    await a.client().api.auth.register.mutate({ email, password });
    for (let guess = 0; guess < 4; guess += 1) {
      await refusalOf(a.client().api.auth.login.mutate({ email, password: `typo ${guess}` }));
    }
    await a.client().api.auth.login.mutate({ email, password });
    for (let guess = 0; guess < 4; guess += 1) {
      expect((await refusalOf(a.client().api.auth.login.mutate({ email, password: `typo ${guess}` }))).code).toBe(
        "UNAUTHORIZED",
      );
    }
  });

  it.each(["password123", "Qwertyuiop", "iloveyou1"])(
    "refuses %s as a new password for being too common, and creates no account",
    async (common) => {
      const { a } = deployment;
      const email = uniqueEmail("common");
      const refused = await refusalOf(a.client().api.auth.register.mutate({ email, password: common }));
      expect(refused.code).toBe("BAD_REQUEST");
      expect(refused.message).toBe("Invalid input: password: This password is too common; choose another");
      expect((await refusalOf(a.client().api.auth.login.mutate({ email, password: common }))).code).toBe(
        "UNAUTHORIZED",
      );
    },
  );
});

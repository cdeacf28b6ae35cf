import type { Client } from "@seed/client";
import { describe, expect, it, vi } from "vitest";
import { tokensOf, uniqueEmail, useDeployment, type TestServer } from "./support/test-server";
import { codeOf } from "./support/refusal";
import { runCli } from "./support/run-script";

const password = "a long passphrase";
const adminEmail = uniqueEmail("root");
const adminPassword = "the very first admin password";

/**
 * Each instance remembers the sessions it found live; what ends or changes a session on one
 * instance must reach the other's memory, not wait for it to expire.
 */
describe.runIf(process.env.DATABASE_URL && process.env.REDIS_URL)("sessions across two instances", () => {
  const deployment = useDeployment("postgres+redis", {
    instances: ["here", "there"],
    env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword, AUTH_RATE_LIMIT_MAX: "1000" },
  });

  async function signIn(email: string, secret = password) {
    const session = tokensOf(await deployment.here.client().api.auth.login.mutate({ email, password: secret }));
    const on = (server: TestServer): Client => server.client({ getAccessToken: () => session.accessToken });
    return {
      email,
      userId: session.user.id,
      refreshToken: session.refreshToken,
      here: on(deployment.here),
      there: on(deployment.there),
    };
  }

  async function newUser(label: string) {
    const email = uniqueEmail(label);
    await deployment.here.client().api.auth.register.mutate({ email, password });
    return signIn(email);
  }

  it("refuses a signed-out session at once where it ended, and on the other instance", async () => {
    const user = await newUser("signs-out");
    // Both instances have now found the session live and remember it.
    await expect(user.here.api.auth.me.query()).resolves.toMatchObject({ id: user.userId });
    await expect(user.there.api.auth.me.query()).resolves.toMatchObject({ id: user.userId });

    await user.here.api.auth.logout.mutate({ refreshToken: user.refreshToken });
    expect(await codeOf(user.here.api.auth.me.query())).toBe("UNAUTHORIZED");
    await vi.waitFor(async () => expect(await codeOf(user.there.api.auth.me.query())).toBe("UNAUTHORIZED"));
  });

  it("refuses every session of a user an admin signed out everywhere", async () => {
    const admin = await signIn(adminEmail, adminPassword);
    const user = await newUser("signed-out-by-admin");
    const second = await signIn(user.email);
    await expect(second.there.api.auth.me.query()).resolves.toBeDefined();

    await admin.here.api.admin.users.revokeSessions.mutate({ userId: user.userId });
    for (const client of [user.here, second.here])
      expect(await codeOf(client.api.auth.me.query())).toBe("UNAUTHORIZED");
    await vi.waitFor(async () => {
      for (const client of [user.there, second.there]) {
        expect(await codeOf(client.api.auth.me.query())).toBe("UNAUTHORIZED");
      }
    });
  });

  it("applies a role taken away on one instance to the other's remembered session", async () => {
    const admin = await signIn(adminEmail, adminPassword);
    const manager = await newUser("manager");
    await admin.here.api.admin.roles.assign.mutate({ userId: manager.userId, role: "manager" });
    await expect(manager.there.api.admin.users.list.query({ limit: 1 })).resolves.toBeDefined();

    await admin.here.api.admin.roles.remove.mutate({ userId: manager.userId, role: "manager" });
    await vi.waitFor(async () =>
      expect(await codeOf(manager.there.api.admin.users.list.query({ limit: 1 }))).toBe("FORBIDDEN"),
    );
  });

  const atConsole = (command: string, email: string) => runCli([command, email], deployment.env);

  it("refuses, on every instance, the sessions of a user signed out at the console", async () => {
    const user = await newUser("signed-out-at-console");
    await expect(user.here.api.auth.me.query()).resolves.toBeDefined();
    await expect(user.there.api.auth.me.query()).resolves.toBeDefined();

    expect(await atConsole("revoke-sessions", user.email)).toMatchObject({
      code: 0,
      stdout: `Revoked 1 session of ${user.email}.\n`,
    });
    await vi.waitFor(async () => {
      for (const client of [user.here, user.there]) {
        expect(await codeOf(client.api.auth.me.query())).toBe("UNAUTHORIZED");
      }
    });
  });

  it("gives a signed-in user made an admin at the console their access at once", async () => {
    const user = await newUser("made-admin-at-console");
    expect(await codeOf(user.there.api.admin.users.list.query({ limit: 1 }))).toBe("FORBIDDEN");

    expect(await atConsole("create-admin", user.email)).toMatchObject({
      code: 0,
      stdout: `${user.email} is now an admin.\n`,
    });
    await vi.waitFor(() => expect(user.there.api.admin.users.list.query({ limit: 1 })).resolves.toBeDefined());
  });
});

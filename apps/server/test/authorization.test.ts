import { type TRPCClientError, type Client } from "@seed/client";
import { beforeAll, describe, expect, it } from "vitest";
import { availableBackends, tokensOf, uniqueEmail, useDeployment } from "./support/test-server";
import { codeOf } from "./support/refusal";

const password = "a long passphrase";
const adminEmail = uniqueEmail("root");
const adminPassword = "the very first admin password";

describe.each(availableBackends())("authorization over HTTP on %s", (backend) => {
  // This file signs in dozens of times; the credential limit has its own tests.
  const deployment = useDeployment(backend, {
    env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword, AUTH_RATE_LIMIT_MAX: "1000" },
  });
  let admin: Client;

  async function signIn(email: string, secret = password): Promise<Client & { userId: string }> {
    const session = tokensOf(await deployment.server.client().api.auth.login.mutate({ email, password: secret }));
    return Object.assign(deployment.server.client({ getAccessToken: () => session.accessToken }), {
      userId: session.user.id,
    });
  }

  async function newUser(label: string): Promise<Client & { userId: string; email: string }> {
    const email = uniqueEmail(label);
    await deployment.server.client().api.auth.register.mutate({ email, password });
    return Object.assign(await signIn(email), { email });
  }

  beforeAll(async () => {
    admin = await signIn(adminEmail, adminPassword);
  });

  it("creates the first admin from ADMIN_EMAIL and ADMIN_PASSWORD", async () => {
    const me = await admin.api.auth.me.query();
    expect(me).toMatchObject({ email: adminEmail, roles: ["admin"] });
    expect(me.permissions).toContain("role:assign");
  });

  it("takes a removed role away on the very next request", async () => {
    const manager = await newUser("manager");
    await admin.api.admin.roles.assign.mutate({ userId: manager.userId, role: "manager" });
    await expect(manager.api.admin.users.list.query({ limit: 1 })).resolves.toBeDefined();

    await admin.api.admin.roles.remove.mutate({ userId: manager.userId, role: "manager" });
    expect(await codeOf(manager.api.admin.users.list.query({ limit: 1 }))).toBe("FORBIDDEN");
  });

  it("ends a temporary grant the moment it expires", async () => {
    const auditor = await newUser("auditor");
    const expiresAt = new Date(Date.now() + 1_500);
    await admin.api.admin.permissions.grant.mutate({
      userId: auditor.userId,
      permission: "audit:read",
      expiresAt,
      reason: "quarterly review",
    });
    await expect(auditor.api.admin.audit.list.query({ limit: 1 })).resolves.toBeDefined();

    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 50));
    expect(await codeOf(auditor.api.admin.audit.list.query({ limit: 1 }))).toBe("FORBIDDEN");
  });

  it("lets nobody hand out what they do not hold", async () => {
    const delegate = await newUser("delegate");
    const target = await newUser("target");
    await admin.api.admin.permissions.grant.mutate({
      userId: delegate.userId,
      permission: "role:assign",
      reason: "helps with onboarding",
    });
    await admin.api.admin.permissions.grant.mutate({
      userId: delegate.userId,
      permission: "permission:grant",
      reason: "helps with onboarding",
    });

    expect(await codeOf(delegate.api.admin.roles.assign.mutate({ userId: delegate.userId, role: "admin" }))).toBe(
      "FORBIDDEN",
    );
    expect(await codeOf(delegate.api.admin.roles.assign.mutate({ userId: target.userId, role: "manager" }))).toBe(
      "FORBIDDEN",
    );
    expect(
      await codeOf(
        delegate.api.admin.permissions.grant.mutate({
          userId: delegate.userId,
          permission: "audit:read",
          reason: "curious",
        }),
      ),
    ).toBe("FORBIDDEN");

    const delegateAfter = await admin.api.admin.users.get.query({ userId: delegate.userId });
    expect(delegateAfter.roles).toEqual(["customer"]);
    expect(delegateAfter.grants.map((grant) => grant.permission)).toEqual(["permission:grant", "role:assign"]);
    expect((await admin.api.admin.users.get.query({ userId: target.userId })).roles).toEqual(["customer"]);
  });

  it("refuses to remove the last admin, and allows it once another exists", async () => {
    const adminId = (await admin.api.auth.me.query()).id;
    const error = await admin.api.admin.roles.remove
      .mutate({ userId: adminId, role: "admin" })
      .catch((caught: unknown) => caught);
    expect((error as TRPCClientError<never>).data).toMatchObject({ code: "CONFLICT" });
    expect((error as Error).message).toBe("The last admin cannot be removed");
    expect((await admin.api.auth.me.query()).roles).toEqual(["admin"]);

    const second = await newUser("second-admin");
    await admin.api.admin.roles.assign.mutate({ userId: second.userId, role: "admin" });
    await second.api.admin.roles.remove.mutate({ userId: second.userId, role: "admin" });
    expect((await admin.api.admin.users.get.query({ userId: second.userId })).roles).toEqual(["customer"]);
  });

  it("writes an audit row for each change, with who, from where and what changed", async () => {
    const subject = await newUser("audited");
    await admin.api.admin.roles.assign.mutate({ userId: subject.userId, role: "manager" });
    const adminId = (await admin.api.auth.me.query()).id;

    const { items } = await admin.api.admin.audit.list.query({ resource: "user", resourceId: subject.userId });
    const actions = items.map((entry) => entry.action);
    expect(actions).toEqual(["role.assign", "user.create"]);
    expect(items[0]).toMatchObject({
      actorId: adminId,
      after: { role: "manager" },
      ip: "127.0.0.1",
    });
    expect(items[0]!.requestId).toEqual(expect.any(String));
    expect(items[0]!.at).toBeInstanceOf(Date);
  });

  it("pages through the audit trail without gaps or repeats", async () => {
    const first = await admin.api.admin.audit.list.query({ limit: 3 });
    const second = await admin.api.admin.audit.list.query({ limit: 3, cursor: first.nextCursor! });
    const both = await admin.api.admin.audit.list.query({ limit: 6 });
    expect([...first.items, ...second.items].map((entry) => entry.id)).toEqual(both.items.map((entry) => entry.id));
  });

  it("records a denied call as a security event that an admin can read", async () => {
    const intruder = await newUser("intruder");
    expect(await codeOf(intruder.api.admin.users.list.query({}))).toBe("FORBIDDEN");
    const { items } = await admin.api.admin.securityEvents.list.query({
      type: "access_denied",
      userId: intruder.userId,
    });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: "access_denied", ip: "127.0.0.1", details: { path: "admin.users.list" } });
  });

  it("finds users by part of their email, in pages", async () => {
    const tag = `find-${Date.now()}`;
    for (const n of [1, 2, 3]) {
      await deployment.server.client().api.auth.register.mutate({ email: `${tag}-${n}@example.com`, password });
    }
    const page = await admin.api.admin.users.list.query({ search: tag, limit: 2 });
    const rest = await admin.api.admin.users.list.query({ search: tag, limit: 2, cursor: page.nextCursor! });
    expect([...page.items, ...rest.items].map((user) => user.email)).toEqual(
      [1, 2, 3].map((n) => `${tag}-${n}@example.com`),
    );
    expect(rest.nextCursor).toBeNull();
    expect(page.items[0]).toMatchObject({ roles: ["customer"] });
    expect(page.items[0]).not.toHaveProperty("passwordHash");
  });

  it("refuses bad admin input with BAD_REQUEST and changes nothing", async () => {
    const subject = await newUser("unchanged");
    const before = await admin.api.admin.users.get.query({ userId: subject.userId });
    expect(
      await codeOf(
        admin.api.admin.permissions.grant.mutate({
          userId: subject.userId,
          permission: "audit:read",
          expiresAt: new Date(Date.now() - 1000),
          reason: "already over",
        }),
      ),
    ).toBe("BAD_REQUEST");
    expect(
      await codeOf(admin.api.admin.roles.assign.mutate({ userId: subject.userId, role: "superuser" as never })),
    ).toBe("BAD_REQUEST");
    expect(await codeOf(admin.api.admin.users.list.query({ limit: 10_000 }))).toBe("BAD_REQUEST");
    expect(await codeOf(admin.api.admin.users.get.query({ userId: "not-a-uuid" }))).toBe("BAD_REQUEST");
    expect(await codeOf(admin.api.admin.users.get.query({ userId: crypto.randomUUID() }))).toBe("NOT_FOUND");
    expect(await admin.api.admin.users.get.query({ userId: subject.userId })).toEqual(before);
  });

  describe("sessions", () => {
    it("lists a user's own sessions with the current one marked, and revokes one of them", async () => {
      const user = await newUser("sessions");
      const other = await signIn(user.email);
      const sessions = await user.api.auth.sessions.list.query();
      expect(sessions).toHaveLength(2);
      expect(sessions.filter((session) => session.current)).toHaveLength(1);
      const otherSession = sessions.find((session) => !session.current)!;

      await user.api.auth.sessions.revoke.mutate({ sessionId: otherSession.id });
      expect(await codeOf(other.api.auth.me.query())).toBe("UNAUTHORIZED");
      await expect(user.api.auth.me.query()).resolves.toBeDefined();
    });

    it("answers another user's session id as if it did not exist", async () => {
      const owner = await newUser("owner");
      const stranger = await newUser("stranger");
      const [ownerSession] = await owner.api.auth.sessions.list.query();
      expect(await codeOf(stranger.api.auth.sessions.revoke.mutate({ sessionId: ownerSession!.id }))).toBe("NOT_FOUND");
      await expect(owner.api.auth.me.query()).resolves.toBeDefined();
    });

    it("lets an admin sign a user out everywhere", async () => {
      const user = await newUser("everywhere");
      const second = await signIn(user.email);
      expect(await admin.api.admin.users.revokeSessions.mutate({ userId: user.userId })).toEqual({ revoked: 2 });
      expect(await codeOf(user.api.auth.me.query())).toBe("UNAUTHORIZED");
      expect(await codeOf(second.api.auth.me.query())).toBe("UNAUTHORIZED");
    });
  });
});

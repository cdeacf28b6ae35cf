/*
 * Managing users as an administrator, over HTTP and WebSockets, on two instances sharing
 * Postgres and Redis: what a disable must end at once, and what the REST routes answer.
 */
import { mailOutbox } from "@seed/db";
import { desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { codeOf } from "./support/refusal";
import { subscribeToSessionEvents } from "./support/session-events";
import { tokensOf, uniqueEmail, useDeployment, type TestServer } from "./support/test-server";

const password = "a long passphrase";
const adminEmail = uniqueEmail("root");
const adminPassword = "the very first admin password";

describe.runIf(process.env.DATABASE_URL && process.env.REDIS_URL)("managing users", () => {
  const deployment = useDeployment("postgres+redis", {
    instances: ["here", "there"],
    env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword, AUTH_RATE_LIMIT_MAX: "1000" },
  });
  const db = () => deployment.database.connection.db;

  async function signIn(email: string, secret = password, server: TestServer = deployment.here) {
    const session = tokensOf(await server.client().api.auth.login.mutate({ email, password: secret }));
    const on = (instance: TestServer) => instance.client({ getAccessToken: () => session.accessToken });
    return { email, session, userId: session.user.id, here: on(deployment.here), there: on(deployment.there) };
  }

  async function newUser(label: string) {
    const email = uniqueEmail(label);
    await deployment.here.client().api.auth.register.mutate({ email, password });
    return signIn(email);
  }

  const rest = (path: string, accessToken: string, init: RequestInit = {}) =>
    fetch(`${deployment.here.baseUrl}/api${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${accessToken}`,
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      },
    });

  it("ends a disabled user's live subscription on the other instance, and refuses their refresh, sign-in and API key", async () => {
    const admin = await signIn(adminEmail, adminPassword);
    const user = await newUser("disabled");
    const { key } = await user.here.api.apiKeys.create.mutate({ name: "script", scopes: ["order:create"] });
    const holding = deployment.there.client({ getAccessToken: () => key }).api;
    await expect(holding.orders.list.query({})).resolves.toBeDefined();
    const events = subscribeToSessionEvents(user.there);
    await events.started;

    await admin.here.api.admin.users.disable.mutate({ userId: user.userId });

    expect((await events.failed).data).toMatchObject({ code: "UNAUTHORIZED" });
    expect(await codeOf(user.there.api.auth.me.query())).toBe("UNAUTHORIZED");
    expect(
      await codeOf(deployment.there.client().api.auth.refresh.mutate({ refreshToken: user.session.refreshToken })),
    ).toBe("UNAUTHORIZED");
    expect(await codeOf(holding.orders.list.query({}))).toBe("UNAUTHORIZED");
    expect(await codeOf(deployment.there.client().api.auth.login.mutate({ email: user.email, password }))).toBe(
      "FORBIDDEN",
    );

    await admin.here.api.admin.users.enable.mutate({ userId: user.userId });
    await expect(holding.orders.list.query({})).resolves.toBeDefined();
    await signIn(user.email, password, deployment.there);
  });

  it("creates a user over REST with 201 and a Location, invites them again, and deletes one with 204", async () => {
    const admin = await signIn(adminEmail, adminPassword);
    const email = uniqueEmail("invited");
    const created = await rest("/admin/users", admin.session.accessToken, {
      method: "POST",
      body: JSON.stringify({ email, roles: ["customer"] }),
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; email: string };
    expect(body.email).toBe(email);
    expect(created.headers.get("location")).toBe(`/api/admin/users/${body.id}`);
    const resent = await rest(`/admin/users/${body.id}/invitation`, admin.session.accessToken, {
      method: "POST",
      body: "{}",
    });
    expect(resent.status).toBe(200);
    expect(await resent.json()).toEqual({ id: body.id, email });

    const [mail] = await db().select().from(mailOutbox).where(eq(mailOutbox.to, email)).orderBy(desc(mailOutbox.id));
    const token = /accept-invitation\?token=([\w-]+)/.exec(mail!.text)?.[1];
    await deployment.here.client().api.auth.password.acceptInvitation.mutate({ token: token!, password });
    await signIn(email);
    const setUp = await rest(`/admin/users/${body.id}/invitation`, admin.session.accessToken, {
      method: "POST",
      body: "{}",
    });
    expect(setUp.status).toBe(409);

    const deleted = await rest(`/admin/users/${body.id}`, admin.session.accessToken, { method: "DELETE" });
    expect(deleted.status).toBe(204);
    expect(await codeOf(deployment.here.client().api.auth.login.mutate({ email, password }))).toBe("UNAUTHORIZED");
    const again = await rest(`/admin/users/${body.id}`, admin.session.accessToken, { method: "DELETE" });
    expect(again.status).toBe(404);
  });

  it("refuses a duplicate address with 409 and a malformed one with 422", async () => {
    const admin = await signIn(adminEmail, adminPassword);
    const post = (email: string) =>
      rest("/admin/users", admin.session.accessToken, { method: "POST", body: JSON.stringify({ email }) });
    expect((await post(adminEmail)).status).toBe(409);
    expect((await post("not-an-address")).status).toBe(422);
  });

  it("refuses non-admins with 403 on every route", async () => {
    const customer = await newUser("customer");
    const target = await newUser("target");
    const token = customer.session.accessToken;
    const answers = await Promise.all([
      rest("/admin/users", token, { method: "POST", body: JSON.stringify({ email: uniqueEmail("x") }) }),
      rest(`/admin/users/${target.userId}/invitation`, token, { method: "POST", body: "{}" }),
      rest(`/admin/users/${target.userId}/disable`, token, { method: "POST", body: "{}" }),
      rest(`/admin/users/${target.userId}/enable`, token, { method: "POST", body: "{}" }),
      rest(`/admin/users/${target.userId}/mfa`, token, { method: "DELETE" }),
      rest(`/admin/users/${target.userId}`, token, { method: "DELETE" }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([403, 403, 403, 403, 403, 403]);
    await expect(target.here.api.auth.me.query()).resolves.toMatchObject({ id: target.userId });
  });

  it("keeps the last enabled admin: 409 to disable or delete them, 403 to disable oneself", async () => {
    const admin = await signIn(adminEmail, adminPassword);
    const operator = await newUser("operator");
    for (const permission of ["user:disable", "user:delete"] as const) {
      await admin.here.api.admin.permissions.grant.mutate({ userId: operator.userId, permission, reason: "on call" });
    }
    const token = operator.session.accessToken;
    expect((await rest(`/admin/users/${admin.userId}/disable`, token, { method: "POST", body: "{}" })).status).toBe(
      409,
    );
    expect((await rest(`/admin/users/${admin.userId}`, token, { method: "DELETE" })).status).toBe(409);
    expect(
      (await rest(`/admin/users/${admin.userId}/disable`, admin.session.accessToken, { method: "POST", body: "{}" }))
        .status,
    ).toBe(403);
    await expect(admin.here.api.auth.me.query()).resolves.toMatchObject({ id: admin.userId });
  });
});

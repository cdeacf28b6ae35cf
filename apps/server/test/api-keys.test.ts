/*
 * Personal API keys, attacked the ways a thief of one, or its greedy owner, would try: from two
 * instances sharing Postgres and Redis, as a deployment runs them.
 */
import type { Client } from "@seed/client";
import { apiKeys, auditLog, securityEvents } from "@seed/db";
import { and, eq, sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { refusalOf, codeOf } from "./support/refusal";
import { rawCall, tokensOf, uniqueEmail, useDeployment, type TestServer } from "./support/test-server";

const password = "a long passphrase";
const adminEmail = uniqueEmail("root");
const adminPassword = "the very first admin password";

describe.runIf(process.env.DATABASE_URL && process.env.REDIS_URL)("personal API keys", () => {
  const deployment = useDeployment("postgres+redis", {
    instances: ["here", "there"],
    env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword, AUTH_RATE_LIMIT_MAX: "1000" },
  });
  const db = () => deployment.database.connection.db;

  async function signIn(email: string, secret = password) {
    const session = tokensOf(await deployment.here.client().api.auth.login.mutate({ email, password: secret }));
    return {
      email,
      userId: session.user.id,
      /** The signed-in person, on the first instance. */
      api: deployment.here.client({ getAccessToken: () => session.accessToken }).api,
    };
  }

  async function newUser(label: string) {
    const email = uniqueEmail(label);
    await deployment.here.client().api.auth.register.mutate({ email, password });
    return signIn(email);
  }

  /** A client of `server` that presents `key` as its bearer credential. */
  const holding = (server: TestServer, key: string): Client["api"] => server.client({ getAccessToken: () => key }).api;

  const rest = (server: TestServer, path: string, init: RequestInit = {}) =>
    fetch(`${server.baseUrl}/api${path}`, init);

  async function keyOf(
    user: Awaited<ReturnType<typeof signIn>>,
    input: Partial<Parameters<Client["api"]["apiKeys"]["create"]["mutate"]>[0]> = {},
  ) {
    return user.api.apiKeys.create.mutate({ name: "deploy script", scopes: ["order:create"], ...input });
  }

  it("shows a new key once, with a recognisable prefix, and serves it on tRPC and REST with its scopes only", async () => {
    const user = await newUser("scripter");
    const created = await keyOf(user);
    expect(created.key).toMatch(/^seed_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);

    const listed = await user.api.apiKeys.list.query();
    expect(listed).toEqual([
      expect.objectContaining({ id: created.id, prefix: created.prefix, scopes: ["order:create"] }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.key.slice(created.prefix.length + 1));
    const [stored] = await db().select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(JSON.stringify(stored)).not.toContain(created.key.slice(created.prefix.length + 1));

    await expect(holding(deployment.there, created.key).auth.me.query()).resolves.toMatchObject({
      id: user.userId,
      permissions: ["order:create"],
    });
    const profile = await rest(deployment.here, "/users/me", { headers: { authorization: `Bearer ${created.key}` } });
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ id: user.userId });
  });

  it("refuses at creation a scope its owner does not hold, and creates nothing", async () => {
    const user = await newUser("greedy");
    expect(await refusalOf(keyOf(user, { scopes: ["order:create", "user:read:any"] }))).toEqual({
      code: "FORBIDDEN",
      message: "A key cannot have user:read:any: you do not hold it",
    });
    expect(await user.api.apiKeys.list.query()).toEqual([]);
  });

  it("refuses a lifetime beyond the server's maximum and metadata past its size", async () => {
    const user = await newUser("forever");
    expect(await codeOf(keyOf(user, { expiresInDays: 3650 }))).toBe("BAD_REQUEST");
    expect(
      await codeOf(
        keyOf(user, {
          metadata: {
            notes: "x".repeat(500),
            more: "y".repeat(500),
            many: "z".repeat(500),
            most: "w".repeat(500),
            all: "v".repeat(500),
          },
        }),
      ),
    ).toBe("BAD_REQUEST");
    await expect(keyOf(user, { metadata: { ticket: "OPS-12", owner: "ci" } })).resolves.toMatchObject({
      metadata: { ticket: "OPS-12", owner: "ci" },
    });
  });

  it("cannot sign in, change credentials, make, list or revoke keys, end sessions or subscribe", async () => {
    const user = await newUser("stolen-key");
    const { key, id } = await keyOf(user);
    const thief = holding(deployment.here, key);

    // One at a time, so that each is a call of its own rather than part of a batch.
    const attempts: [string, () => Promise<unknown>][] = [
      ["apiKeys.create", () => thief.apiKeys.create.mutate({ name: "mine now", scopes: ["order:create"] })],
      ["apiKeys.list", () => thief.apiKeys.list.query()],
      ["apiKeys.revoke", () => thief.apiKeys.revoke.mutate({ keyId: id })],
      ["auth.login", () => thief.auth.login.mutate({ email: user.email, password })],
      ["auth.refresh", () => thief.auth.refresh.mutate({ refreshToken: "A".repeat(43) })],
      ["auth.mfa.enroll", () => thief.auth.mfa.enroll.mutate()],
      ["auth.sessions.list", () => thief.auth.sessions.list.query()],
      ["auth.sessions.revokeAll", () => thief.auth.sessions.revokeAll.mutate()],
      ["users.changeEmail", () => thief.users.changeEmail.mutate({ newEmail: uniqueEmail("thief"), password })],
      ["users.deleteAccount", () => thief.users.deleteAccount.mutate({ password })],
    ];
    for (const [path, attempt] of attempts) {
      expect({ path, ...(await refusalOf(attempt())) }).toEqual({
        path,
        code: "FORBIDDEN",
        message: "API keys cannot be used for this; sign in to do it",
      });
    }
    const overRest = await rest(deployment.here, "/api-keys", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "mine now", scopes: ["order:create"] }),
    });
    expect(overRest.status).toBe(403);

    const subscription = await new Promise<string>((resolve) => {
      const stop = holding(deployment.here, key).auth.onSessionEvent.subscribe(undefined, {
        onError: (error) => {
          resolve((error.data as { code: string }).code);
          stop.unsubscribe();
        },
      });
    });
    // A socket carries its credential in the connection parameters, where no key is accepted.
    expect(subscription).toBe("UNAUTHORIZED");

    // Nothing changed: the owner still has their one key and can sign in.
    expect((await user.api.apiKeys.list.query()).map((listed) => listed.id)).toEqual([id]);
    await expect(signIn(user.email)).resolves.toBeDefined();
  });

  it("refuses a revoked key on the next request, on this instance and on the other", async () => {
    const user = await newUser("revokes");
    const { key, id } = await keyOf(user);
    const [here, there] = [holding(deployment.here, key), holding(deployment.there, key)];
    // Both instances now have the key in their cache.
    await expect(here.auth.me.query()).resolves.toBeDefined();
    await expect(there.auth.me.query()).resolves.toBeDefined();

    await user.api.apiKeys.revoke.mutate({ keyId: id });
    expect(await refusalOf(there.auth.me.query())).toEqual({ code: "UNAUTHORIZED", message: "Invalid API key" });
    expect(await codeOf(here.auth.me.query())).toBe("UNAUTHORIZED");
    expect(await user.api.apiKeys.list.query()).toEqual([]);
  });

  it("takes a role lost by the owner away from their key at once, on every instance", async () => {
    const admin = await signIn(adminEmail, adminPassword);
    const manager = await newUser("manager");
    await admin.api.admin.roles.assign.mutate({ userId: manager.userId, role: "manager" });
    const { key } = await keyOf(await signIn(manager.email), { scopes: ["user:read:any", "order:create"] });
    const [here, there] = [holding(deployment.here, key), holding(deployment.there, key)];
    await expect(here.admin.users.list.query({ limit: 1 })).resolves.toBeDefined();
    await expect(there.admin.users.list.query({ limit: 1 })).resolves.toBeDefined();

    await admin.api.admin.roles.remove.mutate({ userId: manager.userId, role: "manager" });
    expect(await codeOf(there.admin.users.list.query({ limit: 1 }))).toBe("FORBIDDEN");
    expect(await codeOf(here.admin.users.list.query({ limit: 1 }))).toBe("FORBIDDEN");
    // What the owner still holds, the key still does.
    await expect(there.auth.me.query()).resolves.toMatchObject({ permissions: ["order:create"] });
  });

  it("refuses an expired key", async () => {
    const user = await newUser("expired");
    const { key, id } = await keyOf(user);
    await db()
      .update(apiKeys)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(apiKeys.id, id));
    expect(await refusalOf(holding(deployment.there, key).auth.me.query())).toEqual({
      code: "UNAUTHORIZED",
      message: "API key expired",
    });
  });

  it("refuses the right id with a wrong secret, and still serves the right one", async () => {
    const user = await newUser("guessed");
    const { key } = await keyOf(user);
    const last = key.at(-1) === "A" ? "B" : "A";
    const guesses = [`${key.slice(0, -1)}${last}`, `${key.slice(0, -43)}${"A".repeat(43)}`, key.slice(0, -1)];
    for (const guess of guesses) {
      expect(await refusalOf(holding(deployment.here, guess).auth.me.query())).toEqual({
        code: "UNAUTHORIZED",
        message: "Invalid API key",
      });
    }
    await expect(holding(deployment.here, key).auth.me.query()).resolves.toMatchObject({ id: user.userId });
  });

  it("never accepts a key from the URL, nor from anywhere but the Authorization header", async () => {
    const user = await newUser("leaky");
    const { key } = await keyOf(user);
    const urls = [
      `${deployment.here.trpcUrl}/auth.me?api_key=${key}`,
      `${deployment.here.trpcUrl}/auth.me?input=${encodeURIComponent(JSON.stringify({ json: { key } }))}`,
      `${deployment.here.baseUrl}/api/users/me?token=${key}`,
      `${deployment.here.baseUrl}/api/users/me?anything=${key}`,
    ];
    for (const url of urls) expect({ url, status: (await fetch(url)).status }).toEqual({ url, status: 400 });

    const misplaced: Record<string, string>[] = [{ cookie: `seed_access=${key}` }, { "x-access-token": key }];
    for (const headers of misplaced) {
      const { status, body } = await rawCall(deployment.here.trpcUrl, "auth.me", undefined, headers);
      expect({ status, message: body.error?.json.message }).toEqual({
        status: 401,
        message: "Send an API key in the Authorization header only",
      });
    }
  });

  it("answers 429 once a key's quota is spent, counted across instances", async () => {
    const user = await newUser("quota");
    const { key } = await keyOf(user, { quota: { limit: 2, intervalSeconds: 3600 } });
    await expect(holding(deployment.here, key).auth.me.query()).resolves.toBeDefined();
    await expect(holding(deployment.there, key).auth.me.query()).resolves.toBeDefined();
    expect(await refusalOf(holding(deployment.here, key).auth.me.query())).toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: expect.stringMatching(/^This API key has used its quota of 2 calls; it refills in \d+ s$/),
    });
    const overRest = await rest(deployment.there, "/users/me", { headers: { authorization: `Bearer ${key}` } });
    expect(overRest.status).toBe(429);
  });

  it("caps the calls of one key per window", async () => {
    const tight = await deployment.start({ API_KEY_RATE_LIMIT_MAX: "3" });
    const user = await newUser("busy");
    const { key } = await keyOf(user);
    const api = holding(tight, key);
    for (let call = 0; call < 3; call++) await expect(api.auth.me.query()).resolves.toBeDefined();
    expect(await codeOf(api.auth.me.query())).toBe("TOO_MANY_REQUESTS");
    // Another key of the same owner has its own budget.
    await expect(holding(tight, (await keyOf(user)).key).auth.me.query()).resolves.toBeDefined();
  });

  it("gives back, as an instance stops, the calls of a key it counted ahead and did not serve", async () => {
    const instance = await deployment.start();
    const user = await newUser("bursty");
    const { key, id } = await keyOf(user);
    const api = holding(instance, key);
    // Calls at once (batched by the client): the instance takes several of the key's calls at a time.
    for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 8 }, () => api.auth.me.query()));
    await instance.stop();
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      expect(Number(await redis.get(`${deployment.env.REDIS_KEY_PREFIX}usage:api-key:${id}`))).toBe(40);
    } finally {
      await redis.quit();
    }
  });

  it("audits the creation, the first use from an address, and the revocation; lists the last use", async () => {
    const user = await newUser("audited");
    const { key, id } = await keyOf(user);
    for (const server of [deployment.here, deployment.there, deployment.here]) {
      await holding(server, key).auth.me.query();
    }
    const [listed] = await user.api.apiKeys.list.query();
    expect(listed).toMatchObject({ lastUsedAt: expect.any(Date), lastUsedIp: "127.0.0.1" });
    await user.api.apiKeys.revoke.mutate({ keyId: id });

    const trail = await db()
      .select({ action: auditLog.action, actorId: auditLog.actorId, after: auditLog.after })
      .from(auditLog)
      .where(and(eq(auditLog.resource, "api_key"), eq(auditLog.resourceId, id)))
      .orderBy(auditLog.id);
    expect(trail).toEqual([
      expect.objectContaining({ action: "api_key.create", actorId: user.userId }),
      { action: "api_key.use_from_new_address", actorId: user.userId, after: { ip: "127.0.0.1" } },
      expect.objectContaining({ action: "api_key.revoke", actorId: user.userId }),
    ]);
  });

  it("lets an admin list anyone's keys, never their secrets, and revoke one", async () => {
    const admin = await signIn(adminEmail, adminPassword);
    const user = await newUser("watched");
    const { key, id } = await keyOf(user);
    await expect(holding(deployment.there, key).auth.me.query()).resolves.toBeDefined();

    const page = await admin.api.admin.apiKeys.list.query({ userId: user.userId });
    expect(page.items).toEqual([expect.objectContaining({ id, userId: user.userId, ownerEmail: user.email })]);
    expect(JSON.stringify(page)).not.toContain(key.slice(-43));

    expect(await codeOf(user.api.admin.apiKeys.list.query({}))).toBe("FORBIDDEN");
    const stranger = await newUser("stranger");
    expect(await codeOf(stranger.api.apiKeys.revoke.mutate({ keyId: id }))).toBe("NOT_FOUND");

    await admin.api.apiKeys.revoke.mutate({ keyId: id });
    expect(await codeOf(holding(deployment.there, key).auth.me.query())).toBe("UNAUTHORIZED");
    const [event] = await db()
      .select({ type: securityEvents.type, details: securityEvents.details })
      .from(securityEvents)
      .where(eq(securityEvents.type, "api_key_revoked"))
      .orderBy(sql`${securityEvents.id} desc`)
      .limit(1);
    expect(event).toEqual({ type: "api_key_revoked", details: { targetUserId: user.userId, keyId: id } });
  });

  it("stops the keys of an account its owner deleted", async () => {
    const user = await newUser("leaving");
    const { key } = await keyOf(user);
    await expect(holding(deployment.there, key).auth.me.query()).resolves.toBeDefined();
    await user.api.users.deleteAccount.mutate({ password });
    expect(await codeOf(holding(deployment.there, key).auth.me.query())).toBe("UNAUTHORIZED");
  });
});

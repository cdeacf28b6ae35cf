import { refreshSessions, rotatedRefreshTokens, securityEvents, users } from "@seed/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticate, configurePasswordHashing, hashOpaqueToken, login, logout, refresh, register } from "../src";
import { appErrorOf, createTestDomain, tokensOf, testActor as client } from "./support";

let domain: Awaited<ReturnType<typeof createTestDomain>>;
beforeAll(async () => {
  domain = await createTestDomain();
});
afterAll(() => domain?.database.destroy());

describe("the auth service", () => {
  it("stores an argon2id hash, never the password", async () => {
    const user = (await register(domain.deps, { email: "hash@example.com", password: "correct horse" }, client))!;
    const [row] = await domain.deps.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row!.passwordHash).not.toContain("correct horse");
  });

  it("hashes new passwords at the configured cost, and still verifies older hashes", async () => {
    const before = (await register(
      domain.deps,
      { email: "cost-old@example.com", password: "an older password" },
      client,
    ))!;
    configurePasswordHashing({ memoryKiB: 32_768, passes: 3, lanes: 1 });
    try {
      const after = (await register(
        domain.deps,
        { email: "cost-new@example.com", password: "a newer password" },
        client,
      ))!;
      const [row] = await domain.deps.db.select().from(users).where(eq(users.id, after.id));
      expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=32768,t=3,p=1\$/);
      await expect(
        login(domain.deps, { email: "cost-old@example.com", password: "an older password" }, client),
      ).resolves.toMatchObject({ user: { id: before.id } });
    } finally {
      configurePasswordHashing({ memoryKiB: 19_456, passes: 2, lanes: 1 });
    }
  });

  it("creates nothing on a second registration of an email and keeps the first account", async () => {
    await register(domain.deps, { email: "twice@example.com", password: "first password" }, client);
    expect(await register(domain.deps, { email: "twice@example.com", password: "second password" }, client)).toBeNull();
    await expect(
      login(domain.deps, { email: "twice@example.com", password: "second password" }, client),
    ).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(
      login(domain.deps, { email: "twice@example.com", password: "first password" }, client),
    ).resolves.toBeDefined();
  });

  it("answers a wrong password and an unknown email with the same error", async () => {
    await register(domain.deps, { email: "same@example.com", password: "right password" }, client);
    const wrongPassword = await appErrorOf(
      login(domain.deps, { email: "same@example.com", password: "wrong" }, client),
    );
    const unknownEmail = await appErrorOf(
      login(domain.deps, { email: "nobody@example.com", password: "wrong" }, client),
    );
    expect(wrongPassword).toMatchObject({ code: "UNAUTHENTICATED", message: "Invalid email or password" });
    expect(unknownEmail).toMatchObject({ code: wrongPassword.code, message: wrongPassword.message });
  });

  it("records the session's client and stores only the hash of the refresh token", async () => {
    await register(domain.deps, { email: "session@example.com", password: "a good password" }, client);
    const tokens = tokensOf(
      await login(domain.deps, { email: "session@example.com", password: "a good password" }, client),
    );
    const [session] = await domain.deps.db
      .select()
      .from(refreshSessions)
      .where(eq(refreshSessions.id, tokens.sessionId));
    expect(session).toMatchObject({ ip: client.ip, userAgent: client.userAgent, revokedAt: null });
    expect(session!.tokenHash).toBe(hashOpaqueToken(tokens.refreshToken));
    expect(session!.tokenHash).not.toBe(tokens.refreshToken);
  });

  it("rotates the refresh token on use and refuses the old one", async () => {
    await register(domain.deps, { email: "rotate@example.com", password: "a good password" }, client);
    const first = tokensOf(
      await login(domain.deps, { email: "rotate@example.com", password: "a good password" }, client),
    );
    const second = await refresh(domain.deps, first.refreshToken, client);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.sessionId).toBe(first.sessionId);
    expect((await appErrorOf(refresh(domain.deps, first.refreshToken, client))).code).toBe("UNAUTHENTICATED");
    await expect(refresh(domain.deps, second.refreshToken, client)).resolves.toBeDefined();
  });

  it("lets exactly one of two concurrent refreshes with the same token succeed", async () => {
    await register(domain.deps, { email: "race@example.com", password: "a good password" }, client);
    const tokens = tokensOf(
      await login(domain.deps, { email: "race@example.com", password: "a good password" }, client),
    );
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => refresh(domain.deps, tokens.refreshToken, client)),
    );
    const winners = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    expect(winners).toHaveLength(1);
    // Losing a race is not theft: the winner's session goes on.
    await expect(refresh(domain.deps, winners[0]!.refreshToken, client)).resolves.toBeDefined();
  });

  it("refuses a reused refresh token and revokes the whole family", async () => {
    await register(domain.deps, { email: "stolen@example.com", password: "a good password" }, client);
    const original = tokensOf(
      await login(domain.deps, { email: "stolen@example.com", password: "a good password" }, client),
    );
    const rotated = await refresh(domain.deps, original.refreshToken, client);
    // Time passes: the copy comes back well after the legitimate exchange.
    await domain.deps.db
      .update(rotatedRefreshTokens)
      .set({ rotatedAt: new Date(Date.now() - 60_000) })
      .where(eq(rotatedRefreshTokens.sessionId, original.sessionId));

    const thief = await appErrorOf(refresh(domain.deps, original.refreshToken, { ...client, ip: "198.51.100.66" }));
    expect(thief.code).toBe("UNAUTHENTICATED");

    expect((await appErrorOf(refresh(domain.deps, rotated.refreshToken, client))).code).toBe("UNAUTHENTICATED");
    expect((await appErrorOf(authenticate(domain.deps, rotated.accessToken))).code).toBe("UNAUTHENTICATED");
    const [event] = await domain.deps.db
      .select()
      .from(securityEvents)
      .where(eq(securityEvents.type, "refresh_token_reuse"));
    expect(event).toMatchObject({
      userId: original.user.id,
      ip: "198.51.100.66",
      details: { sessionId: original.sessionId },
    });
  });

  it("refuses an expired session", async () => {
    await register(domain.deps, { email: "expired@example.com", password: "a good password" }, client);
    const tokens = tokensOf(
      await login(domain.deps, { email: "expired@example.com", password: "a good password" }, client),
    );
    await domain.deps.db
      .update(refreshSessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(refreshSessions.id, tokens.sessionId));
    expect((await appErrorOf(refresh(domain.deps, tokens.refreshToken, client))).code).toBe("UNAUTHENTICATED");
    expect((await appErrorOf(authenticate(domain.deps, tokens.accessToken))).code).toBe("UNAUTHENTICATED");
  });

  it("ends the session and its access tokens on logout, and ignores a second logout", async () => {
    const user = (await register(domain.deps, { email: "logout@example.com", password: "a good password" }, client))!;
    const tokens = tokensOf(
      await login(domain.deps, { email: "logout@example.com", password: "a good password" }, client),
    );
    await expect(authenticate(domain.deps, tokens.accessToken)).resolves.toMatchObject({ session: { id: user.id } });

    await logout(domain.deps, tokens.refreshToken, client);
    await logout(domain.deps, tokens.refreshToken, client);

    expect((await appErrorOf(authenticate(domain.deps, tokens.accessToken))).code).toBe("UNAUTHENTICATED");
    expect((await appErrorOf(refresh(domain.deps, tokens.refreshToken, client))).code).toBe("UNAUTHENTICATED");
  });

  it("leaves other sessions of the user alive on logout", async () => {
    await register(domain.deps, { email: "two-devices@example.com", password: "a good password" }, client);
    const phone = tokensOf(
      await login(domain.deps, { email: "two-devices@example.com", password: "a good password" }, client),
    );
    const laptop = tokensOf(
      await login(domain.deps, { email: "two-devices@example.com", password: "a good password" }, client),
    );
    await logout(domain.deps, phone.refreshToken, client);
    await expect(authenticate(domain.deps, laptop.accessToken)).resolves.toBeDefined();
  });

  it("publishes the user's session events", async () => {
    const user = (await register(domain.deps, { email: "events@example.com", password: "a good password" }, client))!;
    const controller = new AbortController();
    const events = await domain.deps.events.subscribe<{ type: string }>(`user:${user.id}:sessions`, controller.signal);
    const tokens = tokensOf(
      await login(domain.deps, { email: "events@example.com", password: "a good password" }, client),
    );
    const next = await refresh(domain.deps, tokens.refreshToken, client);
    await logout(domain.deps, next.refreshToken, client);

    const received: string[] = [];
    for await (const event of events) {
      received.push(event.payload.type);
      if (received.length === 3) controller.abort();
    }
    expect(received).toEqual(["session.created", "session.refreshed", "session.revoked"]);
  });
});

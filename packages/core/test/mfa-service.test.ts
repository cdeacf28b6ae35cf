import { randomBytes } from "node:crypto";
import { auditLog, mfaChallenges, mfaFactors, recoveryCodes, refreshSessions, securityEvents } from "@seed/db";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  authenticate,
  completeMfaSignIn,
  confirmMfa,
  deriveSealingKey,
  disableMfa,
  enrollMfa,
  hashOpaqueToken,
  login,
  mfaStatus,
  register,
  seal,
  unseal,
} from "../src";
import { authenticatorCode, enableMfa, mfaRequired } from "./mfa-support";
import { appErrorOf, createTestDomain, tokensOf, testActor } from "./support";

let domain: Awaited<ReturnType<typeof createTestDomain>>;
beforeAll(async () => {
  domain = await createTestDomain();
});
afterAll(() => domain?.database.destroy());

const password = "a long passphrase";

/** A new account, signed in as far as the services care: its id, email and actor. */
async function newAccount(label: string) {
  const email = `${label}-${randomBytes(4).toString("hex")}@example.com`;
  const user = (await register(domain.deps, { email, password }, testActor))!;
  return { ...user, actor: { ...testActor, userId: user.id } };
}

const passwordStep = (email: string) => login(domain.deps, { email, password }, testActor);

async function sessionCount(userId: string): Promise<number> {
  return (await domain.deps.db.select().from(refreshSessions).where(eq(refreshSessions.userId, userId))).length;
}

describe("TOTP enrolment", () => {
  it("keeps the secret sealed at rest, bound to its account, and shows it only at enrolment", async () => {
    const user = await newAccount("sealed");
    const enrolment = await enrollMfa(domain.deps, user, user.actor);

    expect(enrolment.otpauthUri).toMatch(/^otpauth:\/\/totp\/Seed:/);
    expect(new URL(enrolment.otpauthUri).searchParams.get("secret")).toBe(enrolment.secret);
    expect(enrolment.otpauthUri).toContain("algorithm=SHA1&digits=6&period=30");
    expect(enrolment.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);

    const [row] = await domain.deps.db.select().from(mfaFactors).where(eq(mfaFactors.userId, user.id));
    expect(row!.secret).not.toContain(enrolment.secret);
    expect(unseal(domain.deps.mfaSealingKey, user.id, row!.secret)).toBe(enrolment.secret);
    // Copied onto another account, or read with another server's key, the secret does not open.
    const other = await newAccount("other");
    expect(() => unseal(domain.deps.mfaSealingKey, other.id, row!.secret)).toThrow();
    expect(() => unseal(deriveSealingKey(randomBytes(32), "mfa secret"), user.id, row!.secret)).toThrow();
  });

  it("refuses a tampered sealed secret", () => {
    const sealed = seal(domain.deps.mfaSealingKey, "a-user", "JBSWY3DPEHPK3PXP");
    const [version, iv, ciphertext, tag] = sealed.split(".");
    const flipped = Buffer.from(ciphertext!, "base64url");
    flipped[0]! ^= 1;
    const tampered = [version, iv, flipped.toString("base64url"), tag].join(".");
    expect(() => unseal(domain.deps.mfaSealingKey, "a-user", tampered)).toThrow();
  });

  it("changes nothing at sign-in until a code confirms the authenticator", async () => {
    const user = await newAccount("abandoned");
    const { secret } = await enrollMfa(domain.deps, user, user.actor);
    expect(tokensOf(await passwordStep(user.email)).user.id).toBe(user.id);

    const wrong = await appErrorOf(confirmMfa(domain.deps, user.id, "not-a-code", user.actor));
    expect(wrong.code).toBe("INVALID_INPUT");
    expect(await mfaStatus(domain.deps.db, user.id)).toEqual({ enabled: false, recoveryCodesLeft: 0 });

    const { recoveryCodes: codes } = await confirmMfa(domain.deps, user.id, authenticatorCode(secret), user.actor);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(await mfaStatus(domain.deps.db, user.id)).toEqual({ enabled: true, recoveryCodesLeft: 10 });
    const stored = await domain.deps.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
    expect(stored.map((row) => row.codeHash)).not.toContain(codes[0]);
  });

  it("replaces an unconfirmed secret on a second enrolment, but never a confirmed one", async () => {
    const user = await newAccount("re-enrol");
    const first = await enrollMfa(domain.deps, user, user.actor);
    const second = await enrollMfa(domain.deps, user, user.actor);
    expect(second.secret).not.toBe(first.secret);
    // The first secret's codes no longer confirm anything.
    expect((await appErrorOf(confirmMfa(domain.deps, user.id, authenticatorCode(first.secret), user.actor))).code).toBe(
      "INVALID_INPUT",
    );

    await confirmMfa(domain.deps, user.id, authenticatorCode(second.secret), user.actor);
    expect((await appErrorOf(enrollMfa(domain.deps, user, user.actor))).code).toBe("CONFLICT");
    const [row] = await domain.deps.db.select().from(mfaFactors).where(eq(mfaFactors.userId, user.id));
    expect(unseal(domain.deps.mfaSealingKey, user.id, row!.secret)).toBe(second.secret);
  });

  it("audits enrolment and confirmation", async () => {
    const user = await newAccount("audited");
    await enableMfa(domain.deps, user, user.actor);
    const rows = await domain.deps.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(and(eq(auditLog.resource, "mfa_factor"), eq(auditLog.resourceId, user.id)))
      .orderBy(auditLog.id);
    expect(rows.map((row) => row.action)).toEqual(["mfa.enroll", "mfa.confirm"]);
  });
});

describe("two-step sign-in", () => {
  it("answers a correct password with a challenge, not a session, once the authenticator is confirmed", async () => {
    const user = await newAccount("two-step");
    const { secret } = await enableMfa(domain.deps, user);
    const sessionsBefore = await sessionCount(user.id);

    const pending = mfaRequired(await passwordStep(user.email));
    expect(pending).not.toHaveProperty("accessToken");
    expect(await sessionCount(user.id)).toBe(sessionsBefore);
    const [stored] = await domain.deps.db
      .select()
      .from(mfaChallenges)
      .where(eq(mfaChallenges.tokenHash, hashOpaqueToken(pending.challenge)));
    expect(stored).toMatchObject({ userId: user.id, usedAt: null, expiresAt: pending.challengeExpiresAt });

    const tokens = await completeMfaSignIn(
      domain.deps,
      // Typed as the app shows it, with a space in the middle.
      { challenge: pending.challenge, code: authenticatorCode(secret, 1).replace(/^\d{3}/, "$& ") },
      testActor,
    );
    await expect(authenticate(domain.deps, tokens.accessToken)).resolves.toMatchObject({ session: { id: user.id } });
  });

  it("refuses a code that was already accepted, even with a new challenge", async () => {
    const user = await newAccount("replay");
    const { secret } = await enableMfa(domain.deps, user);
    const code = authenticatorCode(secret, 1);
    await completeMfaSignIn(
      domain.deps,
      { challenge: mfaRequired(await passwordStep(user.email)).challenge, code },
      testActor,
    );

    const { challenge } = mfaRequired(await passwordStep(user.email));
    const replay = await appErrorOf(
      completeMfaSignIn(domain.deps, { challenge, code }, { ...testActor, ip: "198.51.100.66" }),
    );
    expect(replay).toMatchObject({ code: "UNAUTHENTICATED", message: "Invalid code" });
    const [event] = await domain.deps.db
      .select()
      .from(securityEvents)
      .where(and(eq(securityEvents.type, "mfa_failed"), eq(securityEvents.userId, user.id)));
    expect(event).toMatchObject({ ip: "198.51.100.66", details: { reason: "wrong_code" } });
  });

  it("lets exactly one of two concurrent sign-ins with the same challenge and code through", async () => {
    const user = await newAccount("race");
    const { secret } = await enableMfa(domain.deps, user);
    const input = {
      challenge: mfaRequired(await passwordStep(user.email)).challenge,
      code: authenticatorCode(secret, 1),
    };
    const results = await Promise.allSettled([1, 2, 3].map(() => completeMfaSignIn(domain.deps, input, testActor)));
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
  });

  it("accepts each recovery code once, typed in any case and without dashes", async () => {
    const user = await newAccount("recovery");
    const { recoveryCodes: codes } = await enableMfa(domain.deps, user);
    const typed = codes[0]!.replaceAll("-", "").toUpperCase();

    const first = mfaRequired(await passwordStep(user.email));
    await completeMfaSignIn(domain.deps, { challenge: first.challenge, code: typed }, testActor);
    expect(await mfaStatus(domain.deps.db, user.id)).toEqual({ enabled: true, recoveryCodesLeft: 9 });

    const second = mfaRequired(await passwordStep(user.email));
    const reused = await appErrorOf(
      completeMfaSignIn(domain.deps, { challenge: second.challenge, code: codes[0]! }, testActor),
    );
    expect(reused.code).toBe("UNAUTHENTICATED");
    await expect(
      completeMfaSignIn(domain.deps, { challenge: second.challenge, code: codes[1]! }, testActor),
    ).resolves.toBeDefined();
  });

  it("accepts a challenge once, and not after it expires; the code offered is not used up", async () => {
    const user = await newAccount("challenge");
    const { recoveryCodes: codes } = await enableMfa(domain.deps, user);

    const { challenge } = mfaRequired(await passwordStep(user.email));
    await completeMfaSignIn(domain.deps, { challenge, code: codes[0]! }, testActor);
    const used = await appErrorOf(completeMfaSignIn(domain.deps, { challenge, code: codes[1]! }, testActor));
    expect(used).toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringContaining("expired") });

    const stale = mfaRequired(await passwordStep(user.email));
    await domain.deps.db
      .update(mfaChallenges)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(mfaChallenges.tokenHash, hashOpaqueToken(stale.challenge)));
    const expired = await appErrorOf(
      completeMfaSignIn(domain.deps, { challenge: stale.challenge, code: codes[1]! }, testActor),
    );
    expect(expired.code).toBe("UNAUTHENTICATED");

    expect(await mfaStatus(domain.deps.db, user.id)).toEqual({ enabled: true, recoveryCodesLeft: 9 });
  });

  it("counts wrong codes as failed sign-ins, until even the right code is refused", async () => {
    const user = await newAccount("guesser");
    const { secret } = await enableMfa(domain.deps, user);
    const { challenge } = mfaRequired(await passwordStep(user.email));
    for (let guess = 0; guess < 5; guess++) {
      const wrong = await appErrorOf(completeMfaSignIn(domain.deps, { challenge, code: `guess-${guess}` }, testActor));
      expect(wrong.code).toBe("UNAUTHENTICATED");
    }
    const locked = await appErrorOf(
      completeMfaSignIn(domain.deps, { challenge, code: authenticatorCode(secret, 1) }, testActor),
    );
    expect(locked.code).toBe("RATE_LIMITED");
    // The password alone does not buy a new budget of guesses.
    expect((await appErrorOf(passwordStep(user.email))).code).toBe("RATE_LIMITED");
    const events = await domain.deps.db
      .select()
      .from(securityEvents)
      .where(and(eq(securityEvents.type, "mfa_failed"), eq(securityEvents.userId, user.id)));
    expect(events).toHaveLength(5);
  });
});

describe("turning two-step sign-in off", () => {
  it("needs the password and a code, and changes nothing when either is wrong", async () => {
    const account = await newAccount("disable");
    const user = { ...account, sessionId: tokensOf(await passwordStep(account.email)).sessionId };
    const { secret, recoveryCodes: codes } = await enableMfa(domain.deps, user);
    const code = authenticatorCode(secret, 1);

    const wrongPassword = await appErrorOf(
      disableMfa(domain.deps, user, { password: "not the password", code }, user.actor),
    );
    expect(wrongPassword).toMatchObject({ code: "FORBIDDEN", message: "Wrong password or code" });
    const wrongCode = await appErrorOf(disableMfa(domain.deps, user, { password, code: "not-a-code" }, user.actor));
    expect(wrongCode).toMatchObject({ code: "FORBIDDEN", message: "Wrong password or code" });
    expect(await mfaStatus(domain.deps.db, user.id)).toEqual({ enabled: true, recoveryCodesLeft: 10 });
    mfaRequired(await passwordStep(user.email));

    // The code offered with the wrong password was not used up.
    await disableMfa(domain.deps, user, { password, code }, user.actor);
    expect(await mfaStatus(domain.deps.db, user.id)).toEqual({ enabled: false, recoveryCodesLeft: 0 });
    expect(await domain.deps.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id))).toEqual([]);
    expect(tokensOf(await passwordStep(user.email)).user.id).toBe(user.id);
    expect((await appErrorOf(disableMfa(domain.deps, user, { password, code: codes[0]! }, user.actor))).code).toBe(
      "CONFLICT",
    );

    const [audit] = await domain.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "mfa.disable"), eq(auditLog.resourceId, user.id)));
    expect(audit).toMatchObject({ actorId: user.id });
  });
});

import { randomBytes } from "node:crypto";
import { auditLog, mailOutbox, passkeyChallenges, passkeys, securityEvents, users } from "@seed/db";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anonymizeAccount,
  completeMfaSignIn,
  deletePasskey,
  finishPasskeyRegistration,
  finishPasskeySignIn,
  issueEmailToken,
  listPasskeys,
  login,
  register,
  removeFactorsOfUnconfirmedAccount,
  renamePasskey,
  startPasskeyRegistration,
  startPasskeySignIn,
  verifyEmail,
} from "../src";
import { enableMfa, mfaRequired } from "./mfa-support";
import { softwareAuthenticator } from "./passkey-authenticator";
import { addPasskey, passkeyAssertion, signInWithPasskey } from "./passkey-support";
import { appErrorOf, createTestDomain, tokensOf, testActor } from "./support";

let domain: Awaited<ReturnType<typeof createTestDomain>>;
beforeAll(async () => {
  domain = await createTestDomain();
});
afterAll(() => domain?.database.destroy());

const password = "a long passphrase";
const origin = "https://app.example.com";

/** A new account, signed in with its password a moment ago. */
async function signedInAccount(label: string) {
  const email = `${label}-${randomBytes(4).toString("hex")}@example.com`;
  const user = (await register(domain.deps, { email, password }, testActor))!;
  const tokens = tokensOf(await login(domain.deps, { email, password }, testActor));
  return { ...user, sessionId: tokens.sessionId, actor: { ...testActor, userId: user.id } };
}

describe("passkeys", () => {
  it("registers a discoverable passkey and signs in with it, the counter kept", async () => {
    const user = await signedInAccount("holder");
    const { authenticator, passkey } = await addPasskey(domain.deps, user);
    expect(passkey).toMatchObject({ name: "Passkey", deviceType: "singleDevice", backedUp: false, version: 1 });
    const told = await domain.deps.db.select().from(mailOutbox).where(eq(mailOutbox.to, user.email));
    expect(told.map((mail) => mail.subject)).toContain("A passkey was added to your account");

    const tokens = await signInWithPasskey(domain.deps, authenticator);
    expect(tokens.user.id).toBe(user.id);
    const [row] = await domain.deps.db.select().from(passkeys).where(eq(passkeys.id, passkey.id));
    expect(row!.signCount).toBe(authenticator.signCount);
    expect(row!.lastUsedAt).not.toBeNull();
    const audit = await domain.deps.db.select().from(auditLog).where(eq(auditLog.resourceId, passkey.id));
    expect(audit.map((entry) => entry.action)).toEqual(["passkey.register", "passkey.sign_in"]);
  });

  it("asks for registrations a user-verifying, discoverable passkey, and excludes those held", async () => {
    const user = await signedInAccount("options");
    const first = await startPasskeyRegistration(domain.deps, user);
    expect(first.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
    expect(first.attestation).toBe("none");
    expect(first.rp).toEqual({ name: "Seed", id: "app.example.com" });
    const { authenticator } = await addPasskey(domain.deps, user);
    const second = await startPasskeyRegistration(domain.deps, user);
    expect(second.excludeCredentials?.map((credential) => credential.id)).toEqual([authenticator.credentialId]);
  });

  it("uses a challenge once, even when two answers race", async () => {
    const user = await signedInAccount("racer");
    const { authenticator } = await addPasskey(domain.deps, user);
    const options = await startPasskeySignIn(domain.deps);
    const answers = [1, 2].map((count) => ({ response: authenticator.assert(options, { signCount: 100 + count }) }));
    const outcomes = await Promise.allSettled(
      answers.map((answer) => finishPasskeySignIn(domain.deps, answer, testActor)),
    );
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    const refused = outcomes.find((outcome) => outcome.status === "rejected")!;
    expect((refused as PromiseRejectedResult).reason).toMatchObject({
      code: "UNAUTHENTICATED",
      message: "This passkey sign-in has expired or was already used; start again",
    });
  });

  it("refuses a counter that did not grow, as a copied key's, and records it", async () => {
    const user = await signedInAccount("cloned");
    const { authenticator, passkey } = await addPasskey(domain.deps, user);
    await signInWithPasskey(domain.deps, authenticator);
    const replayedCount = authenticator.signCount;
    const options = await startPasskeySignIn(domain.deps);
    const error = await appErrorOf(
      finishPasskeySignIn(
        domain.deps,
        { response: authenticator.assert(options, { signCount: replayedCount }) },
        testActor,
      ),
    );
    expect(error).toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/may have been copied/) });
    const events = await domain.deps.db
      .select()
      .from(securityEvents)
      .where(and(eq(securityEvents.userId, user.id), eq(securityEvents.type, "passkey_counter_regression")));
    expect(events.map((event) => event.details)).toEqual([
      { passkeyId: passkey.id, storedCount: replayedCount, presentedCount: replayedCount },
    ]);
  });

  it("accepts passkeys that keep no counter, for as long as they keep none", async () => {
    const user = await signedInAccount("counterless");
    const authenticator = softwareAuthenticator(origin, { counting: false });
    const options = await startPasskeyRegistration(domain.deps, user);
    await finishPasskeyRegistration(domain.deps, user, user.actor, { response: authenticator.register(options) });
    await signInWithPasskey(domain.deps, authenticator);
    await expect(signInWithPasskey(domain.deps, authenticator)).resolves.toMatchObject({ user: { id: user.id } });
  });

  it("skips the authenticator code for a passkey, and completes a password sign-in's second step with one", async () => {
    const user = await signedInAccount("two-step");
    await enableMfa(domain.deps, user);
    const { authenticator } = await addPasskey(domain.deps, user);
    await expect(signInWithPasskey(domain.deps, authenticator)).resolves.toMatchObject({ user: { id: user.id } });

    const { challenge } = mfaRequired(await login(domain.deps, { email: user.email, password }, testActor));
    const options = await startPasskeySignIn(domain.deps, { mfaChallenge: challenge });
    expect(options.allowCredentials?.map((credential) => credential.id)).toEqual([authenticator.credentialId]);
    const tokens = await finishPasskeySignIn(
      domain.deps,
      { response: authenticator.assert(options), mfaChallenge: challenge },
      testActor,
    );
    expect(tokens.user.id).toBe(user.id);
    // The second step was taken: the challenge completes nothing more.
    expect(await appErrorOf(completeMfaSignIn(domain.deps, { challenge, code: "000000" }, testActor))).toMatchObject({
      message: "This sign-in has expired or was already completed; sign in again",
    });
  });

  it("refuses to complete someone else's second step with one's own passkey", async () => {
    const victim = await signedInAccount("victim");
    await enableMfa(domain.deps, victim);
    const intruder = await signedInAccount("intruder");
    const { authenticator } = await addPasskey(domain.deps, intruder);
    const { challenge } = mfaRequired(await login(domain.deps, { email: victim.email, password }, testActor));
    const error = await appErrorOf(
      finishPasskeySignIn(
        domain.deps,
        { ...(await passkeyAssertion(domain.deps, authenticator)), mfaChallenge: challenge },
        testActor,
      ),
    );
    expect(error).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("renames with the version read, deletes only the owner's, and lists what is left", async () => {
    const user = await signedInAccount("tidy");
    const other = await signedInAccount("other");
    const { passkey } = await addPasskey(domain.deps, user);
    const renamed = await renamePasskey(domain.deps, user.id, user.actor, {
      passkeyId: passkey.id,
      name: "Work laptop",
      version: 1,
    });
    expect(renamed).toMatchObject({ name: "Work laptop", version: 2 });
    const stale = await appErrorOf(
      renamePasskey(domain.deps, user.id, user.actor, { passkeyId: passkey.id, name: "x", version: 1 }),
    );
    expect(stale).toMatchObject({ code: "CONFLICT" });
    expect(await appErrorOf(deletePasskey(domain.deps, other, other.actor, passkey.id))).toMatchObject({
      code: "NOT_FOUND",
    });
    await deletePasskey(domain.deps, user, user.actor, passkey.id);
    expect(await listPasskeys(domain.deps.db, user.id)).toEqual([]);
  });

  it("removes the passkeys of an account whose address was never confirmed, once its owner proves it", async () => {
    const user = await signedInAccount("squatted");
    await addPasskey(domain.deps, user);
    expect(await domain.deps.db.transaction((tx) => removeFactorsOfUnconfirmedAccount(tx, user.id))).toBe(true);
    expect(await listPasskeys(domain.deps.db, user.id)).toEqual([]);
  });

  it("lets the owner who confirms the address drop the passkeys whoever registered it first put on it", async () => {
    const user = await signedInAccount("claimed");
    const { authenticator } = await addPasskey(domain.deps, user);
    const token = await issueEmailToken(domain.deps.db, user, "verify_email");
    await verifyEmail(domain.deps, token, testActor);
    expect(await listPasskeys(domain.deps.db, user.id)).toEqual([]);
    expect(await appErrorOf(signInWithPasskey(domain.deps, authenticator))).toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });

  it("signs in to a deleted account no more: its passkeys go with it, and a left-over one is refused", async () => {
    const user = await signedInAccount("deleted");
    const { authenticator } = await addPasskey(domain.deps, user);
    await domain.deps.db.transaction((tx) => anonymizeAccount(tx, user.actor, user.id, "user.delete_account"));
    expect(await listPasskeys(domain.deps.db, user.id)).toEqual([]);
    expect(await appErrorOf(signInWithPasskey(domain.deps, authenticator))).toMatchObject({
      code: "UNAUTHENTICATED",
    });

    const other = await signedInAccount("half-deleted");
    const kept = await addPasskey(domain.deps, other);
    await domain.deps.db.update(users).set({ deletedAt: new Date() }).where(eq(users.id, other.id));
    expect(await appErrorOf(signInWithPasskey(domain.deps, kept.authenticator))).toMatchObject({
      code: "FORBIDDEN",
      message: "This account was deleted",
    });
  });

  it("keeps no challenge once answered", async () => {
    const user = await signedInAccount("tidy-challenges");
    const { authenticator } = await addPasskey(domain.deps, user);
    const answer = await passkeyAssertion(domain.deps, authenticator);
    await finishPasskeySignIn(domain.deps, answer, testActor);
    const challenge = JSON.parse(
      Buffer.from(answer.response.response.clientDataJSON, "base64url").toString(),
    ).challenge;
    expect(
      await domain.deps.db.select().from(passkeyChallenges).where(eq(passkeyChallenges.challenge, challenge)),
    ).toEqual([]);
  });
});

/*
 * Passkeys over HTTP, with a software authenticator: registered and used as a browser would, then
 * bent the ways a phisher, a replayer, a cloner or a thief of a session or an API key would try.
 */
import { auditLog, passkeyChallenges, passkeys, refreshSessions, securityEvents } from "@seed/db";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { authenticatorCode } from "./support/authenticator";
import { softwareAuthenticator, type SoftwareAuthenticator } from "../../../packages/core/test/passkey-authenticator";
import { refusalOf } from "./support/refusal";
import { tokensOf, uniqueEmail, useDeployment } from "./support/test-server";

const password = "a long passphrase";
const origin = "https://shop.example.com";

describe("passkeys", () => {
  const deployment = useDeployment("embedded", {
    env: { APP_URL: origin, AUTH_RATE_LIMIT_MAX: "1000" },
  });
  const db = () => deployment.database.connection.db;
  const anonymous = () => deployment.server.client().api;

  async function signedIn(label: string) {
    const email = uniqueEmail(label);
    await anonymous().auth.register.mutate({ email, password });
    const session = tokensOf(await anonymous().auth.login.mutate({ email, password }));
    return {
      email,
      userId: session.user.id,
      sessionId: session.sessionId,
      accessToken: session.accessToken,
      api: deployment.server.client({ getAccessToken: () => session.accessToken }).api,
    };
  }
  type Person = Awaited<ReturnType<typeof signedIn>>;

  async function addPasskey(person: Person, authenticator = softwareAuthenticator(origin)) {
    const options = await person.api.auth.passkeys.registrationOptions.mutate();
    const passkey = await person.api.auth.passkeys.register.mutate({ response: authenticator.register(options) });
    return { authenticator, passkey };
  }

  async function signInWith(
    authenticator: SoftwareAuthenticator,
    tweaks: Parameters<SoftwareAuthenticator["assert"]>[1] = {},
  ) {
    const options = await anonymous().auth.passkeys.signInOptions.mutate();
    return anonymous().auth.passkeys.signIn.mutate({ response: authenticator.assert(options, tweaks) });
  }

  const rest = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${deployment.server.baseUrl}/api${path}`, {
      ...init,
      headers: {
        // As a browser asks: the tokens must come back uncompressed all the same.
        "accept-encoding": "gzip, br",
        ...(init.body ? { "content-type": "application/json" } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
    });

  const eventsOf = (userId: string, type: string) =>
    db()
      .select()
      .from(securityEvents)
      .where(and(eq(securityEvents.userId, userId), eq(securityEvents.type, type)));

  it("registers a passkey over REST and signs in with it, tokens and all, as a password does", async () => {
    const person = await signedIn("holder");
    const authenticator = softwareAuthenticator(origin);
    const optionsAnswer = await rest("/auth/passkeys/registration-options", {
      method: "POST",
      token: person.accessToken,
      body: "{}",
    });
    expect(optionsAnswer.status).toBe(200);
    const options = (await optionsAnswer.json()) as Parameters<SoftwareAuthenticator["register"]>[0];
    const created = await rest("/auth/passkeys", {
      method: "POST",
      token: person.accessToken,
      body: JSON.stringify({ response: authenticator.register(options), name: "Work laptop" }),
    });
    expect(created.status).toBe(201);
    const passkey = (await created.json()) as { id: string };
    expect(created.headers.get("location")).toBe(`/api/auth/passkeys/${passkey.id}`);
    const read = await rest(`/auth/passkeys/${passkey.id}`, { token: person.accessToken });
    expect(await read.json()).toMatchObject({ id: passkey.id, name: "Work laptop", deviceType: "singleDevice" });

    const tokens = await signInWith(authenticator);
    expect(tokens.user.id).toBe(person.userId);
    const me = deployment.server.client({ getAccessToken: () => tokens.accessToken }).api.auth.me.query();
    await expect(me).resolves.toMatchObject({ id: person.userId });

    const restOptions = await (await rest("/auth/passkeys/sign-in-options", { method: "POST", body: "{}" })).json();
    const restSignIn = await rest("/auth/passkeys/sign-in", {
      method: "POST",
      body: JSON.stringify({ response: authenticator.assert(restOptions as { challenge: string }) }),
    });
    expect(restSignIn.status).toBe(200);
    expect(restSignIn.headers.get("content-encoding")).toBeNull();
    expect(await restSignIn.json()).toMatchObject({ user: { id: person.userId }, refreshToken: expect.any(String) });

    const [listed] = await person.api.auth.passkeys.list.query();
    expect(listed).toMatchObject({ id: passkey.id, lastUsedAt: expect.any(Date) });
    const actions = await db().select().from(auditLog).where(eq(auditLog.resourceId, passkey.id));
    expect(actions.map((entry) => entry.action)).toEqual(["passkey.register", "passkey.sign_in", "passkey.sign_in"]);
  });

  it("signs an account with an authenticator app in without asking for its code", async () => {
    const person = await signedIn("two-step");
    const { secret } = await person.api.auth.mfa.enroll.mutate();
    await person.api.auth.mfa.confirm.mutate({ code: authenticatorCode(secret) });
    const { authenticator } = await addPasskey(person);
    expect((await anonymous().auth.login.mutate({ email: person.email, password })).status).toBe("mfa-required");
    await expect(signInWith(authenticator)).resolves.toMatchObject({ user: { id: person.userId } });
  });

  it("refuses an answer replayed, and a challenge answered after it expired", async () => {
    const person = await signedIn("replayed");
    const { authenticator } = await addPasskey(person);
    const options = await anonymous().auth.passkeys.signInOptions.mutate();
    const answer = { response: authenticator.assert(options) };
    await anonymous().auth.passkeys.signIn.mutate(answer);
    expect(await refusalOf(anonymous().auth.passkeys.signIn.mutate(answer))).toEqual({
      code: "UNAUTHORIZED",
      message: "This passkey sign-in has expired or was already used; start again",
    });

    const late = await anonymous().auth.passkeys.signInOptions.mutate();
    await db()
      .update(passkeyChallenges)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(passkeyChallenges.challenge, late.challenge));
    expect(await refusalOf(anonymous().auth.passkeys.signIn.mutate({ response: authenticator.assert(late) }))).toEqual({
      code: "UNAUTHORIZED",
      message: "This passkey sign-in has expired or was already used; start again",
    });

    const registration = await person.api.auth.passkeys.registrationOptions.mutate();
    await db()
      .update(passkeyChallenges)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(passkeyChallenges.challenge, registration.challenge));
    const lateRegistration = softwareAuthenticator(origin).register(registration);
    expect(await refusalOf(person.api.auth.passkeys.register.mutate({ response: lateRegistration }))).toEqual({
      code: "BAD_REQUEST",
      message: "This passkey request has expired or was already used; start again",
    });
  });

  it("refuses answers made for another site, whether by its origin or its relying party", async () => {
    const person = await signedIn("phished");
    const phishing = { origin: "https://shop-example.com" };
    const elsewhere = { rpId: "shop-example.com" };
    for (const tweaks of [phishing, elsewhere]) {
      const options = await person.api.auth.passkeys.registrationOptions.mutate();
      const answer = softwareAuthenticator(origin).register(options, tweaks);
      expect(await refusalOf(person.api.auth.passkeys.register.mutate({ response: answer }))).toEqual({
        code: "BAD_REQUEST",
        message: "The passkey could not be verified; start again",
      });
    }
    const { authenticator } = await addPasskey(person);
    for (const tweaks of [phishing, elsewhere]) {
      expect(await refusalOf(signInWith(authenticator, tweaks))).toEqual({
        code: "UNAUTHORIZED",
        message: "The passkey could not be verified",
      });
    }
    expect(await eventsOf(person.userId, "login_failed")).toHaveLength(2);
  });

  it("refuses a passkey that did not verify its user, at registration and at sign-in", async () => {
    const person = await signedIn("unverified");
    const options = await person.api.auth.passkeys.registrationOptions.mutate();
    const touchOnly = softwareAuthenticator(origin).register(options, { userVerified: false });
    expect((await refusalOf(person.api.auth.passkeys.register.mutate({ response: touchOnly }))).code).toBe(
      "BAD_REQUEST",
    );
    const { authenticator } = await addPasskey(person);
    expect((await refusalOf(signInWith(authenticator, { userVerified: false }))).code).toBe("UNAUTHORIZED");
    await expect(signInWith(authenticator)).resolves.toMatchObject({ user: { id: person.userId } });
  });

  it("refuses a signature counter that went back, as a cloned key's, and records a security event", async () => {
    const person = await signedIn("cloned");
    const { authenticator, passkey } = await addPasskey(person);
    await signInWith(authenticator, { signCount: 10 });
    expect(await refusalOf(signInWith(authenticator, { signCount: 7 }))).toEqual({
      code: "UNAUTHORIZED",
      message: "This passkey was refused: it may have been copied. Sign in another way and check your passkeys",
    });
    expect((await eventsOf(person.userId, "passkey_counter_regression")).map((event) => event.details)).toEqual([
      { passkeyId: passkey.id, storedCount: 10, presentedCount: 7 },
    ]);
    const [kept] = await db().select().from(passkeys).where(eq(passkeys.id, passkey.id));
    expect(kept!.signCount).toBe(10);
  });

  it("deletes a passkey with a 204, after which it signs in no more", async () => {
    const person = await signedIn("deleter");
    const { authenticator, passkey } = await addPasskey(person);
    const deleted = await rest(`/auth/passkeys/${passkey.id}`, { method: "DELETE", token: person.accessToken });
    expect(deleted.status).toBe(204);
    expect(await person.api.auth.passkeys.list.query()).toEqual([]);
    expect((await refusalOf(signInWith(authenticator))).message).toBe(
      "This passkey is not registered here; sign in another way and add it to your account",
    );
    const actions = await db().select().from(auditLog).where(eq(auditLog.resourceId, passkey.id));
    expect(actions.map((entry) => entry.action)).toEqual(["passkey.register", "passkey.delete"]);
  });

  it("renames with the version read, and refuses a stale one", async () => {
    const person = await signedIn("renamer");
    const { passkey } = await addPasskey(person);
    const renamed = await rest(`/auth/passkeys/${passkey.id}`, {
      method: "PATCH",
      token: person.accessToken,
      body: JSON.stringify({ name: "Phone", version: passkey.version }),
    });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ name: "Phone", version: passkey.version + 1 });
    const stale = await rest(`/auth/passkeys/${passkey.id}`, {
      method: "PATCH",
      token: person.accessToken,
      body: JSON.stringify({ name: "Tablet", version: passkey.version }),
    });
    expect(stale.status).toBe(409);
  });

  it("keeps another user's passkey out of reach: not found to rename, delete or read, and unchanged", async () => {
    const owner = await signedIn("owner");
    const intruder = await signedIn("intruder");
    const { authenticator, passkey } = await addPasskey(owner);
    const notFound = { code: "NOT_FOUND", message: "No such passkey" };
    expect(
      await refusalOf(intruder.api.auth.passkeys.rename.mutate({ passkeyId: passkey.id, name: "Mine", version: 1 })),
    ).toEqual(notFound);
    expect(await refusalOf(intruder.api.auth.passkeys.delete.mutate({ passkeyId: passkey.id }))).toEqual(notFound);
    expect(await refusalOf(intruder.api.auth.passkeys.get.query({ passkeyId: passkey.id }))).toEqual(notFound);
    expect(await intruder.api.auth.passkeys.list.query()).toEqual([]);
    expect(await owner.api.auth.passkeys.list.query()).toEqual([passkey]);
    await expect(signInWith(authenticator)).resolves.toMatchObject({ user: { id: owner.userId } });
  });

  it("refuses an API key every passkey management call", async () => {
    const person = await signedIn("scripted");
    const { passkey } = await addPasskey(person);
    const { key } = await person.api.apiKeys.create.mutate({ name: "script", scopes: ["order:create"] });
    const script = deployment.server.client({ getAccessToken: () => key }).api.auth.passkeys;
    for (const call of [
      script.list.query(),
      script.get.query({ passkeyId: passkey.id }),
      script.registrationOptions.mutate(),
      script.rename.mutate({ passkeyId: passkey.id, name: "Scripted", version: 1 }),
      script.delete.mutate({ passkeyId: passkey.id }),
    ]) {
      expect((await refusalOf(call)).code).toBe("FORBIDDEN");
    }
    expect(await person.api.auth.passkeys.list.query()).toEqual([passkey]);
  });

  it("lets only a recent sign-in add or delete a passkey", async () => {
    const person = await signedIn("stale-session");
    const { passkey } = await addPasskey(person);
    await db()
      .update(refreshSessions)
      .set({ createdAt: sql`now() - interval '11 minutes'` })
      .where(eq(refreshSessions.id, person.sessionId));
    for (const call of [
      person.api.auth.passkeys.registrationOptions.mutate(),
      person.api.auth.passkeys.delete.mutate({ passkeyId: passkey.id }),
    ]) {
      expect(await refusalOf(call)).toEqual({
        code: "FORBIDDEN",
        message: expect.stringMatching(
          /^Sign in again to (add|delete) a passkey: this session began more than 10 minutes ago$/,
        ),
      });
    }
    expect(await person.api.auth.passkeys.list.query()).toEqual([passkey]);
  });
});

describe.runIf(process.env.DATABASE_URL && process.env.REDIS_URL)("passkeys on two instances", () => {
  const deployment = useDeployment("postgres+redis", {
    instances: ["here", "there"],
    env: { APP_URL: origin, AUTH_RATE_LIMIT_MAX: "1000" },
  });

  it("answers a challenge issued by one instance on the other, and only once", async () => {
    const email = uniqueEmail("travelling");
    const here = deployment.here.client().api;
    await here.auth.register.mutate({ email, password });
    const session = tokensOf(await here.auth.login.mutate({ email, password }));
    const owner = deployment.here.client({ getAccessToken: () => session.accessToken }).api;
    const authenticator = softwareAuthenticator(origin);
    const registration = await owner.auth.passkeys.registrationOptions.mutate();
    await deployment.there
      .client({ getAccessToken: () => session.accessToken })
      .api.auth.passkeys.register.mutate({ response: authenticator.register(registration) });

    const answer = { response: authenticator.assert(await here.auth.passkeys.signInOptions.mutate()) };
    const outcomes = await Promise.allSettled([
      deployment.there.client().api.auth.passkeys.signIn.mutate(answer),
      here.auth.passkeys.signIn.mutate(answer),
    ]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["fulfilled", "rejected"]);
  });
});

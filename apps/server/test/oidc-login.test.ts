import { type Client } from "@seed/client";
import { oidcLoginAttempts, refreshSessions, users } from "@seed/db";
import { unusedPort } from "@seed/db/testing";
import { eq, gt } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticatorCode } from "./support/authenticator";
import { signInAtProvider, startIdentityProvider, type TestIdentityProvider } from "./support/identity-provider";
import {
  accountIdOf,
  availableBackends,
  browserFetch,
  tokensOf,
  uniqueEmail,
  useDeployment,
} from "./support/test-server";
import { refusalOf } from "./support/refusal";

/** The frontend page the provider sends the browser back to; the test plays that page. */
const REDIRECT_URI = "http://127.0.0.1:5173/signed-in";
const PROVIDER = "local";
/** Configured, but nothing answers at its issuer. */
const OFFLINE_PROVIDER = "offline";
const password = "a long passphrase";

describe.each(availableBackends())("signing in with an OpenID Connect provider on %s", (backend) => {
  let identityProvider: TestIdentityProvider;
  beforeAll(async () => {
    identityProvider = await startIdentityProvider(REDIRECT_URI);
  });
  afterAll(() => identityProvider?.stop());
  const deployment = useDeployment(backend, {
    env: async () => ({
      OIDC_PROVIDERS: JSON.stringify([
        {
          name: PROVIDER,
          issuer: identityProvider.issuer,
          clientId: identityProvider.clientId,
          clientSecret: identityProvider.clientSecret,
        },
        {
          name: OFFLINE_PROVIDER,
          issuer: `http://127.0.0.1:${await unusedPort()}`,
          clientId: "seed",
          clientSecret: "unused",
        },
      ]),
      OIDC_REDIRECT_URI: REDIRECT_URI,
      // Every test here signs in several times from one address.
      AUTH_RATE_LIMIT_MAX: "1000",
    }),
  });
  let client: Client;
  beforeAll(() => {
    client = deployment.server.client({ fetch: theBrowser });
  });

  const db = () => deployment.database.connection.db;
  /** The one browser that signs in throughout this file. */
  const theBrowser = browserFetch();

  /**
   * `auth.oidc.start` (on `startedBy`, this file's server by default), then the browser's round
   * trip through the provider's pages; resolves with the callback's input.
   */
  async function authorizeAtProvider(
    subject: string,
    { startedBy = client, tamper = () => {} }: { startedBy?: Client; tamper?: (url: URL) => void } = {},
  ) {
    const { authorizationUrl } = await startedBy.api.auth.oidc.start.mutate({ provider: PROVIDER });
    const url = new URL(authorizationUrl);
    tamper(url);
    const returned = await signInAtProvider(url.href, subject, REDIRECT_URI);
    return {
      provider: PROVIDER,
      code: returned.get("code")!,
      state: returned.get("state")!,
      ...(returned.has("iss") ? { iss: returned.get("iss")! } : {}),
    };
  }

  async function signIn(subject: string) {
    return tokensOf(await client.api.auth.oidc.callback.mutate(await authorizeAtProvider(subject)));
  }

  const signedInAs = (session: { accessToken: string }) =>
    deployment.server.client({ getAccessToken: () => session.accessToken }).api;

  async function turnOnAuthenticator(api: ReturnType<typeof signedInAs>) {
    const { secret } = await api.auth.mfa.enroll.mutate();
    const { recoveryCodes } = await api.auth.mfa.confirm.mutate({ code: authenticatorCode(secret) });
    return { secret, recoveryCodes };
  }

  /** The session began an hour ago, kept alive by refreshes since. */
  async function ageSession(sessionId: string) {
    await db()
      .update(refreshSessions)
      .set({ createdAt: new Date(Date.now() - 3_600_000) })
      .where(eq(refreshSessions.id, sessionId));
  }

  const stored = (userId: string) => db().query.users.findFirst({ where: eq(users.id, userId) });

  const linksOf = (subject: string) =>
    db().query.oauthAccounts.findMany({ where: (links, { eq }) => eq(links.subject, subject) });

  async function refusedCallbacks(reason: string) {
    const events = await db().query.securityEvents.findMany({
      where: (events, { eq }) => eq(events.type, "oidc_login_refused"),
      orderBy: (events, { asc }) => asc(events.id),
    });
    return events.filter((event) => (event.details as { reason?: string }).reason === reason);
  }

  it("lists the configured providers, and only those", async () => {
    expect(await client.api.auth.oidc.providers.query()).toEqual([PROVIDER, OFFLINE_PROVIDER]);
  });

  it("sends the browser to the provider with PKCE (S256), a state and a nonce", async () => {
    const { authorizationUrl } = await client.api.auth.oidc.start.mutate({ provider: PROVIDER });
    const url = new URL(authorizationUrl);
    expect(url.origin).toBe(identityProvider.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: identityProvider.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: "code",
      scope: "openid email",
      code_challenge_method: "S256",
    });
    for (const parameter of ["state", "nonce", "code_challenge"]) {
      expect(url.searchParams.get(parameter)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  it("creates an account on a first sign-in, with tokens that work", async () => {
    const email = uniqueEmail("newcomer");
    const subject = identityProvider.addAccount({ email, emailVerified: true });

    const session = await signIn(subject);

    expect(session.user).toMatchObject({ email, roles: ["customer"] });
    const me = await deployment.server.client({ getAccessToken: () => session.accessToken }).api.auth.me.query();
    expect(me).toMatchObject({ id: session.user.id, email });
    const refreshed = await client.api.auth.refresh.mutate({ refreshToken: session.refreshToken });
    expect(refreshed.user.id).toBe(session.user.id);

    expect(await linksOf(subject)).toEqual([
      expect.objectContaining({ userId: session.user.id, provider: identityProvider.issuer, email }),
    ]);
    const audit = await db().query.auditLog.findMany({ where: (rows, { eq }) => eq(rows.actorId, session.user.id) });
    expect(audit.map((row) => row.action)).toEqual(
      expect.arrayContaining(["user.create", "oauth_account.link", "session.create"]),
    );
    // The account has no password anyone knows.
    const guess = await refusalOf(client.api.auth.login.mutate({ email, password }));
    expect(guess).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("sets the refresh cookie as auth.login does", async () => {
    const subject = identityProvider.addAccount({ email: uniqueEmail("cookie"), emailVerified: true });
    const response = await theBrowser(`${deployment.server.trpcUrl}/auth.oidc.callback`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: await authorizeAtProvider(subject) }),
    });
    expect(response.status).toBe(200);
    const refreshCookie = response.headers.getSetCookie().find((cookie) => cookie.startsWith("seed_refresh="));
    expect(refreshCookie).toMatch(/^seed_refresh=[A-Za-z0-9_-]{43};/);
    expect(refreshCookie).toContain("HttpOnly");
    expect(refreshCookie).toContain("SameSite=Strict");
    expect(refreshCookie).toContain("Path=/trpc");
  });

  it("signs a returning identity in to its linked account, through any instance", async () => {
    const subject = identityProvider.addAccount({ email: uniqueEmail("returning"), emailVerified: true });
    const first = await signIn(subject);

    // The attempt is started on one instance and finished on another.
    const other = await deployment.start();
    const response = await authorizeAtProvider(subject, { startedBy: other.client({ fetch: theBrowser }) });
    const second = tokensOf(await client.api.auth.oidc.callback.mutate(response));

    expect(second.user.id).toBe(first.user.id);
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(await linksOf(subject)).toHaveLength(1);
  });

  it("links a verified email to the password account of that address, ending what a squatter set up", async () => {
    const email = uniqueEmail("owner");
    await client.api.auth.register.mutate({ email, password });
    const earlier = tokensOf(await client.api.auth.login.mutate({ email, password }));
    const registered = earlier.user;

    // The provider spells the address in its own case; it is the same address.
    const subject = identityProvider.addAccount({ email: email.toUpperCase(), emailVerified: true });
    const session = await signIn(subject);

    expect(session.user.id).toBe(registered.id);
    expect(await linksOf(subject)).toEqual([expect.objectContaining({ userId: registered.id })]);
    // Nothing proved that whoever chose the password owns the address: password and older
    // sessions end, the provider's sign-in goes on.
    expect(await refusalOf(client.api.auth.login.mutate({ email, password }))).toMatchObject({ code: "UNAUTHORIZED" });
    const oldRefresh = await refusalOf(client.api.auth.refresh.mutate({ refreshToken: earlier.refreshToken }));
    expect(oldRefresh).toMatchObject({ code: "UNAUTHORIZED" });
    const me = await deployment.server.client({ getAccessToken: () => session.accessToken }).api.auth.me.query();
    expect(me.id).toBe(registered.id);
    expect(await signedInAs(session).users.me.query()).toMatchObject({ hasPassword: false });
  });

  it("links to a password account whose address was confirmed by mail, keeping its password", async () => {
    const email = uniqueEmail("confirmed");
    await client.api.auth.register.mutate({ email, password });
    const earlier = tokensOf(await client.api.auth.login.mutate({ email, password }));
    const registered = earlier.user;
    await db().update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, registered.id));

    const subject = identityProvider.addAccount({ email, emailVerified: true });
    expect((await signIn(subject)).user.id).toBe(registered.id);
    await expect(client.api.auth.login.mutate({ email, password })).resolves.toBeDefined();
    await expect(client.api.auth.refresh.mutate({ refreshToken: earlier.refreshToken })).resolves.toBeDefined();
  });

  it("asks an account with an authenticator for its code, as a password sign-in does", async () => {
    const subject = identityProvider.addAccount({ email: uniqueEmail("second-factor"), emailVerified: true });
    await turnOnAuthenticator(signedInAs(await signIn(subject)));

    const again = await client.api.auth.oidc.callback.mutate(await authorizeAtProvider(subject));
    expect(again).toEqual({
      status: "mfa-required",
      challenge: expect.any(String),
      challengeExpiresAt: expect.any(Date),
    });
    expect(again).not.toHaveProperty("accessToken");
  });

  describe("proving again who you are before turning off two-step sign-in or deleting the account", () => {
    it("asks an account without a password for a recent sign-in and a code, not for a password", async () => {
      const subject = identityProvider.addAccount({ email: uniqueEmail("no-password"), emailVerified: true });
      const session = await signIn(subject);
      const api = signedInAs(session);
      expect(await api.users.me.query()).toMatchObject({ hasPassword: false });
      const { secret } = await turnOnAuthenticator(api);

      expect(await refusalOf(api.auth.mfa.disable.mutate({ code: "not-a-code" }))).toEqual({
        code: "FORBIDDEN",
        message: "Wrong password or code",
      });
      expect(await refusalOf(api.auth.mfa.disable.mutate({ password, code: authenticatorCode(secret, 1) }))).toEqual({
        code: "BAD_REQUEST",
        message:
          "This account has no password: leave it out, and sign in again with your identity provider to turn off two-step sign-in",
      });
      await expect(api.auth.mfa.disable.mutate({ code: authenticatorCode(secret, 1) })).resolves.toEqual({
        disabled: true,
      });
      expect(await api.auth.mfa.status.query()).toEqual({ enabled: false, recoveryCodesLeft: 0 });

      await api.users.deleteAccount.mutate({});
      expect(await stored(session.user.id)).toMatchObject({ passwordHash: null, deletedAt: expect.any(Date) });
      expect(await linksOf(subject)).toEqual([]);
      expect(await refusalOf(client.api.auth.refresh.mutate({ refreshToken: session.refreshToken }))).toMatchObject({
        code: "UNAUTHORIZED",
      });
    });

    it("refuses a session that began long ago, changes nothing, and takes a fresh sign-in", async () => {
      const subject = identityProvider.addAccount({ email: uniqueEmail("stale"), emailVerified: true });
      const session = await signIn(subject);
      const { secret, recoveryCodes } = await turnOnAuthenticator(signedInAs(session));
      await ageSession(session.sessionId);
      const stale = signedInAs(session);
      const before = await stored(session.user.id);

      const turnOff = await refusalOf(stale.auth.mfa.disable.mutate({ code: recoveryCodes[0]! }));
      expect(turnOff).toEqual({
        code: "FORBIDDEN",
        message:
          "Sign in again with your identity provider to turn off two-step sign-in: this session began more than 10 minutes ago",
      });
      expect(await refusalOf(stale.users.deleteAccount.mutate({}))).toEqual({
        code: "FORBIDDEN",
        message:
          "Sign in again with your identity provider to delete your account: this session began more than 10 minutes ago",
      });
      expect(await refusalOf(stale.users.changeEmail.mutate({ newEmail: uniqueEmail("moved") }))).toMatchObject({
        code: "FORBIDDEN",
      });
      // The recovery code offered was not used up, and the account is as it was.
      expect(await stale.auth.mfa.status.query()).toEqual({ enabled: true, recoveryCodesLeft: 10 });
      expect(await stored(session.user.id)).toEqual(before);
      expect(await linksOf(subject)).toHaveLength(1);

      // What the refusal says to do: sign in again with the provider (and the code it asks for).
      const again = await client.api.auth.oidc.callback.mutate(await authorizeAtProvider(subject));
      if (again.status !== "mfa-required") throw new Error(`expected a code to be asked for, got ${again.status}`);
      const fresh = signedInAs(
        await client.api.auth.mfa.verify.mutate({ challenge: again.challenge, code: authenticatorCode(secret, 1) }),
      );
      await expect(fresh.auth.mfa.disable.mutate({ code: recoveryCodes[0]! })).resolves.toEqual({ disabled: true });
      await fresh.users.deleteAccount.mutate({});
      expect(await stored(session.user.id)).toMatchObject({ deletedAt: expect.any(Date) });
    });

    it("keeps asking an account with a password for it, even right after a provider's sign-in", async () => {
      const email = uniqueEmail("has-password");
      await client.api.auth.register.mutate({ email, password });
      const registered = { id: await accountIdOf(deployment, email) };
      await db().update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, registered.id));
      const subject = identityProvider.addAccount({ email, emailVerified: true });
      const api = signedInAs(await signIn(subject));
      expect(await api.users.me.query()).toMatchObject({ hasPassword: true });
      const { recoveryCodes } = await turnOnAuthenticator(api);
      const before = await stored(registered.id);

      expect(await refusalOf(api.auth.mfa.disable.mutate({ code: recoveryCodes[0]! }))).toEqual({
        code: "BAD_REQUEST",
        message: "Enter your password to turn off two-step sign-in",
      });
      expect(await refusalOf(api.users.deleteAccount.mutate({}))).toEqual({
        code: "BAD_REQUEST",
        message: "Enter your password to delete your account",
      });
      expect(await refusalOf(api.users.changeEmail.mutate({ newEmail: uniqueEmail("moved") }))).toEqual({
        code: "BAD_REQUEST",
        message: "Enter your password to change your email address",
      });
      expect(await api.auth.mfa.status.query()).toEqual({ enabled: true, recoveryCodesLeft: 10 });
      expect(await stored(registered.id)).toEqual(before);

      await expect(api.auth.mfa.disable.mutate({ password, code: recoveryCodes[0]! })).resolves.toEqual({
        disabled: true,
      });
      await api.users.deleteAccount.mutate({ password });
      expect(await stored(registered.id)).toMatchObject({ deletedAt: expect.any(Date) });
    });
  });

  it("refuses an unverified email that would take over an existing account, and changes nothing", async () => {
    const email = uniqueEmail("victim");
    await client.api.auth.register.mutate({ email, password });
    const victim = { id: await accountIdOf(deployment, email) };
    const attacker = identityProvider.addAccount({ email, emailVerified: false });
    const refusedBefore = (await refusedCallbacks("email_not_verified")).length;

    const outcome = await refusalOf(signIn(attacker));

    expect(outcome).toEqual({
      code: "FORBIDDEN",
      message: "The identity provider has not verified your email address; verify it there, or sign in another way",
    });
    expect(await linksOf(attacker)).toEqual([]);
    const sessions = await db().query.refreshSessions.findMany({ where: (rows, { eq }) => eq(rows.userId, victim.id) });
    expect(sessions).toEqual([]);
    const accounts = await db().query.users.findMany({ where: (users, { ilike }) => ilike(users.email, email) });
    expect(accounts.map((account) => account.id)).toEqual([victim.id]);
    expect(await client.api.auth.login.mutate({ email, password })).toMatchObject({ user: { id: victim.id } });
    const refused = await refusedCallbacks("email_not_verified");
    expect(refused).toHaveLength(refusedBefore + 1);
    expect(refused.at(-1)!.details).toMatchObject({ provider: PROVIDER, subject: attacker, email });
  });

  it("creates no account for an unverified email either", async () => {
    const email = uniqueEmail("unverified");
    const subject = identityProvider.addAccount({ email, emailVerified: false });
    expect(await refusalOf(signIn(subject))).toMatchObject({ code: "FORBIDDEN" });
    expect(await db().query.users.findMany({ where: (users, { eq }) => eq(users.email, email) })).toEqual([]);
  });

  it("refuses a callback carried to another browser (login CSRF), and keeps the attempt", async () => {
    const subject = identityProvider.addAccount({ email: uniqueEmail("attacker"), emailVerified: true });
    const attackersCallback = await authorizeAtProvider(subject);
    const victimsBrowser = deployment.server.client({ fetch: browserFetch() });
    expect(await refusalOf(victimsBrowser.api.auth.oidc.callback.mutate(attackersCallback))).toMatchObject({
      code: "UNAUTHORIZED",
    });
    expect(await linksOf(subject)).toEqual([]);
  });

  it("refuses a state it never issued", async () => {
    const subject = identityProvider.addAccount({ email: uniqueEmail("forged"), emailVerified: true });
    const response = await authorizeAtProvider(subject);
    const forged = { ...response, state: "a".repeat(43) };

    expect(await refusalOf(client.api.auth.oidc.callback.mutate(forged))).toEqual({
      code: "UNAUTHORIZED",
      message: "This sign-in attempt is unknown, already used or expired; start again",
    });
    expect(await linksOf(subject)).toEqual([]);
  });

  it("refuses a callback replayed with the same code and state", async () => {
    const subject = identityProvider.addAccount({ email: uniqueEmail("replay"), emailVerified: true });
    const response = await authorizeAtProvider(subject);
    await client.api.auth.oidc.callback.mutate(response);
    const refusedBefore = (await refusedCallbacks("unknown_state")).length;

    const replayed = await refusalOf(client.api.auth.oidc.callback.mutate(response));
    expect(replayed).toMatchObject({ code: "UNAUTHORIZED" });
    // Refused on its used-up state, before the code ever went back to the provider.
    expect(await refusedCallbacks("unknown_state")).toHaveLength(refusedBefore + 1);
  });

  it("refuses an attempt that has expired", async () => {
    const subject = identityProvider.addAccount({ email: uniqueEmail("late"), emailVerified: true });
    const response = await authorizeAtProvider(subject);
    // Ten minutes pass: every attempt still open, this one included, runs out.
    const expired = await db()
      .update(oidcLoginAttempts)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(gt(oidcLoginAttempts.expiresAt, new Date()))
      .returning();
    expect(expired.length).toBeGreaterThan(0);

    expect(await refusalOf(client.api.auth.oidc.callback.mutate(response))).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("refuses the code of another attempt: its PKCE verifier does not match", async () => {
    const subject = identityProvider.addAccount({ email: uniqueEmail("swap"), emailVerified: true });
    const first = await authorizeAtProvider(subject);
    const second = await authorizeAtProvider(subject);

    const swapped = await refusalOf(client.api.auth.oidc.callback.mutate({ ...second, code: first.code }));
    expect(swapped).toMatchObject({ code: "UNAUTHORIZED" });
    expect(await linksOf(subject)).toEqual([]);
  });

  it("refuses an ID token whose nonce is not the attempt's", async () => {
    const subject = identityProvider.addAccount({ email: uniqueEmail("nonce"), emailVerified: true });
    // Someone rewrites the authorization request on its way to the provider: the code is bound
    // to their nonce, while state and PKCE are the attempt's own.
    const response = await authorizeAtProvider(subject, {
      tamper: (url) => url.searchParams.set("nonce", "x".repeat(43)),
    });
    const rejectedBefore = (await refusedCallbacks("provider_response_rejected")).length;

    expect(await refusalOf(client.api.auth.oidc.callback.mutate(response))).toEqual({
      code: "UNAUTHORIZED",
      message: "The identity provider did not confirm this sign-in; start again",
    });
    expect(await linksOf(subject)).toEqual([]);
    const rejected = await refusedCallbacks("provider_response_rejected");
    expect(rejected).toHaveLength(rejectedBefore + 1);
    expect(rejected.at(-1)!.details).toMatchObject({ error: "OAUTH_JWT_CLAIM_COMPARISON_FAILED" });
  });

  it("answers BAD_GATEWAY, without internals, when the provider cannot be reached", async () => {
    expect(await refusalOf(client.api.auth.oidc.start.mutate({ provider: OFFLINE_PROVIDER }))).toEqual({
      code: "BAD_GATEWAY",
      message: "The identity provider could not be reached; try again later",
    });
  });

  it("refuses a provider that is not configured", async () => {
    const unknown = { code: "NOT_FOUND", message: "Unknown identity provider" };
    expect(await refusalOf(client.api.auth.oidc.start.mutate({ provider: "elsewhere" }))).toEqual(unknown);
    const callback = client.api.auth.oidc.callback.mutate({ provider: "elsewhere", code: "c", state: "s" });
    expect(await refusalOf(callback)).toEqual(unknown);
  });
});

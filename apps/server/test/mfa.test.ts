import { type RouterOutputs } from "@seed/client";
import { refreshSessions } from "@seed/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { availableBackends, rawCall, tokensOf, uniqueEmail, useDeployment } from "./support/test-server";
import { authenticatorCode } from "./support/authenticator";
import { refusalOf } from "./support/refusal";

const password = "a long passphrase";

/** The challenge of a sign-in that asked for a code; fails the test when it did not. */
function challengeOf(result: RouterOutputs["auth"]["login"]): string {
  if (result.status !== "mfa-required") throw new Error(`expected a code to be asked for, got ${result.status}`);
  return result.challenge;
}

/** A `fetch` that keeps the cookies each response sets, to see which calls hand out a session. */
function cookieRecordingFetch() {
  const responses: string[][] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    responses.push(response.headers.getSetCookie());
    return response;
  };
  return { fetch: recordingFetch, lastCookies: () => responses.at(-1) ?? [] };
}

describe.each(availableBackends())("two-step sign-in with an authenticator app on %s", (backend) => {
  const deployment = useDeployment(backend);

  it("goes enrol → confirm → a login that needs a code → replays and reuses refused → disable", async () => {
    const email = uniqueEmail("mfa");
    const cookies = cookieRecordingFetch();
    let accessToken: string | null = null;
    const { api } = deployment.server.client({ getAccessToken: () => accessToken, fetch: cookies.fetch });
    await api.auth.register.mutate({ email, password });
    const first = tokensOf(await api.auth.login.mutate({ email, password }));
    accessToken = first.accessToken;

    const enrolment = await api.auth.mfa.enroll.mutate();
    expect(enrolment.otpauthUri).toContain(`secret=${enrolment.secret}`);
    expect(enrolment.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
    const { recoveryCodes } = await api.auth.mfa.confirm.mutate({ code: authenticatorCode(enrolment.secret) });
    expect(recoveryCodes).toHaveLength(10);
    expect(await api.auth.mfa.status.query()).toEqual({ enabled: true, recoveryCodesLeft: 10 });
    expect(await refusalOf(api.auth.mfa.enroll.mutate())).toMatchObject({ code: "CONFLICT" });
    await api.auth.logout.mutate({ refreshToken: first.refreshToken });
    accessToken = null;

    // The password alone: a challenge, and neither tokens nor cookies.
    const pending = await api.auth.login.mutate({ email, password });
    expect(pending).toEqual({
      status: "mfa-required",
      challenge: expect.any(String),
      challengeExpiresAt: expect.any(Date),
    });
    expect(cookies.lastCookies()).toEqual([]);

    const code = authenticatorCode(enrolment.secret, 1);
    const session = await api.auth.mfa.verify.mutate({ challenge: challengeOf(pending), code });
    expect(cookies.lastCookies().map((cookie) => cookie.split("=")[0])).toEqual(["seed_access", "seed_refresh"]);
    accessToken = session.accessToken;
    expect(await api.auth.me.query()).toMatchObject({ id: first.user.id, email });

    // An eavesdropper with the same code and a fresh challenge of their own gets nowhere.
    const challenge = challengeOf(await api.auth.login.mutate({ email, password }));
    expect(await refusalOf(api.auth.mfa.verify.mutate({ challenge, code }))).toEqual({
      code: "UNAUTHORIZED",
      message: "Invalid code",
    });

    // A recovery code works, once.
    await expect(api.auth.mfa.verify.mutate({ challenge, code: recoveryCodes[0]! })).resolves.toMatchObject({
      user: { email },
    });
    const another = challengeOf(await api.auth.login.mutate({ email, password }));
    expect(await refusalOf(api.auth.mfa.verify.mutate({ challenge: another, code: recoveryCodes[0]! }))).toMatchObject({
      code: "UNAUTHORIZED",
    });

    // Turning it off with a stolen session but without the password: refused, nothing changes.
    const withoutPassword = await refusalOf(
      api.auth.mfa.disable.mutate({ password: "a guess at the password", code: recoveryCodes[1]! }),
    );
    expect(withoutPassword).toEqual({ code: "FORBIDDEN", message: "Wrong password or code" });
    expect(await api.auth.mfa.status.query()).toEqual({ enabled: true, recoveryCodesLeft: 9 });

    // The authenticator's next code may not be due yet (two steps were just used); a recovery code
    // proves the second factor as well.
    await expect(api.auth.mfa.disable.mutate({ password, code: recoveryCodes[1]! })).resolves.toEqual({
      disabled: true,
    });
    expect(await api.auth.mfa.status.query()).toEqual({ enabled: false, recoveryCodesLeft: 0 });
    expect(tokensOf(await api.auth.login.mutate({ email, password })).user.email).toBe(email);
  });

  it("lets only a recent sign-in set up an authenticator, so a stolen old session cannot", async () => {
    const email = uniqueEmail("stale");
    await deployment.server.client().api.auth.register.mutate({ email, password });
    const session = tokensOf(await deployment.server.client().api.auth.login.mutate({ email, password }));
    // The session began an hour ago (kept alive by refreshes since).
    await deployment.database.connection.db
      .update(refreshSessions)
      .set({ createdAt: new Date(Date.now() - 3_600_000) })
      .where(eq(refreshSessions.id, session.sessionId));
    const stale = deployment.server.client({ getAccessToken: () => session.accessToken });
    expect(await refusalOf(stale.api.auth.mfa.enroll.mutate())).toEqual({
      code: "FORBIDDEN",
      message: "Sign in again to set up two-step sign-in: this session began too long ago",
    });
    expect(await stale.api.auth.mfa.status.query()).toEqual({ enabled: false, recoveryCodesLeft: 0 });
  });

  it("refuses a challenge that is malformed, unknown, or sent in a batch", async () => {
    const { api } = deployment.server.client();
    expect(await refusalOf(api.auth.mfa.verify.mutate({ challenge: "short", code: "123456" }))).toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(await refusalOf(api.auth.mfa.verify.mutate({ challenge: "A".repeat(43), code: "123456" }))).toMatchObject({
      code: "UNAUTHORIZED",
      message: expect.stringContaining("sign in again"),
    });

    const batched = await rawCall(
      deployment.server.trpcUrl,
      "auth.mfa.verify,auth.mfa.verify?batch=1",
      JSON.stringify({
        0: { json: { challenge: "A".repeat(43), code: "123456" } },
        1: { json: { challenge: "A".repeat(43), code: "654321" } },
      }),
    );
    expect(batched.status).toBe(400);
  });
});

/** An attacker who holds the password guesses the code; the lock-out must stop them as it stops password guesses. */
describe.each(availableBackends())("code guessing on %s", (backend) => {
  // The per-address request limit is set high: this file tests the per-account lock-out.
  const deployment = useDeployment(backend, { env: { AUTH_RATE_LIMIT_MAX: "1000" } });

  it("gives thirty codes guessed at once with a stolen password no more tries than five in a row", async () => {
    const email = uniqueEmail("code-burst");
    let accessToken: string | null = null;
    const { api } = deployment.server.client({ getAccessToken: () => accessToken });
    await api.auth.register.mutate({ email, password });
    const owner = tokensOf(await api.auth.login.mutate({ email, password }));
    accessToken = owner.accessToken;
    const { secret } = await api.auth.mfa.enroll.mutate();
    await api.auth.mfa.confirm.mutate({ code: authenticatorCode(secret) });

    const challenge = challengeOf(await deployment.server.client().api.auth.login.mutate({ email, password }));
    const guesses = Array.from({ length: 30 }, (_, guess) =>
      refusalOf(deployment.server.client().api.auth.mfa.verify.mutate({ challenge, code: `guess ${guess}` })),
    );
    const refusals = await Promise.all(guesses);
    expect(refusals.filter(({ message }) => message === "Invalid code")).toHaveLength(5);
    expect(refusals.filter(({ code }) => code === "TOO_MANY_REQUESTS")).toHaveLength(25);

    const rightCode = authenticatorCode(secret, 1);
    expect((await refusalOf(api.auth.mfa.verify.mutate({ challenge, code: rightCode }))).code).toBe(
      "TOO_MANY_REQUESTS",
    );
    expect((await refusalOf(api.auth.login.mutate({ email, password }))).code).toBe("TOO_MANY_REQUESTS");
    const sessions = await deployment.database.connection.db
      .select()
      .from(refreshSessions)
      .where(eq(refreshSessions.userId, owner.user.id));
    expect(sessions.map(({ id }) => id)).toEqual([owner.sessionId]);
  });
});

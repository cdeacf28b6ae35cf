import { emailTokens, mailOutbox, users } from "@seed/db";
import { desc, eq } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSmtpSink, type SmtpSink } from "../../../packages/platform/test/smtp-sink";
import { availableBackends, rawCall, tokensOf, uniqueEmail, useDeployment } from "./support/test-server";
import { codeOf } from "./support/refusal";

const password = "a long passphrase";

describe.each(availableBackends())("email verification and password reset on %s", (backend) => {
  const deployment = useDeployment(backend, {
    env: { AUTH_RATE_LIMIT_MAX: "1000", APP_URL: "https://shop.example.com" },
  });

  /** The token of the last link mailed to `to` for `page`, read from the outbox as a user would. */
  async function linkToken(to: string, page: "verify-email" | "reset-password"): Promise<string> {
    const [mail] = await deployment.database.connection.db
      .select()
      .from(mailOutbox)
      .where(eq(mailOutbox.to, to))
      .orderBy(desc(mailOutbox.id))
      .limit(1);
    const match = mail?.text.match(new RegExp(`https://shop\\.example\\.com/${page}\\?token=([\\w-]{43})`));
    expect(match, `a ${page} link mailed to ${to}`).toBeTruthy();
    return match![1]!;
  }

  const verifiedAt = async (email: string) =>
    (await deployment.database.connection.db.query.users.findFirst({ where: eq(users.email, email) }))
      ?.emailVerifiedAt ?? null;

  /** A new account, signed in. */
  const signedIn = async (label: string) => {
    const email = uniqueEmail(label);
    await deployment.server.client().api.auth.register.mutate({ email, password });
    const { accessToken } = tokensOf(await deployment.server.client().api.auth.login.mutate({ email, password }));
    return { email, client: deployment.server.client({ getAccessToken: () => accessToken }) };
  };

  it("mails a confirmation link on sign-up that verifies the address once", async () => {
    const email = uniqueEmail("verify");
    await deployment.server.client().api.auth.register.mutate({ email, password });
    const token = await linkToken(email, "verify-email");
    expect(await verifiedAt(email)).toBeNull();

    await expect(deployment.server.client().api.auth.email.verify.mutate({ token })).resolves.toEqual({
      verified: true,
    });
    expect(await verifiedAt(email)).toBeInstanceOf(Date);
    expect(await codeOf(deployment.server.client().api.auth.email.verify.mutate({ token }))).toBe("BAD_REQUEST");
  });

  it("mails a user at most five more confirmation links an hour, and another user still gets theirs", async () => {
    const flooder = await signedIn("flood");
    for (let sent = 0; sent < 5; sent += 1) {
      await expect(flooder.client.api.auth.email.sendVerification.mutate()).resolves.toEqual({ sent: true });
    }
    expect(await codeOf(flooder.client.api.auth.email.sendVerification.mutate())).toBe("TOO_MANY_REQUESTS");
    expect(await subjectsMailedTo(flooder.email)).toHaveLength(6);

    const someoneElse = await signedIn("patient");
    await expect(someoneElse.client.api.auth.email.sendVerification.mutate()).resolves.toEqual({ sent: true });
  });

  it("refuses a made-up or malformed verification token", async () => {
    expect(await codeOf(deployment.server.client().api.auth.email.verify.mutate({ token: "A".repeat(43) }))).toBe(
      "BAD_REQUEST",
    );
    expect(await codeOf(deployment.server.client().api.auth.email.verify.mutate({ token: "short" }))).toBe(
      "BAD_REQUEST",
    );
  });

  /** The subjects of the mails that went to `to`, oldest first. */
  async function subjectsMailedTo(to: string): Promise<string[]> {
    const mails = await deployment.database.connection.db
      .select({ subject: mailOutbox.subject })
      .from(mailOutbox)
      .where(eq(mailOutbox.to, to))
      .orderBy(mailOutbox.id);
    return mails.map((mail) => mail.subject);
  }

  const restRoutes = { "auth.register": "auth/register", "auth.password.requestReset": "auth/password/request-reset" };

  /** The answer to one call, over tRPC and over REST, as an onlooker sees it: status and body. */
  async function answersTo(procedure: keyof typeof restRoutes, input: object) {
    const trpc = await rawCall(deployment.server.trpcUrl, procedure, JSON.stringify({ json: input }));
    const rest = await fetch(`${deployment.server.baseUrl}/api/${restRoutes[procedure]}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(input),
    });
    return [trpc, { status: rest.status, body: (await rest.json()) as unknown }];
  }

  it("answers a sign-up with a taken address exactly like one with a free address, and tells the owner", async () => {
    const owner = uniqueEmail("owner");
    await deployment.server.client().api.auth.register.mutate({ email: owner, password });
    const free = () => ({ email: uniqueEmail("free"), password });
    const taken = [
      { email: owner, password: "the attacker's own passphrase" },
      { email: owner.toUpperCase(), password },
      { email: ` ${owner}`, password: "another passphrase" },
    ];
    const expected = await answersTo("auth.register", free());
    expect(expected[0]).toEqual({ status: 200, body: { result: { data: { json: { sent: true } } } } });
    // Accepted, with no Location: a 201 pointing at a new account would tell a free address from a taken one.
    expect(expected[1]).toEqual({ status: 202, body: { sent: true } });
    for (const attempt of [...taken, free()]) expect(await answersTo("auth.register", attempt)).toEqual(expected);

    // Each attempt told the owner, and nothing else changed: one account, its password unchanged.
    expect(await subjectsMailedTo(owner)).toEqual([
      "Confirm your email address",
      ...Array<string>(taken.length * 2).fill("Someone tried to use your address"),
    ]);
    expect(await codeOf(deployment.server.client().api.auth.login.mutate(taken[0]!))).toBe("UNAUTHORIZED");
    await expect(deployment.server.client().api.auth.login.mutate({ email: owner, password })).resolves.toMatchObject({
      status: "signed-in",
    });
    const accounts = await deployment.database.connection.db.query.users.findMany({
      where: (users, { ilike }) => ilike(users.email, owner),
    });
    expect(accounts).toHaveLength(1);
    expect(await verifiedAt(owner)).toBeNull();
  });

  it("answers a reset request for an unknown address exactly like one for a known address", async () => {
    const known = uniqueEmail("known");
    await deployment.server.client().api.auth.register.mutate({ email: known, password });
    const unknown = [uniqueEmail("unknown"), uniqueEmail("never-registered"), `x${known}`];
    const expected = await answersTo("auth.password.requestReset", { email: known });
    expect(expected).toEqual([
      { status: 200, body: { result: { data: { json: { requested: true } } } } },
      { status: 200, body: { requested: true } },
    ]);
    for (const email of [...unknown, known.toUpperCase()]) {
      expect(await answersTo("auth.password.requestReset", { email })).toEqual(expected);
    }

    // Once over tRPC and once over REST, for the address and for it in capitals.
    expect(await subjectsMailedTo(known)).toEqual([
      "Confirm your email address",
      ...Array<string>(4).fill("Reset your password"),
    ]);
    for (const email of unknown) expect(await subjectsMailedTo(email)).toEqual([]);
  });

  it("mails one address at most ten unsolicited mails an hour, and answers every request as before", async () => {
    const flooded = uniqueEmail("flooded");
    await deployment.server.client().api.auth.register.mutate({ email: flooded, password });
    const expected = await answersTo("auth.password.requestReset", { email: flooded });
    for (let request = 0; request < 4; request += 1) {
      expect(await answersTo("auth.password.requestReset", { email: flooded })).toEqual(expected);
    }
    // The sign-up's confirmation and nine reset links are out: what follows is answered as ever,
    // and goes as a decoy.
    const signUp = await answersTo("auth.register", { email: uniqueEmail("free"), password });
    expect(await answersTo("auth.register", { email: flooded, password: "the attacker's passphrase" })).toEqual(signUp);
    expect(await answersTo("auth.password.requestReset", { email: flooded.toUpperCase() })).toEqual(expected);
    const mover = await signedIn("mover");
    await expect(mover.client.api.users.changeEmail.mutate({ newEmail: flooded, password })).resolves.toEqual({
      sent: true,
    });
    expect(await subjectsMailedTo(flooded)).toEqual([
      "Confirm your email address",
      ...Array<string>(9).fill("Reset your password"),
    ]);
    // The last link mailed still works: the requests past the budget made no link to void it.
    const token = await linkToken(flooded, "reset-password");
    await expect(
      deployment.server.client().api.auth.password.reset.mutate({ token, password: "a brand new passphrase" }),
    ).resolves.toEqual({ reset: true });

    // Another address is not affected.
    const other = uniqueEmail("spared");
    await deployment.server.client().api.auth.register.mutate({ email: other, password });
    await deployment.server.client().api.auth.password.requestReset.mutate({ email: other });
    expect(await subjectsMailedTo(other)).toEqual(["Confirm your email address", "Reset your password"]);

    // Resets asked for an address without an account count too (their decoys are dropped): its
    // sign-up is answered as ever, and its owner, signed in, asks for the confirmation again.
    const later = uniqueEmail("later");
    for (let request = 0; request < 5; request += 1) await answersTo("auth.password.requestReset", { email: later });
    expect(await answersTo("auth.register", { email: later, password })).toEqual(signUp);
    expect(await subjectsMailedTo(later)).toEqual([]);
    const { accessToken } = tokensOf(
      await deployment.server.client().api.auth.login.mutate({ email: later, password }),
    );
    const owner = deployment.server.client({ getAccessToken: () => accessToken });
    await expect(owner.api.auth.email.sendVerification.mutate()).resolves.toEqual({ sent: true });
    expect(await subjectsMailedTo(later)).toEqual(["Confirm your email address"]);
  });

  it("resets the password with the mailed link and signs the account out everywhere", async () => {
    const email = uniqueEmail("reset");
    await deployment.server.client().api.auth.register.mutate({ email, password });
    const before = tokensOf(await deployment.server.client().api.auth.login.mutate({ email, password }));
    const signedIn = deployment.server.client({ getAccessToken: () => before.accessToken });

    await deployment.server.client().api.auth.password.requestReset.mutate({ email });
    const token = await linkToken(email, "reset-password");
    await deployment.server.client().api.auth.password.reset.mutate({ token, password: "an entirely new passphrase" });

    expect(await codeOf(signedIn.api.auth.me.query())).toBe("UNAUTHORIZED");
    expect(
      await codeOf(deployment.server.client().api.auth.refresh.mutate({ refreshToken: before.refreshToken })),
    ).toBe("UNAUTHORIZED");
    expect(await codeOf(deployment.server.client().api.auth.login.mutate({ email, password }))).toBe("UNAUTHORIZED");
    await expect(
      deployment.server.client().api.auth.login.mutate({ email, password: "an entirely new passphrase" }),
    ).resolves.toBeDefined();
    expect(
      await codeOf(
        deployment.server.client().api.auth.password.reset.mutate({ token, password: "yet another passphrase" }),
      ),
    ).toBe("BAD_REQUEST");
  });

  it("removes the authenticator a squatter put on an unconfirmed address, but not the owner's", async () => {
    const email = uniqueEmail("squatted");
    await deployment.server.client().api.auth.register.mutate({ email, password });
    const enableMfa = async (secretPassword: string) => {
      const session = tokensOf(
        await deployment.server.client().api.auth.login.mutate({ email, password: secretPassword }),
      );
      const signedIn = deployment.server.client({ getAccessToken: () => session.accessToken });
      const { secret } = await signedIn.api.auth.mfa.enroll.mutate();
      await signedIn.api.auth.mfa.confirm.mutate({ code: TOTP.generate({ secret: Secret.fromBase32(secret) }) });
    };
    const resetTo = async (newPassword: string) => {
      await deployment.server.client().api.auth.password.requestReset.mutate({ email });
      const token = await linkToken(email, "reset-password");
      await deployment.server.client().api.auth.password.reset.mutate({ token, password: newPassword });
    };

    await enableMfa(password);
    await resetTo("the owner's new passphrase");
    const owner = await deployment.server
      .client()
      .api.auth.login.mutate({ email, password: "the owner's new passphrase" });
    expect(owner.status).toBe("signed-in");
    expect(await verifiedAt(email)).toBeInstanceOf(Date);

    await enableMfa("the owner's new passphrase");
    await resetTo("another new passphrase");
    const again = await deployment.server.client().api.auth.login.mutate({ email, password: "another new passphrase" });
    expect(again.status).toBe("mfa-required");
  });

  it("refuses an expired reset link and keeps the password", async () => {
    const email = uniqueEmail("late");
    await deployment.server.client().api.auth.register.mutate({ email, password });
    await deployment.server.client().api.auth.password.requestReset.mutate({ email });
    const token = await linkToken(email, "reset-password");
    // The link was mailed two hours ago.
    await deployment.database.connection.db
      .update(emailTokens)
      .set({ expiresAt: new Date(Date.now() - 3600_000) })
      .where(eq(emailTokens.email, email));
    expect(
      await codeOf(
        deployment.server.client().api.auth.password.reset.mutate({ token, password: "an entirely new passphrase" }),
      ),
    ).toBe("BAD_REQUEST");
    await expect(deployment.server.client().api.auth.login.mutate({ email, password })).resolves.toBeDefined();
  });

  it("refuses a common new password without using up the link", async () => {
    const email = uniqueEmail("weak");
    await deployment.server.client().api.auth.register.mutate({ email, password });
    await deployment.server.client().api.auth.password.requestReset.mutate({ email });
    const token = await linkToken(email, "reset-password");
    expect(
      await codeOf(deployment.server.client().api.auth.password.reset.mutate({ token, password: "password123" })),
    ).toBe("BAD_REQUEST");
    await expect(
      deployment.server.client().api.auth.password.reset.mutate({ token, password: "a strong new passphrase" }),
    ).resolves.toEqual({ reset: true });
  });
});

describe("mail through SMTP", () => {
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await startSmtpSink();
  });
  afterAll(() => smtp?.close());
  const deployment = useDeployment("embedded", {
    instances: [],
    env: () => ({ SMTP_URL: smtp.url, MAIL_FROM: "Shop <shop@example.com>" }),
  });

  it("sends the confirmation mail to the SMTP server through the job queue, and keeps when it left but not its link", async () => {
    const server = await deployment.start();
    const email = uniqueEmail("smtp");
    await server.client().api.auth.register.mutate({ email, password });
    // The request queued the mail; the server's job worker sends it.
    await expect
      .poll(() => smtp.received)
      .toEqual([{ to: email, body: expect.stringContaining("Confirm your email address") }]);
    expect(smtp.received[0]!.body).toContain("From: Shop <shop@example.com>");
    const stored = async () =>
      (await deployment.database.connection.db.select().from(mailOutbox).where(eq(mailOutbox.to, email)))[0];
    await expect.poll(async () => (await stored())?.sentAt).toBeInstanceOf(Date);
    // The confirmation link left with the mail; the database keeps its token as a hash only.
    expect(await stored()).toMatchObject({ subject: expect.any(String), text: "" });
  });

  it("writes a decoy for a reset to an unknown address as a mail, and the dispatcher drops it unsent", async () => {
    // One job at a time, in order: once the known address's mail has left, the decoy's job is done.
    const server = await deployment.start({ JOB_CONCURRENCY: "1" });
    const known = uniqueEmail("smtp-known");
    await server.client().api.auth.register.mutate({ email: known, password });
    const unknown = uniqueEmail("smtp-unknown");
    await server.client().api.auth.password.requestReset.mutate({ email: unknown });
    await server.client().api.auth.password.requestReset.mutate({ email: known });

    await expect.poll(() => smtp.received.filter((mail) => mail.to === known).length).toBe(2);
    expect(smtp.received.filter((mail) => mail.to === unknown)).toEqual([]);
    expect(await deployment.database.connection.db.select().from(mailOutbox).where(eq(mailOutbox.to, unknown))).toEqual(
      [],
    );
  });
});

import { emailTokens, mailOutbox, users } from "@seed/db";
import { desc, eq } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSmtpSink, type SmtpSink } from "./support/smtp-sink";
import { availableBackends, tokensOf, uniqueEmail, useDeployment } from "./support/test-server";
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

  it("refuses a made-up or malformed verification token", async () => {
    expect(await codeOf(deployment.server.client().api.auth.email.verify.mutate({ token: "A".repeat(43) }))).toBe(
      "BAD_REQUEST",
    );
    expect(await codeOf(deployment.server.client().api.auth.email.verify.mutate({ token: "short" }))).toBe(
      "BAD_REQUEST",
    );
  });

  it("answers a reset request for an unknown address exactly like one for a known address", async () => {
    const known = uniqueEmail("known");
    await deployment.server.client().api.auth.register.mutate({ email: known, password });
    const unknown = uniqueEmail("unknown");
    const answers = await Promise.all([
      deployment.server.client().api.auth.password.requestReset.mutate({ email: known }),
      deployment.server.client().api.auth.password.requestReset.mutate({ email: unknown }),
    ]);
    expect(answers[0]).toEqual(answers[1]);
    const toUnknown = await deployment.database.connection.db
      .select()
      .from(mailOutbox)
      .where(eq(mailOutbox.to, unknown));
    expect(toUnknown).toEqual([]);
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

  it("sends the confirmation mail to the SMTP server through the job queue, and records when it left", async () => {
    const server = await deployment.start();
    const email = uniqueEmail("smtp");
    await server.client().api.auth.register.mutate({ email, password });
    // The request queued the mail; the server's job worker sends it.
    await expect
      .poll(() => smtp.received)
      .toEqual([{ to: email, body: expect.stringContaining("Confirm your email address") }]);
    expect(smtp.received[0]!.body).toContain("From: Shop <shop@example.com>");
    const sentAt = async () =>
      (await deployment.database.connection.db.select().from(mailOutbox).where(eq(mailOutbox.to, email)))[0]?.sentAt;
    await expect.poll(sentAt).toBeInstanceOf(Date);
  });
});

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "./support/refusal";
import { signedInClient } from "./support/session-events";
import { startSmtpSink, type SmtpSink } from "../../../packages/platform/test/smtp-sink";
import { availableBackends, tokensOf, useDeployment } from "./support/test-server";

const admin = { email: `admin-${randomBytes(4).toString("hex")}@example.com`, password: "an admin passphrase" };

describe.each(availableBackends())("background jobs on %s", (backend) => {
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await startSmtpSink();
  });
  afterAll(() => smtp?.close());
  const deployment = useDeployment(backend, {
    env: () => ({
      SMTP_URL: smtp.url,
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      JOB_ATTEMPTS: "2",
      JOB_BACKOFF_MS: "10",
    }),
  });

  async function adminClient() {
    const session = tokensOf(await deployment.server.client().api.auth.login.mutate(admin));
    return deployment.server.client({ getAccessToken: () => session.accessToken });
  }

  it("sends the mail a request wrote to the outbox through the server's job worker", async () => {
    const to = `queued-${randomBytes(4).toString("hex")}@example.com`;
    const delivered = new Promise((resolve) => smtp.events.on("received", (mail) => mail.to === to && resolve(mail)));
    await deployment.server.server.resources.mailer.send({ to, subject: "Queued", text: "Hello from a job" });
    expect(await delivered).toMatchObject({ to, body: expect.stringContaining("Hello from a job") });
  });

  it("dead-letters a mail the SMTP server keeps refusing, shows it to an admin, and sends it when retried", async () => {
    const client = await adminClient();
    const to = `refused-${randomBytes(4).toString("hex")}@example.com`;
    smtp.refusing = true;
    await deployment.server.server.resources.mailer.send({ to, subject: "Refused", text: "Try again" });

    const letterTo = async () =>
      (await client.api.admin.jobs.deadLetters.query({ limit: 10 })).find(
        (letter) => (letter.payload as { to?: string }).to === to,
      );
    await expect.poll(letterTo).toBeDefined();
    const letter = (await letterTo())!;
    const id = letter.id;
    expect(letter).toMatchObject({ name: "mail.send", payload: { to }, attempts: 2 });
    // The admin sees to whom and what, never the text: a mail may carry a password-reset link.
    expect(letter.payload).toEqual({ mailId: expect.any(Number), to, subject: "Refused" });
    expect(letter.error).toContain("550");
    expect(await client.api.admin.jobs.counts.query()).toMatchObject({ failed: 1 });

    smtp.refusing = false;
    const delivered = new Promise((resolve) => smtp.events.on("received", (mail) => mail.to === to && resolve(mail)));
    await client.api.admin.jobs.retry.mutate({ id });
    await delivered;
    await expect.poll(() => client.api.admin.jobs.deadLetters.query({ limit: 10 })).toEqual([]);

    const audit = await client.api.admin.audit.list.query({ limit: 5 });
    expect(audit.items.map((entry) => [entry.action, entry.resourceId])).toContainEqual(["job.retry", id]);
  });

  it("tells an admin there is no failed job to retry under an unknown id", async () => {
    const client = await adminClient();
    expect(await codeOf(client.api.admin.jobs.retry.mutate({ id: "no-such-job" }))).toBe("NOT_FOUND");
  });

  it("refuses the dead-letter list and retries to users without job:manage", async () => {
    const { client } = await signedInClient(
      deployment.server,
      `customer-${randomBytes(4).toString("hex")}@example.com`,
    );
    expect(await codeOf(client.api.admin.jobs.deadLetters.query({ limit: 10 }))).toBe("FORBIDDEN");
    expect(await codeOf(client.api.admin.jobs.retry.mutate({ id: "1" }))).toBe("FORBIDDEN");
    expect(await codeOf(deployment.server.client().api.admin.jobs.counts.query())).toBe("UNAUTHORIZED");
  });
});

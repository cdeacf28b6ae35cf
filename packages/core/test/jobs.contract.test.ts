import { jobCatalogue, jobWorker, syncAuthorizationCatalog } from "../src";
import { randomBytes } from "node:crypto";
import { emailTokens, mailOutbox, userPermissions, users, type Database } from "@seed/db";
import { createTestDatabase, type TestDatabase } from "@seed/db/testing";
import { eq, inArray } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createInProcessEventBus,
  createInProcessJobQueue,
  createInProcessPaymentProvider,
  type JobQueue,
  type MailSender,
} from "@seed/platform";
import { jobQueueImplementations, recordingLogger, testJobSettings, testWebhookSettings } from "./support";

const implementations = jobQueueImplementations();

let database: TestDatabase;
let db: Database;
beforeAll(async () => {
  database = await createTestDatabase();
  db = database.connection.db;
  await syncAuthorizationCatalog(db);
});
afterAll(() => database?.destroy());

/** A mail sender that refuses while `refusing` is set and can hold each message until released. */
function controllableSender() {
  const sent: string[] = [];
  let held: { started: () => void; release: Promise<void> } | null = null;
  const sender: MailSender & { refusing: boolean; sent: string[]; attempts: number } = {
    refusing: false,
    sent,
    attempts: 0,
    async deliver(message) {
      sender.attempts += 1;
      if (held) {
        held.started();
        await held.release;
      }
      if (sender.refusing) throw new Error("550 mailbox unavailable");
      sent.push(message.to);
    },
    close() {},
  };
  return {
    sender,
    /** Makes the next sends wait; resolves `started` when one is waiting. */
    hold() {
      let release!: () => void;
      let started!: () => void;
      const startedPromise = new Promise<void>((resolve) => (started = resolve));
      held = { started, release: new Promise<void>((resolve) => (release = resolve)) };
      return { started: startedPromise, release };
    },
  };
}

/** What the jobs run with: the given mail sender, and an in-process bus and payment provider. */
function workerDeps(mailSender: MailSender) {
  return {
    db,
    mailSender,
    events: createInProcessEventBus(),
    payments: createInProcessPaymentProvider(),
    paymentTimeoutMs: 1_000,
    jobs: createInProcessJobQueue(testJobSettings, jobCatalogue),
    webhooks: testWebhookSettings(),
    log: recordingLogger(),
  };
}

/** A message waiting in the outbox, and the payload of the job that sends it. */
async function mailInOutbox(label: string) {
  const to = `${label}-${randomBytes(4).toString("hex")}@example.com`;
  const subject = `About ${label}`;
  const [mail] = await db
    .insert(mailOutbox)
    .values({ to, subject, text: "Hello", pending: true })
    .returning({ id: mailOutbox.id });
  return { mailId: mail!.id, to, subject };
}

describe.each(implementations)("the %s job queue", (_name, createQueue) => {
  let queue: JobQueue;
  afterEach(() => queue?.close());

  it("keeps jobs queued until a worker starts, then runs them through the mail sender", async () => {
    queue = await createQueue();
    const { sender } = controllableSender();
    const mail = await mailInOutbox("queued");
    await queue.enqueue("mail.send", mail);
    expect(await queue.counts()).toMatchObject({ waiting: 1, active: 0 });

    await queue.startWorker(jobWorker(workerDeps(sender)));
    await expect.poll(() => sender.sent).toEqual([mail.to]);
    await expect.poll(() => queue.counts()).toMatchObject({ waiting: 0, active: 0, failed: 0 });
  });

  it("refuses to queue a payload its job does not accept", async () => {
    queue = await createQueue();
    await expect(queue.enqueue("mail.send", { mailId: -1, to: "someone@example.com", subject: "x" })).rejects.toThrow();
    expect(await queue.counts()).toMatchObject({ waiting: 0 });
  });

  it("retries a failing job, dead-letters it after its last attempt, and runs it again when retried", async () => {
    queue = await createQueue();
    const { sender } = controllableSender();
    sender.refusing = true;
    await queue.startWorker(jobWorker(workerDeps(sender)));
    const mail = await mailInOutbox("bounced");
    const id = await queue.enqueue("mail.send", mail);

    await expect.poll(() => queue.deadLetters(10)).toHaveLength(1);
    const [letter] = await queue.deadLetters(10);
    expect(letter).toMatchObject({
      id,
      name: "mail.send",
      payload: mail,
      error: "550 mailbox unavailable",
      attempts: testJobSettings.attempts,
    });
    expect(sender.attempts).toBe(testJobSettings.attempts);

    sender.refusing = false;
    expect(await queue.retry(id)).toBe(true);
    await expect.poll(() => sender.sent).toEqual([mail.to]);
    await expect.poll(() => queue.deadLetters(10)).toEqual([]);
    expect(await queue.retry(id)).toBe(false);
  });

  it("reports where a job is, and keeps what a finished job resolved with", async () => {
    queue = await createQueue();
    const email = `exporter-${randomBytes(4).toString("hex")}@example.com`;
    const [user] = await db.insert(users).values({ email, passwordHash: "x" }).returning({ id: users.id });
    const id = await queue.enqueue("exports.orders", { userId: user!.id });
    expect(await queue.find(id)).toMatchObject({ id, name: "exports.orders", state: "queued", result: null });

    await queue.startWorker(jobWorker(workerDeps(controllableSender().sender)));
    await expect.poll(async () => (await queue.find(id))?.state).toBe("done");
    expect((await queue.find(id))!.result).toEqual({
      csv: "order_id,placed_at,status,payment_status,items,total_amount,currency\r\n",
      rows: 0,
    });
    expect(await queue.find("no-such-job")).toBeNull();
  });

  it("queues each scheduled job whenever its pattern comes round", async () => {
    queue = await createQueue({ ...testJobSettings, auditSealCron: "* * * * * *" });
    const deps = workerDeps(controllableSender().sender);
    const log = deps.log;
    await queue.startWorker(jobWorker(deps));
    const sealingRuns = () => log.lines.filter((line) => line.message === "audit chain head").length;
    await expect.poll(sealingRuns, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
  });

  it("waits for a schedule further away than a timer reaches, queuing nothing meanwhile", async () => {
    // The 29th of February: always more than the 24.8 days a Node timer can wait, but for a few
    // weeks of leap years. A timer set longer runs after 1 ms, and would queue every millisecond.
    queue = await createQueue({ ...testJobSettings, auditSealCron: "0 0 29 2 *" });
    const deps = workerDeps(controllableSender().sender);
    await queue.startWorker(jobWorker(deps));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(deps.log.lines.filter((line) => line.message === "audit chain head")).toEqual([]);
  });

  it("says there is nothing to retry for an unknown id", async () => {
    queue = await createQueue();
    expect(await queue.retry("no-such-job")).toBe(false);
  });

  it("lets a running job finish before it closes", async () => {
    queue = await createQueue();
    const { sender, hold } = controllableSender();
    const held = hold();
    await queue.startWorker(jobWorker(workerDeps(sender)));
    await queue.enqueue("mail.send", await mailInOutbox("in-flight"));
    await held.started;

    let sentWhenClosed: number | null = null;
    const closed = queue.close().then(() => {
      sentWhenClosed = sender.sent.length;
    });
    held.release();
    await closed;
    expect(sentWhenClosed).toBe(1);
  });

  it("deletes expired sessions, tokens and grants in the clean-up job, and keeps live ones", async () => {
    queue = await createQueue();
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 3_600_000);
    const email = `cleanup-${randomBytes(4).toString("hex")}@example.com`;
    const [user] = await db.insert(users).values({ email, passwordHash: "x" }).returning({ id: users.id });
    const token = (expiresAt: Date) => ({
      userId: user!.id,
      email,
      purpose: "verify_email" as const,
      tokenHash: randomBytes(16).toString("hex"),
      expiresAt,
    });
    const tokens = await db
      .insert(emailTokens)
      .values([token(past), token(future)])
      .returning({ id: emailTokens.id, expiresAt: emailTokens.expiresAt });
    await db.insert(userPermissions).values({
      userId: user!.id,
      permissionName: "audit:read",
      reason: "for a day",
      expiresAt: past,
    });

    await queue.startWorker(jobWorker(workerDeps(controllableSender().sender)));
    await queue.enqueue("maintenance.cleanUpExpired", {});

    // Temporary grants are the last kind deleted: once they are gone, the job is done.
    await expect
      .poll(async () => db.select().from(userPermissions).where(eq(userPermissions.userId, user!.id)))
      .toEqual([]);
    const tokenIds = tokens.map((token) => token.id);
    const kept = await db.select().from(emailTokens).where(inArray(emailTokens.id, tokenIds));
    expect(kept.map((token) => token.expiresAt)).toEqual([future]);
  });
});

import { deliverMail, dispatchMail, jobCatalogue, jobWorker, shownPayload, startMailDispatcher } from "../src";
import { randomBytes } from "node:crypto";
import { mailOutbox, type Database } from "@seed/db";
import { createTestDatabase, type TestDatabase } from "@seed/db/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createInProcessEventBus,
  createInProcessJobQueue,
  createInProcessPaymentProvider,
  createQueuedMailer,
  type JobQueue,
  type MailSender,
} from "@seed/platform";
import { jobQueueImplementations, recordingLogger, testJobSettings, testWebhookSettings } from "./support";

const queues = jobQueueImplementations();

let database: TestDatabase;
let db: Database;
beforeAll(async () => {
  database = await createTestDatabase();
  db = database.connection.db;
});
afterAll(() => database?.destroy());

/** A sender that records to whom it sent, and refuses while `refusing` is set. */
function recordingSender(): MailSender & { sent: string[]; refusing: boolean } {
  const sender = {
    sent: [] as string[],
    refusing: false,
    async deliver(message: { to: string }) {
      if (sender.refusing) throw new Error("550 mailbox unavailable");
      sender.sent.push(message.to);
    },
    close() {},
  };
  return sender;
}

const address = (label: string) => `${label}-${randomBytes(4).toString("hex")}@example.com`;

/** A message written as a request writes it, without the nudge: as if it had been lost. */
async function pendingMail(label: string, decoy = false) {
  const to = address(label);
  const [row] = await db
    .insert(mailOutbox)
    .values({ to, subject: `About ${label}`, text: "A single-use link", pending: true, decoy })
    .returning({ id: mailOutbox.id });
  return { id: row!.id, to };
}

const rowOf = async (id: number) => (await db.select().from(mailOutbox).where(eq(mailOutbox.id, id)))[0];

describe.each(queues)("mail delivery from the outbox, on the %s job queue", (_name, createQueue) => {
  let jobs: JobQueue;
  let sender: ReturnType<typeof recordingSender>;
  afterEach(() => jobs?.close());

  async function startWorker() {
    jobs = await createQueue();
    sender = recordingSender();
    const deps = {
      db,
      mailSender: sender,
      events: createInProcessEventBus(),
      payments: createInProcessPaymentProvider(),
      paymentTimeoutMs: 1_000,
      jobs,
      webhooks: testWebhookSettings(),
      log: recordingLogger(),
    };
    await jobs.startWorker(jobWorker(deps));
    return deps;
  }

  it("sends a message nobody queued (its nudge lost in a crash), once, and records when it left", async () => {
    const deps = await startWorker();
    const mail = await pendingMail("lost-nudge");
    await dispatchMail(deps);
    await expect.poll(async () => (await rowOf(mail.id))?.pending).toBe(false);
    expect(sender.sent.filter((to) => to === mail.to)).toHaveLength(1);
    // Its single-use link is kept no longer than it takes to send it.
    expect(await rowOf(mail.id)).toMatchObject({ sentAt: expect.any(Date), text: "" });

    // Dispatched again, a sent message is not queued again, and its job, run again, sends nothing.
    expect(await dispatchMail(deps)).toBe(0);
    expect(await deliverMail(deps, mail.id)).toBe("skipped");
    expect(sender.sent.filter((to) => to === mail.to)).toHaveLength(1);
  });

  it("queues again a message whose job the queue no longer has, and not one whose job it still holds", async () => {
    const deps = await startWorker();
    sender.refusing = true;
    const held = await pendingMail("dead-letter");
    await dispatchMail(deps);
    await expect
      .poll(async () => (await jobs.deadLetters(10)).map((letter) => letter.payload))
      .toContainEqual(expect.objectContaining({ mailId: held.id, to: held.to }));
    // As a queue that lost its jobs leaves it: queued, under an id it now gives another job
    // (BullMQ numbers its jobs anew in a Redis that lost its data).
    const forgotten = await pendingMail("forgotten");
    const [other] = await jobs.deadLetters(1);
    await db
      .update(mailOutbox)
      .set({ queuedAt: sql`now()`, jobId: other!.id })
      .where(eq(mailOutbox.id, forgotten.id));
    sender.refusing = false;

    // The schedule asks the queue only about deliveries queued long ago.
    expect(await dispatchMail(deps)).toBe(0);
    // A dispatcher that starts asks about all of them.
    expect(await dispatchMail(deps, 0)).toBe(1);
    await expect.poll(() => sender.sent).toContain(forgotten.to);
    // The dead letter stays for an admin to retry: it is not queued a second time meanwhile.
    expect(sender.sent).not.toContain(held.to);
    expect((await jobs.deadLetters(10)).map((letter) => letter.payload)).toContainEqual(
      expect.objectContaining({ mailId: held.id }),
    );
    expect((await rowOf(held.id))?.pending).toBe(true);
  });

  it("deletes decoys without sending them", async () => {
    const deps = await startWorker();
    const decoy = await pendingMail("decoy", true);
    await dispatchMail(deps);
    expect(await rowOf(decoy.id)).toBeUndefined();
    expect(sender.sent).not.toContain(decoy.to);
  });

  it("sends what a request queued as soon as it commits, nudged through the bus", async () => {
    const deps = await startWorker();
    const stop = await startMailDispatcher(deps);
    try {
      const mailer = createQueuedMailer(db, deps.events, deps.log);
      const to = address("nudged");
      await mailer.send({ to, subject: "Welcome", text: "Hello" });
      await expect.poll(() => sender.sent).toContain(to);
    } finally {
      await stop();
    }
  });

  it("moves a message a version before the outbox queued into it, and sends it from there", async () => {
    const deps = await startWorker();
    const stop = await startMailDispatcher(deps);
    try {
      const to = address("queued-before");
      await jobs.enqueue("mail.send", { to, subject: "Queued before", text: "A single-use link" });
      await jobs.enqueue("mail.send", { to: address("decoy-before"), subject: "Decoy", text: "x", decoy: true });
      await expect.poll(() => sender.sent).toEqual([to]);
      const [row] = await db.select().from(mailOutbox).where(eq(mailOutbox.to, to));
      expect(row).toMatchObject({ text: "", pending: false, sentAt: expect.any(Date) });
    } finally {
      await stop();
    }
  });
});

it("shows an admin to whom and what about a mail job is, never its text", () => {
  const to = "someone@example.com";
  expect(shownPayload("mail.send", { mailId: 7, to, subject: "Reset" })).toEqual({ mailId: 7, to, subject: "Reset" });
  expect(shownPayload("mail.send", { to, subject: "Reset", text: "https://example.com/reset?token=secret" })).toEqual({
    to,
    subject: "Reset",
  });
});

it("queues nothing where there is no SMTP server to send with", async () => {
  const jobs = createInProcessJobQueue(testJobSettings, jobCatalogue);
  try {
    const mail = await pendingMail("no-smtp");
    expect(await dispatchMail({ db, jobs, mailSender: null })).toBe(0);
    expect(await rowOf(mail.id)).toMatchObject({ pending: true, queuedAt: null });
    expect(await jobs.counts()).toMatchObject({ waiting: 0 });
  } finally {
    await jobs.close();
  }
});

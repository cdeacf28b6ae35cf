import { mailOutbox } from "@seed/db";
import { createTestDatabase, type TestDatabase } from "@seed/db/testing";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboxMailer, createSmtpMailer, type Logger, type Mailer } from "../src";
import { startSmtpSink, type SmtpSink } from "./smtp-sink";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let database: TestDatabase;
let sink: SmtpSink;
const closers: (() => void)[] = [];
beforeAll(async () => {
  [database, sink] = await Promise.all([createTestDatabase(), startSmtpSink()]);
});
afterAll(async () => {
  for (const close of closers) close();
  await Promise.all([database?.destroy(), sink?.close()]);
});

/** Each implementation, and how to read what actually left the process (nothing, for the outbox). */
const implementations: [string, () => { mailer: Mailer; delivered: () => string[] }][] = [
  ["outbox", () => ({ mailer: createOutboxMailer(database.connection.db, quiet), delivered: () => [] })],
  [
    "SMTP",
    () => {
      const mailer = createSmtpMailer(database.connection.db, { url: sink.url, from: "seed@example.com" });
      closers.push(mailer.close);
      return { mailer, delivered: () => sink.received.map((mail) => mail.to) };
    },
  ],
];

describe.each(implementations)("the %s mailer", (name, create) => {
  it("keeps a copy of every message in the outbox", async () => {
    const { mailer } = create();
    const to = `${randomUUID()}@example.com`;
    await mailer.send({ to, subject: "Welcome", text: "Hello there" });
    const rows = await database.connection.db.select().from(mailOutbox).where(eq(mailOutbox.to, to));
    expect(rows).toEqual([expect.objectContaining({ to, subject: "Welcome", text: "Hello there" })]);
    if (name === "SMTP") {
      expect(rows[0]!.sentAt).toBeInstanceOf(Date);
      expect(sink.received.find((mail) => mail.to === to)?.body).toContain("Hello there");
    }
  });

  it("drops a decoy where it would leave: no copy, no delivery", async () => {
    const { mailer, delivered } = create();
    const to = `${randomUUID()}@example.com`;
    await mailer.send({ to, subject: "Reset", text: "A link", decoy: true });
    expect(await database.connection.db.select().from(mailOutbox).where(eq(mailOutbox.to, to))).toEqual([]);
    expect(delivered()).not.toContain(to);
  });
});

describe("the SMTP mailer, when the server refuses", () => {
  it("fails the send, so that the job sending it is retried, and leaves the copy unsent", async () => {
    const mailer = createSmtpMailer(database.connection.db, { url: sink.url, from: "seed@example.com" });
    closers.push(mailer.close);
    const to = `${randomUUID()}@example.com`;
    sink.refusing = true;
    try {
      await expect(mailer.send({ to, subject: "Welcome", text: "Hello" })).rejects.toThrow();
    } finally {
      sink.refusing = false;
    }
    const [row] = await database.connection.db.select().from(mailOutbox).where(eq(mailOutbox.to, to));
    expect(row?.sentAt).toBeNull();
    const next = once(sink.events, "received");
    await mailer.send({ to, subject: "Welcome", text: "Hello" });
    expect((await next)[0]).toMatchObject({ to });
  });
});

import { mailOutbox } from "@seed/db";
import { createTestDatabase, type TestDatabase } from "@seed/db/testing";
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOutboxMailer,
  createQueuedMailer,
  createSmtpSender,
  mailRecordedChannel,
  type Logger,
  type Mailer,
} from "../src";
import { startSmtpSink, type SmtpSink } from "./smtp-sink";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let database: TestDatabase;
let sink: SmtpSink;
beforeAll(async () => {
  [database, sink] = await Promise.all([createTestDatabase(), startSmtpSink()]);
});
afterAll(() => Promise.all([database?.destroy(), sink?.close()]));

const outboxRows = (to: string) => database.connection.db.select().from(mailOutbox).where(eq(mailOutbox.to, to));

/** Each mailer, with the nudges it published on the bus (none, for the outbox alone). */
const implementations: [string, () => { mailer: Mailer; nudges: string[] }][] = [
  ["outbox", () => ({ mailer: createOutboxMailer(database.connection.db, quiet), nudges: [] })],
  [
    "queued",
    () => {
      const nudges: string[] = [];
      const events = { publish: async (channel: string) => String(nudges.push(channel)) };
      return { mailer: createQueuedMailer(database.connection.db, events, quiet), nudges };
    },
  ],
];

describe.each(implementations)("the %s mailer", (name, create) => {
  it("keeps a copy of every message in the outbox, pending only when it is queued for SMTP", async () => {
    const { mailer, nudges } = create();
    const to = `${randomUUID()}@example.com`;
    await mailer.send({ to, subject: "Welcome", text: "Hello there" });
    expect(await outboxRows(to)).toEqual([
      expect.objectContaining({
        to,
        subject: "Welcome",
        text: "Hello there",
        sentAt: null,
        pending: name === "queued",
      }),
    ]);
    expect(nudges).toEqual(name === "queued" ? [mailRecordedChannel] : []);
  });

  it("writes the copy in the caller's transaction: a change rolled back leaves no mail, and no nudge", async () => {
    const { mailer, nudges } = create();
    const emitted: string[] = [];
    const [kept, dropped] = [`${randomUUID()}@example.com`, `${randomUUID()}@example.com`];
    await database.connection.db.transaction((tx) =>
      mailer.send({ to: kept, subject: "Invited", text: "A link" }, { tx, emit: (channel) => emitted.push(channel) }),
    );
    await expect(
      database.connection.db.transaction(async (tx) => {
        await mailer.send({ to: dropped, subject: "Invited", text: "A link" }, { tx, emit: () => {} });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await outboxRows(kept)).toHaveLength(1);
    expect(await outboxRows(dropped)).toEqual([]);
    // The nudge waits for the commit: it goes through the transaction's emit, not straight out.
    expect(nudges).toEqual([]);
    expect(emitted).toEqual(name === "queued" ? [mailRecordedChannel] : []);
  });

  it("never lets a decoy leave: the outbox drops it, the queue writes it as a decoy for the dispatcher to delete", async () => {
    const { mailer, nudges } = create();
    const to = `${randomUUID()}@example.com`;
    await mailer.send({ to, subject: "Reset", text: "A link", decoy: true });
    const rows = await outboxRows(to);
    if (name === "outbox") expect(rows).toEqual([]);
    else {
      // As long as the text, without it: a decoy's link may be a real one (a budget spent).
      expect(rows).toEqual([expect.objectContaining({ decoy: true, pending: true, sentAt: null, text: "      " })]);
      // Nudged as a real message is, so that a decoy costs the request the same.
      expect(nudges).toEqual([mailRecordedChannel]);
    }
  });
});

describe("the SMTP sender", () => {
  it("hands a message to the SMTP server, and fails when the server refuses it", async () => {
    const sender = createSmtpSender({ url: sink.url, from: "seed@example.com" });
    try {
      const to = `${randomUUID()}@example.com`;
      await sender.deliver({ to, subject: "Welcome", text: "Hello there" });
      expect(sink.received.find((mail) => mail.to === to)?.body).toContain("Hello there");

      const refused = `${randomUUID()}@example.com`;
      sink.refusing = true;
      await expect(sender.deliver({ to: refused, subject: "Welcome", text: "Hello" })).rejects.toThrow("550");
      expect(sink.received.map((mail) => mail.to)).not.toContain(refused);
    } finally {
      sink.refusing = false;
      sender.close();
    }
  });
});

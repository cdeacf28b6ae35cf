import { jobCatalogue } from "@seed/core";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createBullJobQueue, type JobQueue } from "@seed/platform";
import { mailOutbox } from "@seed/db";
import { createTestDatabase, type TestDatabase } from "@seed/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSmtpSink, type SmtpSink } from "../../../packages/platform/test/smtp-sink";

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));
const workerEntry = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const canRun = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

interface WorkerProcess {
  child: ChildProcess;
  /** Everything it wrote to stderr. */
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts `apps/worker` as its own process; resolves once it says it is ready (or has exited). */
async function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", workerEntry], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH, NODE_ENV: "test", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const ready = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.includes('"msg":"worker ready"')) resolve();
    });
  });
  await Promise.race([ready, exited]);
  return { child, stderr: () => stderr, exited };
}

describe.skipIf(!canRun)("the worker process", () => {
  let database: TestDatabase;
  let smtp: SmtpSink;
  let queue: JobQueue;
  let env: Record<string, string>;
  const running: WorkerProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    smtp = await startSmtpSink();
    const keyPrefix = `seed-test:${randomBytes(4).toString("hex")}:`;
    env = {
      DATABASE_URL: database.url!,
      REDIS_URL: process.env.REDIS_URL!,
      REDIS_KEY_PREFIX: keyPrefix,
      SMTP_URL: smtp.url,
      // A dead worker's job goes to another after a second without lock renewal.
      JOB_STALLED_AFTER_MS: "1000",
      JOB_BACKOFF_MS: "10",
    };
    // Only queues: the workers are the child processes.
    queue = await createBullJobQueue({
      redisUrl: process.env.REDIS_URL!,
      keyPrefix,
      settings: {
        concurrency: 1,
        attempts: 3,
        backoffMs: 10,
        stalledAfterMs: 1000,
        cleanupCron: "0 3 * * *",
        auditSealCron: "0 3 * * *",
        webhookDispatchCron: "0 3 * * *",
        mailDispatchCron: "0 3 * * *",
        paymentRecoveryCron: "0 3 * * *",
      },
      catalogue: jobCatalogue,
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
  });
  afterAll(async () => {
    for (const worker of running) worker.child.kill("SIGKILL");
    await queue?.close();
    await smtp?.close();
    await database?.destroy();
  });

  it("loses no job when its worker is killed mid-job: another worker picks it up", async () => {
    const to = `survivor-${randomBytes(4).toString("hex")}@example.com`;
    // Written while no worker ran: the first one's dispatcher queues it as it starts.
    await database.connection.db
      .insert(mailOutbox)
      .values({ to, subject: "Survives a crash", text: "Delivered by the second worker", pending: true });
    smtp.holding = true;
    const held = once(smtp.events, "held");
    const first = await startWorker(env);
    running.push(first);
    await held;
    // The mail's job, and any scheduled job whose time came as the worker started.
    expect((await queue.counts()).active).toBeGreaterThanOrEqual(1);

    first.child.kill("SIGKILL");
    await first.exited;
    smtp.holding = false;
    const delivered = new Promise((resolve) => smtp.events.on("received", (mail) => mail.to === to && resolve(mail)));
    const second = await startWorker(env);
    running.push(second);

    expect(await delivered).toMatchObject({ to, body: expect.stringContaining("Delivered by the second worker") });
    await expect.poll(() => queue.counts()).toMatchObject({ waiting: 0, active: 0, failed: 0 });

    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it("refuses to start without Redis, with one line saying why", async () => {
    const worker = await startWorker({ DATABASE_URL: env.DATABASE_URL! });
    expect(await worker.exited).toBe(1);
    expect(worker.stderr().trim()).toBe(
      "Invalid configuration: DATABASE_URL and REDIS_URL: both are required to run a worker",
    );
  });
});

import { Redis } from "ioredis";
import type { Logger } from "../logging/logger";
import type { DeadLetter, JobCatalogue, JobQueue, JobSettings, JobStatus } from "./job-queue";

const QUEUE_NAME = "jobs";
/** Finished jobs kept for inspection; dead letters are kept until retried. */
const COMPLETED_KEPT = 1000;

/**
 * Jobs in Redis through BullMQ: any process with a worker takes them, a failed attempt is retried
 * with exponential backoff, and a job whose worker dies mid-way is handed to another worker once
 * its lock runs out (BullMQ's stalled-job check), so no job is lost. BullMQ is loaded here, so a
 * process without Redis, whose jobs run in process, never holds it.
 */
export async function createBullJobQueue<TPayloads extends object>(options: {
  redisUrl: string;
  keyPrefix: string;
  settings: JobSettings;
  catalogue: JobCatalogue<TPayloads>;
  log: Logger;
}): Promise<JobQueue<TPayloads>> {
  const { Job, Queue, Worker } = await import("bullmq");
  const { settings, catalogue } = options;
  // BullMQ's blocking commands must wait as long as it takes, so retries per request are off.
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself; without a listener its errors would reach stderr unlogged.
  connection.on("error", (error: Error) => options.log.error({ err: error }, "job queue redis connection error"));
  const prefix = `${options.keyPrefix}bull`;
  const queue = new Queue(QUEUE_NAME, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: settings.attempts,
      backoff: { type: "exponential", delay: settings.backoffMs },
      removeOnComplete: { count: COMPLETED_KEPT },
      removeOnFail: false,
    },
  });
  let worker: InstanceType<typeof Worker> | null = null;

  return {
    async enqueue(name, payload, retries) {
      const job = await queue.add(
        name,
        catalogue.validate(name, payload),
        retries && { attempts: retries.attempts, backoff: { type: "exponential", delay: retries.backoffMs } },
      );
      return job.id!;
    },
    async find(id) {
      const job = await Job.fromId(queue, id);
      if (!job) return null;
      const state = await job.getState();
      const status: JobStatus["state"] =
        state === "completed" ? "done" : state === "failed" ? "failed" : state === "active" ? "running" : "queued";
      return { id, name: job.name, payload: job.data, state: status, result: job.returnvalue ?? null };
    },
    async deadLetters(limit) {
      const jobs = await queue.getFailed(0, limit - 1);
      return jobs.map((job): DeadLetter => ({
        id: job.id!,
        name: job.name,
        payload: job.data,
        error: job.failedReason,
        attempts: job.attemptsMade,
        failedAt: job.finishedOn ? new Date(job.finishedOn) : null,
      }));
    },
    async retry(id) {
      const job = await Job.fromId(queue, id);
      if (!job || !(await job.isFailed())) return false;
      await job.retry("failed", { resetAttemptsMade: true });
      return true;
    },
    async counts() {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed");
      return {
        waiting: counts.waiting ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
      };
    },
    async startWorker(jobs) {
      worker = new Worker(QUEUE_NAME, (job) => jobs.run(job.name, job.data), {
        connection,
        prefix,
        concurrency: settings.concurrency,
        lockDuration: settings.stalledAfterMs,
        stalledInterval: settings.stalledAfterMs,
        maxStalledCount: 1,
      });
      worker.on("error", (error) => jobs.log.error({ err: error }, "job worker error"));
      worker.on("failed", (job, error) =>
        jobs.log.warn({ job: job?.name, id: job?.id, attempt: job?.attemptsMade, err: error.message }, "job failed"),
      );
      await worker.waitUntilReady();
      // One schedule per job for every worker: BullMQ keeps it in Redis under the job's name.
      for (const { job, pattern } of catalogue.schedules(settings)) {
        await queue.upsertJobScheduler(job, { pattern, tz: "UTC" }, { name: job, data: {} });
      }
    },
    async close() {
      await worker?.close();
      await queue.close();
      connection.disconnect();
    },
  };
}

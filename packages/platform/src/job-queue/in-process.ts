import { randomUUID } from "node:crypto";
import { CronExpressionParser } from "cron-parser";
import { MAX_TIMER_DELAY_MS } from "../lifecycle/timer-limits";
import type {
  DeadLetter,
  JobRetries,
  JobCatalogue,
  JobQueue,
  JobSchedule,
  JobSettings,
  JobStatus,
  JobWorker,
} from "./job-queue";

interface QueuedJob {
  id: string;
  name: string;
  payload: unknown;
  attemptsMade: number;
  retries: JobRetries;
}

/** Finished jobs remembered for `find`, as BullMQ keeps its completed jobs. */
const FINISHED_KEPT = 1000;

/**
 * Jobs in this process's memory, for the embedded default where there is one process: they
 * retry and land in the dead-letter list as on BullMQ, but do not outlive the process.
 */
export function createInProcessJobQueue<TPayloads extends object>(
  settings: JobSettings,
  catalogue: JobCatalogue<TPayloads>,
): JobQueue<TPayloads> {
  const waiting: QueuedJob[] = [];
  const retryTimers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const deadLetters = new Map<string, { job: QueuedJob; letter: DeadLetter }>();
  const statuses = new Map<string, JobStatus>();
  const finished: string[] = [];
  let worker: JobWorker | null = null;
  let closed = false;
  const scheduleTimers = new Set<NodeJS.Timeout>();

  function take(): void {
    while (worker && !closed && running.size < settings.concurrency && waiting.length > 0) {
      const run = attempt(worker, waiting.shift()!).finally(() => {
        running.delete(run);
        take();
      });
      running.add(run);
    }
  }

  function track(job: QueuedJob, state: JobStatus["state"], result: unknown = null): void {
    statuses.set(job.id, { id: job.id, name: job.name, payload: job.payload, state, result });
    if (state !== "done") return;
    finished.push(job.id);
    if (finished.length > FINISHED_KEPT) statuses.delete(finished.shift()!);
  }

  async function attempt(running: JobWorker, job: QueuedJob): Promise<void> {
    job.attemptsMade += 1;
    track(job, "running");
    try {
      track(job, "done", await running.run(job.name, job.payload));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      running.log.warn({ job: job.name, id: job.id, attempt: job.attemptsMade, err: message }, "job failed");
      if (job.attemptsMade < job.retries.attempts) {
        // BullMQ's exponential backoff: the delay, then twice that, and so on.
        const delay = job.retries.backoffMs * 2 ** (job.attemptsMade - 1);
        track(job, "queued");
        const timer = setTimeout(() => {
          retryTimers.delete(job.id);
          waiting.push(job);
          take();
        }, delay);
        retryTimers.set(job.id, timer);
      } else {
        const letter = {
          id: job.id,
          name: job.name,
          payload: job.payload,
          error: message,
          attempts: job.attemptsMade,
          failedAt: new Date(),
        };
        deadLetters.set(job.id, { job, letter });
        track(job, "failed");
      }
    }
  }

  function schedule(entry: JobSchedule<TPayloads>): void {
    const next = CronExpressionParser.parse(entry.pattern, { tz: "UTC" }).next().getTime();
    waitUntil(next, () => {
      void queue.enqueue(entry.job, {} as TPayloads[typeof entry.job]);
      schedule(entry);
    });
  }

  /** In steps: a yearly schedule would otherwise overflow the timer and queue its job every millisecond. */
  function waitUntil(at: number, then: () => void): void {
    const delay = at - Date.now();
    const timer = setTimeout(
      () => {
        scheduleTimers.delete(timer);
        if (delay > MAX_TIMER_DELAY_MS) waitUntil(at, then);
        else then();
      },
      Math.min(Math.max(delay, 0), MAX_TIMER_DELAY_MS),
    );
    timer.unref();
    scheduleTimers.add(timer);
  }

  const queue: JobQueue<TPayloads> = {
    async enqueue(name, payload, retries = settings) {
      const job = {
        // Not numbered: ids outlive the process in what they were handed to (an export's link, a
        // mail's record), and a queue numbering from 1 again would give them to other jobs.
        id: randomUUID(),
        name,
        payload: catalogue.validate(name, payload),
        attemptsMade: 0,
        retries: { attempts: retries.attempts, backoffMs: retries.backoffMs },
      };
      track(job, "queued");
      waiting.push(job);
      take();
      return job.id;
    },
    async find(id) {
      return statuses.get(id) ?? null;
    },
    async deadLetters(limit) {
      return [...deadLetters.values()]
        .map(({ letter }) => letter)
        .reverse()
        .slice(0, limit);
    },
    async retry(id) {
      const dead = deadLetters.get(id);
      if (!dead) return false;
      deadLetters.delete(id);
      const job = { ...dead.job, attemptsMade: 0 };
      track(job, "queued");
      waiting.push(job);
      take();
      return true;
    },
    async counts() {
      return { waiting: waiting.length, active: running.size, delayed: retryTimers.size, failed: deadLetters.size };
    },
    async startWorker(given) {
      worker = given;
      for (const scheduled of catalogue.schedules(settings)) schedule(scheduled);
      take();
    },
    async close() {
      closed = true;
      for (const timer of scheduleTimers) clearTimeout(timer);
      for (const timer of retryTimers.values()) clearTimeout(timer);
      await Promise.all(running);
    },
  };
  return queue;
}

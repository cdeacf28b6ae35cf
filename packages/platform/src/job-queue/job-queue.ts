import type { Config } from "@seed/config";
import type { Logger } from "../logging/logger";

/** A job that failed on every attempt and waits for an admin to retry it. */
export interface DeadLetter {
  id: string;
  name: string;
  payload: unknown;
  /** The last attempt's error message. */
  error: string;
  attempts: number;
  failedAt: Date | null;
}

/** Where one job is: queued (or waiting for a retry), running, done with its result, or failed for good. */
export interface JobStatus {
  id: string;
  name: string;
  payload: unknown;
  state: "queued" | "running" | "done" | "failed";
  /** What the job resolved with, once done. */
  result: unknown;
}

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export type JobSettings = Omit<Config["jobs"], "runInServer">;

/** A job queued, with an empty payload, whenever a cron pattern (in UTC) comes round. */
export interface JobSchedule<TPayloads extends object> {
  job: keyof TPayloads & string;
  pattern: string;
}

/** How often one job is tried, and the wait before its first retry (doubled for each later one). */
export interface JobRetries {
  attempts: number;
  backoffMs: number;
}

/**
 * The jobs a queue carries, by name: it knows them only through this. `TPayloads` maps each
 * job's name to its payload.
 */
export interface JobCatalogue<TPayloads extends object> {
  /** A payload about to be queued, checked against its job's definition; throws when it is none. */
  validate(name: string, payload: unknown): unknown;
  /** The jobs queued on a schedule, with their patterns taken from the settings. */
  schedules(settings: JobSettings): JobSchedule<TPayloads>[];
}

/** What works on the jobs: runs one by name, resolving with what is kept as its result. */
export interface JobWorker {
  run(name: string, payload: unknown): Promise<unknown>;
  log: Logger;
}

/**
 * Background jobs: BullMQ on Redis when several processes share the work, an in-process runner
 * on the embedded default. Chosen once at start-up, like every other store.
 */
export interface JobQueue<TPayloads extends object = Record<string, unknown>> {
  /**
   * Queues a job and resolves with its id once it is stored. `retries` replaces the queue's own
   * settings for this job (webhook deliveries retry on their own schedule).
   */
  enqueue<TName extends keyof TPayloads & string>(
    name: TName,
    payload: TPayloads[TName],
    retries?: JobRetries,
  ): Promise<string>;
  /** A job by id while it is kept (finished jobs are kept for a while); null once forgotten. */
  find(id: string): Promise<JobStatus | null>;
  /** The most recent dead letters first. */
  deadLetters(limit: number): Promise<DeadLetter[]>;
  /** Queues a dead letter again with fresh attempts; false when there is no such dead letter. */
  retry(id: string): Promise<boolean>;
  counts(): Promise<JobCounts>;
  /** Starts working on jobs in this process, and queues the scheduled jobs on their schedules. */
  startWorker(worker: JobWorker): Promise<void>;
  /** Takes no new job, waits for the running ones to finish, then lets go of its connections. */
  close(): Promise<void>;
}

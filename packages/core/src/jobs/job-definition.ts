import type { z } from "zod";
import type { ServiceDependencies } from "../dependencies";

/** What a job runs with: shared services, never a request or a signed-in user. */
export type JobDependencies = ServiceDependencies<
  "db" | "mailSender" | "events" | "payments" | "paymentTimeoutMs" | "jobs" | "webhooks"
>;

/**
 * One kind of job: the shape of its payload, checked when it is queued and when it runs, and
 * what it does. What `run` resolves with is kept as the job's result (JSON, small: a finished
 * export, not a stream).
 */
export interface JobDefinition<TPayload extends z.ZodType = z.ZodType> {
  payload: TPayload;
  run(deps: JobDependencies, payload: z.output<TPayload>): Promise<unknown>;
  /** The payload as an admin may see it (in the dead letters), when it holds secrets. */
  shown?(payload: z.output<TPayload>): unknown;
}

export function defineJob<TPayload extends z.ZodType>(definition: JobDefinition<TPayload>): JobDefinition<TPayload> {
  return definition;
}

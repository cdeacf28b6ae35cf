import type { JobCatalogue, JobQueue, JobWorker } from "@seed/platform";
import type { z } from "zod";
import { sealAuditJob } from "../audit-chain/seal-audit-job";
import { cleanUpExpiredJob } from "../maintenance/clean-up-expired-job";
import { exportOrdersJob } from "../exports/export-orders-job";
import { processPaymentJob } from "../orders/process-payment-job";
import { recoverPaymentsJob } from "../orders/payment-recovery";
import type { JobDefinition, JobDependencies } from "./job-definition";
import { deliverWebhookJob, dispatchWebhooksJob } from "../webhooks/webhook-jobs";
import { dispatchMailJob, sendMailJob } from "../mail/mail-jobs";

/** Every kind of job, by name. A new job is one definition and one line here. */
export const jobDefinitions = {
  "mail.dispatch": dispatchMailJob,
  "mail.send": sendMailJob,
  "maintenance.cleanUpExpired": cleanUpExpiredJob,
  "exports.orders": exportOrdersJob,
  "audit.seal": sealAuditJob,
  "orders.processPayment": processPaymentJob,
  "orders.recoverPayments": recoverPaymentsJob,
  "webhooks.dispatch": dispatchWebhooksJob,
  "webhooks.deliver": deliverWebhookJob,
} satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof jobDefinitions;
export type JobPayload<TName extends JobName> = z.input<(typeof jobDefinitions)[TName]["payload"]>;

/** Each job's payload, by the job's name. */
export type JobPayloads = { [TName in JobName]: JobPayload<TName> };
/** The queue of this application's jobs. */
export type AppJobQueue = JobQueue<JobPayloads>;

/** What a job queue needs to know of this application's jobs. */
export const jobCatalogue: JobCatalogue<JobPayloads> = {
  validate: validatedPayload,
  schedules: (settings) => [
    { job: "maintenance.cleanUpExpired", pattern: settings.cleanupCron },
    { job: "audit.seal", pattern: settings.auditSealCron },
    { job: "webhooks.dispatch", pattern: settings.webhookDispatchCron },
    { job: "mail.dispatch", pattern: settings.mailDispatchCron },
    { job: "orders.recoverPayments", pattern: settings.paymentRecoveryCron },
  ],
};

/** Works on this application's jobs with `deps`. */
export function jobWorker(deps: JobDependencies): JobWorker {
  return { run: (name, payload) => runJob(deps, name, payload), log: deps.log };
}

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobDefinitions, name);
}

/** The payload of a job about to be queued, checked against its definition. */
export function validatedPayload(name: string, payload: unknown): unknown {
  return definitionOf(name).payload.parse(payload);
}

/** A job's payload as an admin may see it: its own, or what its definition lets be shown. */
export function shownPayload(name: string, payload: unknown): unknown {
  if (!isJobName(name)) return payload;
  const definition = jobDefinitions[name] as JobDefinition;
  if (!definition.shown) return payload;
  const parsed = definition.payload.safeParse(payload);
  return parsed.success ? definition.shown(parsed.data) : "(withheld: not a payload of this job)";
}

/** Runs one job by name; a name no definition has (a job queued by a newer version) fails it. */
export async function runJob(deps: JobDependencies, name: string, payload: unknown): Promise<unknown> {
  const definition = definitionOf(name);
  return (await definition.run(deps, definition.payload.parse(payload))) ?? null;
}

function definitionOf(name: string): JobDefinition {
  if (!isJobName(name)) throw new Error(`no job is defined as "${name}"`);
  return jobDefinitions[name] as JobDefinition;
}

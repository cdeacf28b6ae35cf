export { createBullJobQueue } from "./bullmq";
export { createInProcessJobQueue } from "./in-process";
export { shownPayload } from "./definitions";
export type { JobName, JobPayload } from "./definitions";
export type { JobDefinition, JobDependencies } from "./job-definition";
export type { DeadLetter, JobCounts, JobQueue, JobSettings, JobStatus } from "./job-queue";

export * from "./bullmq";
export * from "./in-process";
export * from "./job-queue";

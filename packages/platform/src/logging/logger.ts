import type { BaseLogger } from "pino";

/** What the api needs of a logger: Fastify's request logger and pino both fit. */
export type Logger = Pick<BaseLogger, "debug" | "info" | "warn" | "error">;

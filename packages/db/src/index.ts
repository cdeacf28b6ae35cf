export * from "./schema";
export { createDatabase } from "./client";
export { migrationsFolder } from "./migrations-folder";
export type { Database, DatabaseConnection, DatabaseDriver, DatabaseOptions, Schema, Transaction } from "./client";
export { isUniqueViolation } from "./errors";
export type { QueryObserver } from "./query-observer";
export { querySpans } from "./query-spans";

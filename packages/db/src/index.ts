export * from "./schema";
export { createDatabase } from "./client";
export { migrationsFolder } from "./migrations-folder";
export type {
  Database,
  DatabaseConnection,
  DatabaseDriver,
  DatabaseOptions,
  Schema,
  Transaction,
  WhenDataDirectoryInUse,
} from "./connection";
export { isTransactionCollision, isUniqueViolation } from "./errors";
export { DataDirectoryError, DataDirectoryInUseError } from "./embedded/data-directory";
export type { QueryObserver } from "./query-observer";
export { querySpans } from "./query-spans";
export { rowsOf } from "./raw-rows";
export { writeSqlDump, type DumpSummary } from "./sql-dump";

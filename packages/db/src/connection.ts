import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { QueryObserver } from "./query-observer";
import type * as schema from "./schema";

export type Schema = typeof schema;
/** The query builder every package uses, whichever driver is underneath. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

export type DatabaseDriver = "postgres" | "pglite";

export interface DatabaseConnection {
  db: Database;
  driver: DatabaseDriver;
  /** Which database this is, in words for messages: "the embedded database in .data/pglite". */
  description: string;
  /** How many queries can run at once: the pool's size (an embedded database runs one). */
  poolSize: number;
  /**
   * The same database, with every query it sends reported to `observer`. Closing either closes
   * both: they share one connection pool.
   */
  observe(observer: QueryObserver): DatabaseConnection;
  /** Brings the schema to the latest committed migration; safe to call on every start. */
  migrate(): Promise<void>;
  /** Resolves when the database answers a query; used by readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A postgres:// URL. When absent, an embedded PGlite database is opened instead. */
  url?: string | undefined;
  /** Where PGlite keeps its files, or ":memory:". Ignored when `url` is set. */
  dataDir?: string;
  /** A PGlite data directory dump to start an in-memory database from (tests load a migrated snapshot). */
  loadDataDir?: Blob;
  /** Connection pool size for postgres.js. */
  poolSize?: number;
  /**
   * When another process owns the data directory: refuse (a server), or work on the same data
   * through the owner's socket (the CLI). Ignored when `url` is set.
   */
  whenInUse?: WhenDataDirectoryInUse;
}

/** What a process does when another one owns the data directory already. */
export type WhenDataDirectoryInUse = "refuse" | "connect-through-owner";

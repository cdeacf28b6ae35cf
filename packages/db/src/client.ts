import type { PGlite } from "@electric-sql/pglite";
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
  /** A PGlite data directory dump to start from (tests load a migrated snapshot). */
  loadDataDir?: Blob;
  /** Connection pool size for postgres.js. */
  poolSize?: number;
}

/**
 * The only place in the project that opens a database connection. Each driver is loaded only
 * when chosen: a server on Postgres does not hold embedded Postgres's code, nor the reverse.
 */
export async function createDatabase(options: DatabaseOptions): Promise<DatabaseConnection> {
  if (options.url) {
    const { openPostgres } = await import("./postgres-connection");
    return openPostgres(options.url, options.poolSize ?? 10);
  }
  const { openPglite } = await import("./pglite-connection");
  return openPglite(options.dataDir ?? ":memory:", options.loadDataDir);
}

/** A dump of an embedded database's files, to start other embedded databases from. */
export async function dumpEmbeddedDatabase(connection: DatabaseConnection): Promise<Blob> {
  if (connection.driver !== "pglite") throw new Error("only an embedded database can be dumped");
  const client = (connection.db as unknown as { $client: PGlite }).$client;
  return client.dumpDataDir("none");
}

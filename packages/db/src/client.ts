import type { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { WhenDataDirectoryInUse } from "./embedded/open-data-directory";
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

/**
 * The only place in the project that opens a database connection. Each driver is loaded only
 * when chosen: a server on Postgres does not hold embedded Postgres's code, nor the reverse.
 */
export async function createDatabase(options: DatabaseOptions): Promise<DatabaseConnection> {
  if (options.url) {
    const { openPostgres } = await import("./postgres-connection");
    const { host, pathname } = new URL(options.url);
    return openPostgres({ url: options.url }, options.poolSize ?? 10, `the database ${pathname.slice(1)} on ${host}`);
  }
  const dataDir = options.dataDir ?? IN_MEMORY;
  if (dataDir === IN_MEMORY) {
    const { openPgliteInMemory } = await import("./pglite-connection");
    return openPgliteInMemory(options.loadDataDir);
  }
  const { openDataDirectory } = await import("./embedded/open-data-directory");
  return openDataDirectory(dataDir, options.whenInUse ?? "refuse");
}

const IN_MEMORY = ":memory:";

/** A dump of an embedded database's files, to start other embedded databases from. */
export async function dumpEmbeddedDatabase(connection: DatabaseConnection): Promise<Blob> {
  if (connection.driver !== "pglite") throw new Error("only an embedded database can be dumped");
  const client = (connection.db as unknown as { $client: PGlite }).$client;
  return client.dumpDataDir("none");
}

import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { watchClient, type QueryObserver } from "./query-observer";
import * as schema from "./schema";

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

export const migrationsFolder = fileURLToPath(new URL("../migrations", import.meta.url));

// Any constant works; it only has to be the same for every instance of this project.
const MIGRATION_LOCK_ID = 0x5eed;

/** The only place in the project that opens a database connection. */
export async function createDatabase(options: DatabaseOptions): Promise<DatabaseConnection> {
  if (options.url) return openPostgres(options.url, options.poolSize ?? 10);
  return openPglite(options.dataDir ?? ":memory:", options.loadDataDir);
}

/**
 * A request waits at most this long for a connection to a database that does not answer, then
 * fails (and is answered 503) instead of holding its caller and the pool.
 */
const CONNECT_TIMEOUT_SECONDS = 5;

function openPostgres(url: string, poolSize: number): DatabaseConnection {
  const client = postgres(url, { max: poolSize, connect_timeout: CONNECT_TIMEOUT_SECONDS, onnotice: () => {} });
  const connection: DatabaseConnection = {
    db: drizzlePostgres({ client, schema }),
    driver: "postgres",
    poolSize,
    observe: (observer) => ({ ...connection, db: drizzlePostgres({ client: watchClient(client, observer), schema }) }),
    migrate: () => migratePostgresUnderLock(url),
    ping: async () => {
      await client`select 1`;
    },
    close: () => client.end({ timeout: 5 }),
  };
  return connection;
}

/**
 * Several instances may start at once against one Postgres, so the migration runs on a
 * connection of its own that holds an advisory lock for its whole duration.
 */
async function migratePostgresUnderLock(url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await migratePostgres(drizzlePostgres({ client }), { migrationsFolder });
  } finally {
    await client.end({ timeout: 5 });
  }
}

async function openPglite(dataDir: string, loadDataDir: Blob | undefined): Promise<DatabaseConnection> {
  const inMemory = dataDir === ":memory:";
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(inMemory ? undefined : dataDir, loadDataDir ? { loadDataDir } : {});
  const db = drizzlePglite({ client, schema });
  const connection: DatabaseConnection = {
    db,
    driver: "pglite",
    poolSize: 1,
    observe: (observer) => ({ ...connection, db: drizzlePglite({ client: watchClient(client, observer), schema }) }),
    migrate: () => migratePglite(db, { migrationsFolder }),
    ping: async () => {
      await client.query("select 1");
    },
    close: () => client.close(),
  };
  return connection;
}

/** A dump of an embedded database's files, to start other embedded databases from. */
export async function dumpEmbeddedDatabase(connection: DatabaseConnection): Promise<Blob> {
  if (connection.driver !== "pglite") throw new Error("only an embedded database can be dumped");
  const client = (connection.db as unknown as { $client: PGlite }).$client;
  return client.dumpDataDir("none");
}

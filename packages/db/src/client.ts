import type { PGlite } from "@electric-sql/pglite";
import type { DatabaseConnection, DatabaseOptions } from "./connection";

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

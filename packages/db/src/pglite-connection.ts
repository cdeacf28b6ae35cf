import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import type { DatabaseConnection } from "./client";
import { migrationsFolder } from "./migrations-folder";
import { watchClient } from "./query-observer";
import * as schema from "./schema";

/** Postgres compiled to WebAssembly, in this process: its files in `dataDir`, or in memory. */
export async function openPglite(dataDir: string, loadDataDir: Blob | undefined): Promise<DatabaseConnection> {
  const inMemory = dataDir === ":memory:";
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(inMemory ? undefined : dataDir, loadDataDir ? { loadDataDir } : {});
  const db = drizzle({ client, schema });
  const connection: DatabaseConnection = {
    db,
    driver: "pglite",
    poolSize: 1,
    observe: (observer) => ({ ...connection, db: drizzle({ client: watchClient(client, observer), schema }) }),
    migrate: () => migrate(db, { migrationsFolder }),
    ping: async () => {
      await client.query("select 1");
    },
    close: () => client.close(),
  };
  return connection;
}

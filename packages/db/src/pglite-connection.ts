import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import type { DatabaseConnection } from "./connection";
import { migrationsFolder } from "./migrations-folder";
import { watchClient } from "./query-observer";
import * as schema from "./schema";

/** A PGlite database, opened by the caller, as a connection; `close` is the caller's to say. */
export function pgliteConnection(client: PGlite, description: string, close: () => Promise<void>): DatabaseConnection {
  const db = drizzle({ client, schema });
  const connection: DatabaseConnection = {
    db,
    driver: "pglite",
    description,
    poolSize: 1,
    observe: (observer) => ({ ...connection, db: drizzle({ client: watchClient(client, observer), schema }) }),
    migrate: () => migrate(db, { migrationsFolder }),
    ping: async () => {
      await client.query("select 1");
    },
    close,
  };
  return connection;
}

/** An embedded database that lives in this process's memory only: for tests. */
export async function openPgliteInMemory(loadDataDir: Blob | undefined): Promise<DatabaseConnection> {
  const client = await PGlite.create(loadDataDir ? { loadDataDir } : {});
  return pgliteConnection(client, "an in-memory embedded database", () => client.close());
}

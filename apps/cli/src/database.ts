import type { Config } from "@seed/config";
import { createDatabase, type DatabaseConnection } from "@seed/db";

/** Runs `work` on the configured database, migrated, and closes it whatever happens. */
export async function withDatabase<T>(
  config: Config,
  work: (connection: DatabaseConnection) => Promise<T>,
): Promise<T> {
  const connection = await createDatabase({ url: config.database.url, dataDir: config.database.dataDir });
  try {
    await connection.migrate();
    return await work(connection);
  } finally {
    await connection.close();
  }
}

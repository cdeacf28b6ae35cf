import type { Config } from "@seed/config";
import { createDatabase, type DatabaseConnection } from "@seed/db";

/**
 * Runs `work` on the configured database, migrated, and closes it whatever happens. An embedded
 * database that a running server owns is reached through that server, on the same data.
 */
export async function withDatabase<T>(
  config: Config,
  work: (connection: DatabaseConnection) => Promise<T>,
): Promise<T> {
  const connection = await createDatabase({
    url: config.database.url,
    dataDir: config.database.dataDir,
    whenInUse: "connect-through-owner",
  });
  try {
    await connection.migrate();
    return await work(connection);
  } finally {
    await connection.close();
  }
}

import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { DatabaseConnection } from "./client";
import { migrationsFolder } from "./migrations-folder";
import { watchClient } from "./query-observer";
import * as schema from "./schema";

// Any constant works; it only has to be the same for every instance of this project.
const MIGRATION_LOCK_ID = 0x5eed;

/**
 * A request waits at most this long for a connection to a database that does not answer, then
 * fails (and is answered 503) instead of holding its caller and the pool.
 */
const CONNECT_TIMEOUT_SECONDS = 5;

export function openPostgres(url: string, poolSize: number): DatabaseConnection {
  const client = postgres(url, { max: poolSize, connect_timeout: CONNECT_TIMEOUT_SECONDS, onnotice: () => {} });
  const connection: DatabaseConnection = {
    db: drizzle({ client, schema }),
    driver: "postgres",
    poolSize,
    observe: (observer) => ({ ...connection, db: drizzle({ client: watchClient(client, observer), schema }) }),
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
    await migrate(drizzle({ client }), { migrationsFolder });
  } finally {
    await client.end({ timeout: 5 });
  }
}

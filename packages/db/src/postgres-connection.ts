import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { DatabaseConnection } from "./connection";
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

/** A postgres:// URL, or the Unix socket of the process that owns an embedded database. */
export type PostgresTarget = { url: string } | { socketPath: string };

export function openPostgres(target: PostgresTarget, poolSize: number, description: string): DatabaseConnection {
  const client = connect(target, poolSize);
  const connection: DatabaseConnection = {
    db: drizzle({ client, schema }),
    driver: "postgres",
    description,
    poolSize,
    observe: (observer) => ({ ...connection, db: drizzle({ client: watchClient(client, observer), schema }) }),
    migrate: () => migratePostgresUnderLock(target),
    ping: async () => {
      await client`select 1`;
    },
    close: () => client.end({ timeout: 5 }),
  };
  return connection;
}

function connect(target: PostgresTarget, max: number): postgres.Sql {
  const options = { max, connect_timeout: CONNECT_TIMEOUT_SECONDS, onnotice: () => {} };
  return "url" in target
    ? postgres(target.url, options)
    : // The owner's one session is shared by its clients between their transactions: named
      // statements of one would meet another's, so none are prepared.
      postgres({ ...options, path: target.socketPath, user: "postgres", database: "postgres", prepare: false });
}

/**
 * Several instances may start at once against one Postgres, so the migration runs on a
 * connection of its own that holds an advisory lock for its whole duration.
 */
async function migratePostgresUnderLock(target: PostgresTarget): Promise<void> {
  const client = connect(target, 1);
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await migrate(drizzle({ client }), { migrationsFolder });
  } finally {
    await client.end({ timeout: 5 });
  }
}

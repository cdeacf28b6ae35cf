import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import postgres from "postgres";
import { createDatabase } from "./client";
import type { DatabaseConnection, DatabaseDriver } from "./connection";

export { dumpEmbeddedDatabase } from "./client";
export { unusedPort } from "./unused-port";

/** Set by the test setup to a migrated PGlite dump, so a test file does not pay for initdb. */
export const PGLITE_SNAPSHOT_ENV = "SEED_PGLITE_SNAPSHOT";

export interface TestDatabase {
  connection: DatabaseConnection;
  /** The URL of the isolated Postgres database, when the driver is postgres. */
  url: string | undefined;
  /** Closes the connection and drops what was created for the test. */
  destroy(): Promise<void>;
}

/** The drivers the machine can test against: always PGlite, Postgres when DATABASE_URL is set. */
export function availableDrivers(): DatabaseDriver[] {
  return process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

/** The driver a test of a higher layer should use: the real server when there is one. */
export function preferredDriver(): DatabaseDriver {
  return process.env.DATABASE_URL ? "postgres" : "pglite";
}

/**
 * A migrated database of its own for one test file: a fresh Postgres database (so files run in
 * parallel without seeing each other) or an embedded one started from the migrated snapshot.
 */
export async function createTestDatabase(driver: DatabaseDriver = preferredDriver()): Promise<TestDatabase> {
  return driver === "postgres" ? createPostgresTestDatabase() : createPgliteTestDatabase();
}

async function createPgliteTestDatabase(): Promise<TestDatabase> {
  const snapshotPath = process.env[PGLITE_SNAPSHOT_ENV];
  const loadDataDir = snapshotPath ? new Blob([await readFile(snapshotPath)]) : undefined;
  const connection = await createDatabase(loadDataDir ? { loadDataDir } : {});
  if (!loadDataDir) await connection.migrate();
  return { connection, url: undefined, destroy: () => connection.close() };
}

async function createPostgresTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error("DATABASE_URL is not set");
  const name = `seed_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const connection = await createDatabase({ url: url.toString(), poolSize: 5 });
  await connection.migrate();
  return {
    connection,
    url: url.toString(),
    destroy: async () => {
      await connection.close();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

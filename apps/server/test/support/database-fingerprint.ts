import { rowsOf, type Database } from "@seed/db";
import { sql } from "drizzle-orm";

/** The fingerprint's query for each database: its tables are those migrations made, and stay. */
const fingerprintQueries = new WeakMap<Database, string>();

/**
 * The row count and a checksum of the contents of every table of the database, in one query:
 * two fingerprints are equal only when no row was written, changed or deleted in between.
 */
export async function databaseFingerprint(db: Database): Promise<Record<string, string>> {
  let query = fingerprintQueries.get(db);
  if (query === undefined) {
    query = await fingerprintQueryOf(db);
    fingerprintQueries.set(db, query);
  }
  const [fingerprint] = await rowsOf<Record<string, unknown>>(db, sql.raw(query));
  return fingerprint as Record<string, string>;
}

async function fingerprintQueryOf(db: Database): Promise<string> {
  const tables = await rowsOf<Record<string, unknown>>(
    db,
    sql.raw(
      "select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name",
    ),
  );
  const columns = tables.map(({ table_name: name }) => {
    const table = `"${String(name).replaceAll('"', '""')}"`;
    return `(select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from ${table} t) as ${table}`;
  });
  return `select ${columns.join(", ")}`;
}

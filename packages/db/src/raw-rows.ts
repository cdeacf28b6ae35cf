import type { SQL } from "drizzle-orm";
import type { Database } from "./connection";

/**
 * The rows of a raw query, whichever driver runs it: postgres.js answers with the rows
 * themselves, PGlite with an object that holds them.
 */
export async function rowsOf<Row>(db: Database, query: SQL): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown as Row[] | { rows: Row[] };
  return Array.isArray(result) ? result : result.rows;
}

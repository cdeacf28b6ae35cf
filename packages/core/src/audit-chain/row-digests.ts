import { rowsOf, type Database, type Transaction } from "@seed/db";
import { sql } from "drizzle-orm";

/** An audit row as the chain knows it: its id and the SHA-256 of its canonical encoding, hex. */
export interface RowDigest {
  id: number;
  digest: string;
}

/**
 * The canonical encoding of an audit row: a JSON array of every column in a fixed order, made by
 * Postgres itself, so that it is the same whichever driver reads it and survives a dump from the
 * embedded database into a server (jsonb's text form is stable across versions; the time is
 * written in UTC to the microsecond, whatever the session's time zone). Changing it breaks every
 * existing seal: a column added to the audit log must be encoded so that the rows without it
 * keep their encoding (as `actor_principal` is: appended only when set).
 */
const canonicalRow = sql`(jsonb_build_array(
  "id",
  to_char("at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  "actor_id", "action", "resource", "resource_id", "before", "after", "ip", "user_agent", "request_id"
) || case when "actor_principal" is null then '[]'::jsonb else jsonb_build_array("actor_principal") end)::text`;

/** Up to `limit` audit rows with ids above `afterId`, in id order, as digests. */
export async function rowDigestsAfter(
  db: Database | Transaction,
  afterId: number,
  limit: number,
): Promise<RowDigest[]> {
  const rows = await rowsOf<{ id: string | number; digest: string }>(
    db,
    sql`select "id", encode(sha256(convert_to(${canonicalRow}, 'UTF8')), 'hex') as "digest"
        from "audit_log" where "id" > ${afterId} order by "id" limit ${limit}`,
  );
  // postgres.js hands bigints over as strings, PGlite as numbers.
  return rows.map((row) => ({ id: Number(row.id), digest: row.digest }));
}

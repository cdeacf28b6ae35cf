import { sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import { AppError } from "../errors";

/**
 * A page cursor is the sort key of the last row shown, base64url-encoded so that clients treat it
 * as opaque. It is decoded against a schema: a forged or foreign cursor is refused, never trusted.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeCursor<T extends z.ZodType>(cursor: string, schema: T): z.output<T> {
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw new AppError("INVALID_INPUT", "Invalid cursor: pass back the nextCursor of the previous page unchanged");
  }
}

/** A timestamp column as a sort key: its Postgres text, see `timestampKeySchema`. */
export function timestampKey(column: AnyPgColumn): SQL<string> {
  return sql<string>`${column}::text`;
}

/**
 * A timestamp as Postgres prints it (`2026-01-31 12:00:00.123456+00`). Sort keys travel in this
 * form because a JS Date keeps only milliseconds and would lose the order of rows written within
 * the same millisecond.
 */
export const timestampKeySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/)
  // The shape alone lets through days and hours that do not exist, which Postgres would refuse.
  .refine((key) => isRealTime(key));

function isRealTime(key: string): boolean {
  const [, date, time] = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})/.exec(key) ?? [];
  if (!date || !time) return false;
  const parsed = new Date(`${date}T${time}Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 19) === `${date}T${time}`;
}

import { sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import { AppError } from "@seed/platform";
import { storableDateSchema } from "./validators";

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
const TIMESTAMP_KEY_PATTERN = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d{1,6})?([+-])(\d{2})(?::(\d{2}))?$/;

/** Postgres refuses a time zone displacement beyond 15:59 either way. */
const MAX_OFFSET_HOURS = 15;

export const timestampKeySchema = z
  .string()
  .regex(TIMESTAMP_KEY_PATTERN)
  // The shape alone lets through days, hours and offsets that do not exist, and years Postgres
  // cannot parse (0000): such a key would fail the query instead of being refused.
  .refine((key) => isStorableTime(key));

function isStorableTime(key: string): boolean {
  const [, date, time, , sign, offsetHours = "", offsetMinutes = "00"] = TIMESTAMP_KEY_PATTERN.exec(key) ?? [];
  if (!date || !time || Number(offsetHours) > MAX_OFFSET_HOURS || Number(offsetMinutes) > 59) return false;
  const wallClock = new Date(`${date}T${time}Z`);
  if (Number.isNaN(wallClock.getTime()) || wallClock.toISOString().slice(0, 19) !== `${date}T${time}`) return false;
  return storableDateSchema.safeParse(new Date(`${date}T${time}${sign}${offsetHours}:${offsetMinutes}`)).success;
}

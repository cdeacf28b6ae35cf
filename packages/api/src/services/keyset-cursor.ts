import { type z } from "zod";
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

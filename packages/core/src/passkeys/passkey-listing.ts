import { passkeys, type Database, type Passkey } from "@seed/db";
import { and, desc, eq } from "drizzle-orm";
import { AppError } from "@seed/platform";
import type { PasskeySummary } from "./passkey-schemas";

/** A passkey as its owner sees it: what tells it apart, never its key nor its credential id. */
export function toPasskeySummary(row: Passkey): PasskeySummary {
  return {
    id: row.id,
    name: row.name,
    deviceType: row.deviceType === "multiDevice" ? "multiDevice" : "singleDevice",
    backedUp: row.backedUp,
    transports: row.transports,
    version: row.version,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
  };
}

/** A user's passkeys, newest first. Their number is capped (MAX_PASSKEYS_PER_USER), so no page is needed. */
export async function listPasskeys(db: Database, userId: string): Promise<PasskeySummary[]> {
  const rows = await db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(desc(passkeys.createdAt));
  return rows.map(toPasskeySummary);
}

/** One of the caller's passkeys; another user's is not found either. */
export async function getPasskey(db: Database, userId: string, passkeyId: string): Promise<PasskeySummary> {
  const [row] = await db
    .select()
    .from(passkeys)
    .where(and(eq(passkeys.id, passkeyId), eq(passkeys.userId, userId)));
  if (!row) throw new AppError("NOT_FOUND", "No such passkey");
  return toPasskeySummary(row);
}

import { refreshSessions, type Database } from "@seed/db";
import { and, eq, gt, isNull, sql } from "drizzle-orm";

/**
 * A session that can still be used: not revoked, not expired. Judged by the database's clock, so
 * the condition is the same SQL every time and fits a prepared statement.
 */
export const isLiveSession = () => and(isNull(refreshSessions.revokedAt), gt(refreshSessions.expiresAt, sql`now()`));

/** Whether the user's session can still be used, for a connection that authenticated earlier. */
export async function sessionIsLive(db: Database, userId: string, sessionId: string): Promise<boolean> {
  const [session] = await db
    .select({ id: refreshSessions.id })
    .from(refreshSessions)
    .where(and(eq(refreshSessions.id, sessionId), eq(refreshSessions.userId, userId), isLiveSession()));
  return session !== undefined;
}

import { refreshSessions } from "@seed/db";
import { and, gt, isNull, sql } from "drizzle-orm";

/**
 * A session that can still be used: not revoked, not expired. Judged by the database's clock, so
 * the condition is the same SQL every time and fits a prepared statement.
 */
export const isLiveSession = () => and(isNull(refreshSessions.revokedAt), gt(refreshSessions.expiresAt, sql`now()`));

import { refreshSessions } from "@seed/db";
import { and, gt, isNull } from "drizzle-orm";

/** A session that can still be used: not revoked, not expired. */
export const isLiveSession = () => and(isNull(refreshSessions.revokedAt), gt(refreshSessions.expiresAt, new Date()));

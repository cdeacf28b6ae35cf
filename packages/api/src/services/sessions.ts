import { refreshSessions, type Database } from "@seed/db";
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Actor } from "../actor";
import type { ApiDependencies } from "../dependencies";
import { AppError } from "../errors";
import type { Logger } from "../logger";
import { recordAudit } from "./audit";
import { isLiveSession } from "./live-session";
import { publishSessionEvent } from "./auth";
import { recordSecurityEvent } from "./security-events";

const liveSessionsOf = (userId: string) => and(eq(refreshSessions.userId, userId), isLiveSession());

/** The live sessions of a user, newest first, the caller's own marked. */
export async function listSessions(db: Database, userId: string, currentSessionId: string | null) {
  const rows = await db
    .select({
      id: refreshSessions.id,
      createdAt: refreshSessions.createdAt,
      lastUsedAt: refreshSessions.lastUsedAt,
      expiresAt: refreshSessions.expiresAt,
      ip: refreshSessions.ip,
      userAgent: refreshSessions.userAgent,
    })
    .from(refreshSessions)
    .where(liveSessionsOf(userId))
    .orderBy(desc(refreshSessions.lastUsedAt));
  return rows.map((row) => ({ ...row, current: row.id === currentSessionId }));
}

/** The owner of a live session, for ownership checks; null when there is no such session. */
export async function findSessionOwner(db: Database, sessionId: string): Promise<{ ownerId: string } | null> {
  const session = await db.query.refreshSessions.findFirst({
    where: and(eq(refreshSessions.id, sessionId), isNull(refreshSessions.revokedAt)),
    columns: { userId: true },
  });
  return session ? { ownerId: session.userId } : null;
}

export async function revokeSession(
  deps: Pick<ApiDependencies, "db" | "events">,
  actor: Actor,
  sessionId: string,
): Promise<void> {
  const revoked = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(refreshSessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(refreshSessions.id, sessionId), isNull(refreshSessions.revokedAt)))
      .returning({ id: refreshSessions.id, userId: refreshSessions.userId });
    if (row) {
      await recordAudit(tx, actor, { action: "session.revoke", resource: "session", resourceId: row.id });
    }
    return row;
  });
  if (!revoked) throw new AppError("NOT_FOUND", "No such session");
  await publishSessionEvent(deps, revoked.userId, "session.revoked", revoked.id);
}

/** Signs a user out everywhere; their access tokens stop working on their next request. */
export async function revokeAllSessions(
  deps: Pick<ApiDependencies, "db" | "events"> & { log: Logger },
  actor: Actor,
  userId: string,
): Promise<{ revoked: number }> {
  const revoked = await deps.db.transaction(async (tx) => {
    const rows = await tx
      .update(refreshSessions)
      .set({ revokedAt: new Date() })
      .where(liveSessionsOf(userId))
      .returning({ id: refreshSessions.id });
    await recordAudit(tx, actor, {
      action: "session.revoke_all",
      resource: "user",
      resourceId: userId,
      after: { revoked: rows.length },
    });
    return rows;
  });
  await Promise.all(revoked.map((session) => publishSessionEvent(deps, userId, "session.revoked", session.id)));
  if (actor.userId !== userId) {
    await recordSecurityEvent(deps, actor, "sessions_revoked", { targetUserId: userId, count: revoked.length });
  }
  return { revoked: revoked.length };
}

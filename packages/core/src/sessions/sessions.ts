import { refreshSessions, type Database, type Transaction } from "@seed/db";
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Actor, Principal } from "../shared/actor";
import type { Dependencies } from "../dependencies";
import { AppError, type Logger } from "@seed/platform";
import { isLiveSession } from "./live-session";
import { recordSecurityEvent } from "../audit/security-events";
import { announceRevokedSessions, revokeSessionsWhere } from "./session-revocation";
import type { SessionInvalidator } from "./session-cache";
import { assertHoldsEveryPermissionOfUser } from "../access/access";

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
export async function findSessionOwner(
  db: Database | Transaction,
  sessionId: string,
): Promise<{ ownerId: string } | null> {
  const session = await db.query.refreshSessions.findFirst({
    where: and(eq(refreshSessions.id, sessionId), isNull(refreshSessions.revokedAt)),
    columns: { userId: true },
  });
  return session ? { ownerId: session.userId } : null;
}

/**
 * Anyone may sign themselves out; signing out someone else (with `session:revoke:any`) is refused
 * when they can do more than the caller, as disabling them would be: else a support desk could
 * keep the admins signed out.
 */
async function assertMaySignOut(tx: Transaction, principal: Principal, userId: string): Promise<void> {
  if (userId !== principal.id) await assertHoldsEveryPermissionOfUser(tx, principal, userId, "sign out");
}

export async function revokeSession(
  deps: Pick<Dependencies, "db" | "events"> & { sessionCache: SessionInvalidator },
  principal: Principal,
  actor: Actor,
  sessionId: string,
): Promise<void> {
  const revoked = await deps.db.transaction(async (tx) => {
    const session = await findSessionOwner(tx, sessionId);
    if (session) await assertMaySignOut(tx, principal, session.ownerId);
    return revokeSessionsWhere(tx, actor, eq(refreshSessions.id, sessionId));
  });
  if (revoked.length === 0) throw new AppError("NOT_FOUND", "No such session");
  await announceRevokedSessions(deps, revoked);
}

/** Signs a user out everywhere; their access tokens stop working on their next request. */
export async function revokeAllSessions(
  deps: Pick<Dependencies, "db" | "events"> & { sessionCache: SessionInvalidator; log: Logger },
  principal: Principal,
  actor: Actor,
  userId: string,
): Promise<{ revoked: number }> {
  const revoked = await deps.db.transaction(async (tx) => {
    await assertMaySignOut(tx, principal, userId);
    return revokeSessionsWhere(tx, actor, liveSessionsOf(userId));
  });
  await announceRevokedSessions(deps, revoked);
  if (actor.userId !== userId) {
    await recordSecurityEvent(deps, actor, "sessions_revoked", { targetUserId: userId, count: revoked.length });
  }
  return { revoked: revoked.length };
}

/** How long after signing in a session may change how the account signs in. */
export const RECENT_SIGN_IN_MS = 10 * 60_000;

/**
 * Step-up for changes that would shut the owner out if made by a thief: only a session that
 * began recently (by password, code, passkey or identity provider, not by refresh) may make them.
 * `refusal` tells the user what to do instead.
 */
export async function assertRecentSignIn(
  db: Database,
  sessionId: string,
  refusal: string,
  withinMs: number = RECENT_SIGN_IN_MS,
): Promise<void> {
  const session = await db.query.refreshSessions.findFirst({
    where: eq(refreshSessions.id, sessionId),
    columns: { createdAt: true },
  });
  if (!session || Date.now() - session.createdAt.getTime() > withinMs) {
    throw new AppError("FORBIDDEN", refusal);
  }
}

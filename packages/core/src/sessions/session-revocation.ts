import { refreshSessions, type Database, type Transaction } from "@seed/db";
import { and, isNull, type SQL } from "drizzle-orm";
import { actorOrSubject, type Actor } from "../shared/actor";
import type { EventBus } from "@seed/platform";
import { recordAudit } from "../audit/audit";
import { publishSessionEvent } from "./session-events";
import type { SessionInvalidator } from "./session-cache";

export interface RevokedSession {
  id: string;
  userId: string;
}

/**
 * Revokes the sessions matching `which` that are not revoked yet, in the caller's transaction,
 * with an audit row each (`reason` says why, when it was not the user's or an admin's choice).
 * Their access tokens stop working on their next request.
 */
export async function revokeSessionsWhere(
  tx: Database | Transaction,
  actor: Actor,
  which: SQL | undefined,
  reason: string | null = null,
): Promise<RevokedSession[]> {
  const revoked = await tx
    .update(refreshSessions)
    .set({ revokedAt: new Date() })
    .where(and(which, isNull(refreshSessions.revokedAt)))
    .returning({ id: refreshSessions.id, userId: refreshSessions.userId });
  for (const session of revoked) {
    await recordAudit(tx, actorOrSubject(actor, session.userId), {
      action: "session.revoke",
      resource: "session",
      resourceId: session.id,
      after: reason ? { reason } : null,
    });
  }
  return revoked;
}

/** Tells every instance, and the owners of revoked sessions, once the revocation has committed. */
export async function announceRevokedSessions(
  deps: { events: EventBus; sessionCache: SessionInvalidator },
  revoked: RevokedSession[],
): Promise<void> {
  await Promise.all(
    revoked.map(async (session) => {
      await deps.sessionCache.invalidate({ userId: session.userId, sessionId: session.id });
      await publishSessionEvent(deps, session.userId, "session.revoked", session.id);
    }),
  );
}

import {
  emailTokens,
  mfaChallenges,
  oidcLoginAttempts,
  refreshSessions,
  userPermissions,
  type Database,
} from "@seed/db";
import { lt } from "drizzle-orm";

export interface ExpiredRecordCounts {
  sessions: number;
  emailTokens: number;
  oidcLoginAttempts: number;
  mfaChallenges: number;
  temporaryGrants: number;
}

/**
 * Deletes what has expired: sessions (with their rotated tokens), email tokens, OIDC sign-in
 * attempts, MFA challenges and temporary permission grants. None of them grants anything once
 * expired, so this only keeps the tables small; the audit trail keeps their history.
 */
export async function deleteExpiredRecords(db: Database, now = new Date()): Promise<ExpiredRecordCounts> {
  return db.transaction(async (tx) => {
    const deleted = async (
      table: typeof refreshSessions | typeof emailTokens | typeof oidcLoginAttempts | typeof mfaChallenges,
    ) => (await tx.delete(table).where(lt(table.expiresAt, now)).returning({ expiresAt: table.expiresAt })).length;
    return {
      sessions: await deleted(refreshSessions),
      emailTokens: await deleted(emailTokens),
      oidcLoginAttempts: await deleted(oidcLoginAttempts),
      mfaChallenges: await deleted(mfaChallenges),
      temporaryGrants: (
        await tx
          .delete(userPermissions)
          .where(lt(userPermissions.expiresAt, now))
          .returning({ expiresAt: userPermissions.expiresAt })
      ).length,
    };
  });
}

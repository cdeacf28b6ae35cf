import {
  apiKeys,
  emailTokens,
  mfaChallenges,
  oidcLoginAttempts,
  passkeyChallenges,
  refreshSessions,
  userPermissions,
  type Database,
} from "@seed/db";
import { lt } from "drizzle-orm";

/** What expires, in the order it is deleted. */
export const expiringRecords = [
  "sessions",
  "emailTokens",
  "oidcLoginAttempts",
  "mfaChallenges",
  "passkeyChallenges",
  "temporaryGrants",
  "apiKeys",
] as const;

export type ExpiringRecord = (typeof expiringRecords)[number];
export type ExpiredRecordCounts = Record<ExpiringRecord, number>;

const tables = {
  sessions: refreshSessions,
  emailTokens,
  oidcLoginAttempts,
  mfaChallenges,
  passkeyChallenges,
  temporaryGrants: userPermissions,
  apiKeys,
} satisfies Record<ExpiringRecord, unknown>;

/**
 * Deletes what has expired: sessions (with their rotated tokens), email tokens, OIDC sign-in
 * attempts, MFA and passkey challenges, temporary permission grants and API keys (revoked or not). None of
 * them grants anything once expired, so this only keeps the tables small; the audit trail keeps
 * their history.
 * `onDeleted` hears of each kind as it is done, for a progress display.
 */
export async function deleteExpiredRecords(
  db: Database,
  options: { now?: Date; onDeleted?: (record: ExpiringRecord, count: number) => void } = {},
): Promise<ExpiredRecordCounts> {
  const now = options.now ?? new Date();
  const counts = {} as ExpiredRecordCounts;
  for (const record of expiringRecords) {
    const table = tables[record];
    const deleted = await db.delete(table).where(lt(table.expiresAt, now)).returning({ expiresAt: table.expiresAt });
    counts[record] = deleted.length;
    options.onDeleted?.(record, deleted.length);
  }
  return counts;
}

import { mfaChallenges, mfaFactors, recoveryCodes, users, type Database, type Transaction } from "@seed/db";
import { and, eq, isNull } from "drizzle-orm";

/**
 * Called when the owner of an address proves it (a reset link, an identity provider) on an
 * account whose address was never confirmed. Whoever registered that address first may have
 * put their own authenticator on it; it goes, with its recovery codes and open challenges.
 * Resolves with whether a factor was removed.
 */
export async function removeFactorsOfUnconfirmedAccount(tx: Database | Transaction, userId: string): Promise<boolean> {
  const unconfirmed = await tx.query.users.findFirst({
    where: and(eq(users.id, userId), isNull(users.emailVerifiedAt)),
    columns: { id: true },
  });
  if (!unconfirmed) return false;
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await tx.delete(mfaChallenges).where(eq(mfaChallenges.userId, userId));
  const removed = await tx.delete(mfaFactors).where(eq(mfaFactors.userId, userId)).returning();
  return removed.length > 0;
}

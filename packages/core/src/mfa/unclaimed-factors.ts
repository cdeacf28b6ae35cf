import { mfaChallenges, mfaFactors, passkeys, recoveryCodes, users, type Database, type Transaction } from "@seed/db";
import { and, eq, isNull } from "drizzle-orm";

/**
 * Called when the owner of an address proves it (a reset link, an identity provider) on an
 * account whose address was never confirmed. Whoever registered that address first may have
 * put their own authenticator or passkeys on it; they go, with the recovery codes and open challenges.
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
  const removedFactors = await tx.delete(mfaFactors).where(eq(mfaFactors.userId, userId)).returning();
  // A passkey signs in on its own: one left by whoever registered the address first would let them back in.
  const removedPasskeys = await tx.delete(passkeys).where(eq(passkeys.userId, userId)).returning({ id: passkeys.id });
  return removedFactors.length + removedPasskeys.length > 0;
}

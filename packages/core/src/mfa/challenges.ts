import { mfaChallenges, users, type Database, type Transaction } from "@seed/db";
import { and, eq, gt, isNull } from "drizzle-orm";
import { createOpaqueToken, hashOpaqueToken } from "../shared/opaque-tokens";

/** Long enough to open the authenticator app; short enough that a leaked challenge soon ages out. */
const MFA_CHALLENGE_TTL_MS = 5 * 60_000;

/** What a caller holding a challenge that was used or has expired is told, whichever step it brought. */
export const EXPIRED_MFA_CHALLENGE = "This sign-in has expired or was already completed; sign in again";

/** A challenge that can still be completed: not used, not expired. */
const isLiveChallenge = () => and(isNull(mfaChallenges.usedAt), gt(mfaChallenges.expiresAt, new Date()));

/** The ticket a correct password earns when the account also asks for a code. Only its hash is stored. */
export async function openMfaChallenge(
  db: Database,
  userId: string,
): Promise<{ challenge: string; challengeExpiresAt: Date }> {
  const { token, tokenHash } = createOpaqueToken();
  const challengeExpiresAt = new Date(Date.now() + MFA_CHALLENGE_TTL_MS);
  await db.insert(mfaChallenges).values({ userId, tokenHash, expiresAt: challengeExpiresAt });
  return { challenge: token, challengeExpiresAt };
}

/** The unused, unexpired challenge presented, with the user it was issued to; null for any other. */
export async function findLiveMfaChallenge(
  db: Database,
  challenge: string,
): Promise<{ challengeId: string; user: { id: string; email: string; createdAt: Date } } | null> {
  const [row] = await db
    .select({
      challengeId: mfaChallenges.id,
      user: { id: users.id, email: users.email, createdAt: users.createdAt },
    })
    .from(mfaChallenges)
    .innerJoin(users, eq(users.id, mfaChallenges.userId))
    .where(and(eq(mfaChallenges.tokenHash, hashOpaqueToken(challenge)), isLiveChallenge()));
  return row ?? null;
}

/**
 * Locks the challenge until the transaction ends, if it is still live: of two requests completing
 * it at once, the second waits, then finds it used.
 */
export async function lockLiveMfaChallenge(tx: Transaction, challengeId: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: mfaChallenges.id })
    .from(mfaChallenges)
    .where(and(eq(mfaChallenges.id, challengeId), isLiveChallenge()))
    .for("update");
  return row !== undefined;
}

export async function markMfaChallengeUsed(tx: Transaction, challengeId: string): Promise<void> {
  await tx.update(mfaChallenges).set({ usedAt: new Date() }).where(eq(mfaChallenges.id, challengeId));
}

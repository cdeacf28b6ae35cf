import { passkeyChallenges, type Database } from "@seed/db";
import { and, eq, gt, isNull, type SQL } from "drizzle-orm";

/**
 * Long enough to find a security key or unlock a phone; short enough that a leaked challenge
 * soon ages out. Browsers are told the same, so they stop waiting when the server would.
 */
export const PASSKEY_CEREMONY_TIMEOUT_MS = 5 * 60_000;

/** A registration challenge belongs to the account adding a passkey; a sign-in one to nobody yet. */
export type PasskeyCeremony = { purpose: "registration"; userId: string } | { purpose: "sign-in" };

export async function storePasskeyChallenge(db: Database, challenge: string, ceremony: PasskeyCeremony): Promise<void> {
  await db.insert(passkeyChallenges).values({
    challenge,
    purpose: ceremony.purpose,
    userId: ceremony.purpose === "registration" ? ceremony.userId : null,
    expiresAt: new Date(Date.now() + PASSKEY_CEREMONY_TIMEOUT_MS),
  });
}

/**
 * Uses up a challenge the server issued for this ceremony and has not seen answered, in one
 * DELETE: of two answers to the same challenge, on any instance, exactly one finds it. An
 * expired challenge is not deleted here (the daily clean-up does it); it is simply not found.
 */
export async function consumePasskeyChallenge(
  db: Database,
  challenge: string,
  ceremony: PasskeyCeremony,
): Promise<boolean> {
  const owner: SQL =
    ceremony.purpose === "registration"
      ? eq(passkeyChallenges.userId, ceremony.userId)
      : isNull(passkeyChallenges.userId);
  const consumed = await db
    .delete(passkeyChallenges)
    .where(
      and(
        eq(passkeyChallenges.challenge, challenge),
        eq(passkeyChallenges.purpose, ceremony.purpose),
        owner,
        gt(passkeyChallenges.expiresAt, new Date()),
      ),
    )
    .returning({ challenge: passkeyChallenges.challenge });
  return consumed.length > 0;
}

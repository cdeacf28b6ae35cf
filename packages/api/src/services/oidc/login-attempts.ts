import { createHash } from "node:crypto";
import { oidcLoginAttempts, type Database } from "@seed/db";
import { eq, lt } from "drizzle-orm";

/** Long enough to sign in at the provider, short enough that a leaked state is soon worthless. */
const ATTEMPT_TTL_MS = 10 * 60 * 1000;

export interface LoginAttempt {
  provider: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
}

const hashState = (state: string) => createHash("sha256").update(state).digest("base64url");

/** Remembers a started sign-in under its `state` for ten minutes. */
export async function saveLoginAttempt(db: Database, state: string, attempt: LoginAttempt): Promise<void> {
  const now = new Date();
  // Abandoned attempts are swept as new ones come, so the table holds no more than ten minutes
  // of starts (which the credential rate limit bounds).
  await db.delete(oidcLoginAttempts).where(lt(oidcLoginAttempts.expiresAt, now));
  await db
    .insert(oidcLoginAttempts)
    .values({ stateHash: hashState(state), ...attempt, expiresAt: new Date(now.getTime() + ATTEMPT_TTL_MS) });
}

/**
 * The attempt `state` was issued for, or null when it is unknown, used or expired. The row is
 * deleted by the same statement that reads it, so of two callbacks with one state (a replay, or
 * two instances racing) exactly one gets it.
 */
export async function consumeLoginAttempt(db: Database, state: string): Promise<LoginAttempt | null> {
  const [attempt] = await db
    .delete(oidcLoginAttempts)
    .where(eq(oidcLoginAttempts.stateHash, hashState(state)))
    .returning();
  return attempt && attempt.expiresAt > new Date() ? attempt : null;
}

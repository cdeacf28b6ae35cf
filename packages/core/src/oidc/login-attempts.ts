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

/**
 * An attempt is found by its `state` together with the browser binding, a secret kept in a cookie
 * of the browser that started it. A `state` and `code` carried to another browser (login CSRF:
 * signing a victim in to the attacker's account) find nothing there.
 */
const attemptKey = (state: string, browserBinding: string) =>
  createHash("sha256").update(`${state}\n${browserBinding}`).digest("base64url");

/** Remembers a started sign-in under its `state` and browser binding for ten minutes. */
export async function saveLoginAttempt(
  db: Database,
  state: string,
  browserBinding: string,
  attempt: LoginAttempt,
): Promise<void> {
  const now = new Date();
  // Abandoned attempts are swept as new ones come, so the table holds no more than ten minutes
  // of starts (which the credential rate limit bounds).
  await db.delete(oidcLoginAttempts).where(lt(oidcLoginAttempts.expiresAt, now));
  await db.insert(oidcLoginAttempts).values({
    stateHash: attemptKey(state, browserBinding),
    ...attempt,
    expiresAt: new Date(now.getTime() + ATTEMPT_TTL_MS),
  });
}

/**
 * The attempt `state` was issued for in this browser, or null when it is unknown, used, expired
 * or started elsewhere. The row is
 * deleted by the same statement that reads it, so of two callbacks with one state (a replay, or
 * two instances racing) exactly one gets it.
 */
export async function consumeLoginAttempt(
  db: Database,
  state: string,
  browserBinding: string,
): Promise<LoginAttempt | null> {
  const [attempt] = await db
    .delete(oidcLoginAttempts)
    .where(eq(oidcLoginAttempts.stateHash, attemptKey(state, browserBinding)))
    .returning();
  return attempt && attempt.expiresAt > new Date() ? attempt : null;
}

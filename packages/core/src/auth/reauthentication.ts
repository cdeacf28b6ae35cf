import { users, type Database, type User } from "@seed/db";
import { eq } from "drizzle-orm";
import { AppError } from "@seed/platform";
import { verifyPassword } from "./passwords";
import { assertRecentSignIn, RECENT_SIGN_IN_MS } from "../sessions/sessions";

/** What a signed-in caller offers: the password, when the account has one, and their session. */
export interface OwnerProof {
  password?: string | undefined;
  sessionId: string;
}

/**
 * Before a change that a thief holding a stolen session would want (strip the second factor, move
 * the account to another address, delete it), the owner proves again who they are.
 *
 * An account with a password proves it with the password, and only with it: a recent session
 * never stands in for a password the account has, since a session is exactly what a thief holds.
 * An account without a password (it signs in only through an identity provider) has nothing to
 * type; it proves it by a session that began within the last ten minutes, which its owner gets
 * by signing in again with the provider.
 *
 * `purpose` ends the sentences that tell the user what to do ("… to delete your account").
 * Resolves with the account, or null when the password is wrong: callers decide whether that is
 * a mistyped password or a guess to count. Throws when something else must be done first.
 */
export async function reauthenticate(
  db: Database,
  userId: string,
  proof: OwnerProof,
  purpose: string,
): Promise<User | null> {
  const account = await db.query.users.findFirst({ where: eq(users.id, userId) });
  if (!account) return null;
  if (account.passwordHash === null) {
    if (proof.password !== undefined) {
      throw new AppError(
        "INVALID_INPUT",
        `This account has no password: leave it out, and sign in again with your identity provider to ${purpose}`,
      );
    }
    await assertRecentSignIn(
      db,
      proof.sessionId,
      `Sign in again with your identity provider to ${purpose}: this session began more than ${RECENT_SIGN_IN_MS / 60_000} minutes ago`,
    );
    return account;
  }
  if (proof.password === undefined) throw new AppError("INVALID_INPUT", `Enter your password to ${purpose}`);
  return (await verifyPassword(account.passwordHash, proof.password)) ? account : null;
}

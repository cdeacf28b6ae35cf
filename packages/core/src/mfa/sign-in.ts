import type { Actor } from "../shared/actor";
import type { Dependencies } from "../dependencies";
import { AppError, type Logger, loginKeys } from "@seed/platform";
import type { SessionTokens } from "../shared/validators";
import { startSession } from "../auth/auth-service";
import { withinSignInBudget } from "../auth/sign-in-budget";
import { recordFailedSecondFactor } from "./attempt-throttle";
import { EXPIRED_MFA_CHALLENGE, findLiveMfaChallenge, lockLiveMfaChallenge, markMfaChallengeUsed } from "./challenges";
import { useSecondFactorCode } from "./second-factor";

type MfaSignInDependencies = Pick<
  Dependencies,
  "db" | "accessTokens" | "events" | "sessionCache" | "refreshTokenTtlSeconds" | "loginThrottle" | "mfaSealingKey"
> & { log: Logger };

const INVALID_CODE = "Invalid code";

/**
 * The second step of a sign-in: a live challenge and a code from the authenticator, or a recovery
 * code, open the session the password alone did not. A wrong code leaves the challenge usable
 * until it expires, but counts as a failed sign-in of the account.
 */
export async function completeMfaSignIn(
  deps: MfaSignInDependencies,
  input: { challenge: string; code: string },
  actor: Actor,
): Promise<SessionTokens> {
  const pending = await findLiveMfaChallenge(deps.db, input.challenge);
  if (!pending) throw new AppError("UNAUTHENTICATED", EXPIRED_MFA_CHALLENGE);
  const userActor = { ...actor, userId: pending.user.id };
  const keys = loginKeys(pending.user.email, actor.ip);
  return withinSignInBudget(deps, keys, userActor, { step: "second_factor" }, async (countFailure) => {
    const outcome = await deps.db.transaction(async (tx) => {
      if (!(await lockLiveMfaChallenge(tx, pending.challengeId))) return "expired";
      if (!(await useSecondFactorCode(tx, deps.mfaSealingKey, pending.user.id, input.code))) return "wrong-code";
      await markMfaChallengeUsed(tx, pending.challengeId);
      return "accepted";
    });
    if (outcome === "expired") throw new AppError("UNAUTHENTICATED", EXPIRED_MFA_CHALLENGE);
    if (outcome === "wrong-code") {
      await recordFailedSecondFactor(deps, countFailure, userActor, "wrong_code");
      throw new AppError("UNAUTHENTICATED", INVALID_CODE);
    }
    await deps.loginThrottle.reset(keys[0]!.key);
    return startSession(deps, pending.user, actor);
  });
}

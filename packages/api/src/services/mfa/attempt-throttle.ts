import type { Actor } from "../../actor";
import type { ApiDependencies } from "../../dependencies";
import { AppError } from "../../errors";
import type { Logger } from "../../logger";
import { loginKeys, type ThrottledKey } from "../../throttling";
import { recordSecurityEvent } from "../security-events";

type AttemptDependencies = Pick<ApiDependencies, "db" | "loginThrottle"> & { log: Logger };

/**
 * Codes count against the sign-in budget of the account, the one passwords use: a stolen
 * password must not buy unlimited guesses at six digits.
 */
export function secondFactorKeys(email: string, actor: Actor): ThrottledKey[] {
  return loginKeys(email.toLowerCase(), actor.ip ?? "unknown");
}

/** Checked before any code or password is, so that a locked-out guess costs nothing and learns nothing. */
export async function refuseWhileLockedOut(
  deps: AttemptDependencies,
  keys: ThrottledKey[],
  actor: Actor,
): Promise<void> {
  const retryAfterMs = await deps.loginThrottle.retryAfterMs(keys.map(({ key }) => key));
  if (retryAfterMs > 0) {
    await recordSecurityEvent(deps, actor, "login_locked", { step: "second_factor" });
    throw new AppError("RATE_LIMITED", `Too many failed sign-ins; try again in ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

export async function recordFailedSecondFactor(
  deps: AttemptDependencies,
  keys: ThrottledKey[],
  actor: Actor,
  reason: "wrong_code" | "wrong_password",
): Promise<void> {
  await deps.loginThrottle.recordFailure(keys);
  await recordSecurityEvent(deps, actor, "mfa_failed", { reason });
}

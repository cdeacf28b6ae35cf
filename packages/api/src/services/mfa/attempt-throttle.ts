import type { Actor } from "../../actor";
import type { ApiDependencies } from "../../dependencies";
import type { Logger } from "../../logger";
import { loginKeys, type ThrottledKey } from "../../throttling";
import { recordSecurityEvent } from "../security-events";

/**
 * Codes count against the sign-in budget of the account, the one passwords use: a stolen
 * password must not buy unlimited guesses at six digits.
 */
export function secondFactorKeys(email: string, actor: Actor): ThrottledKey[] {
  return loginKeys(email.toLowerCase(), actor.ip ?? "unknown");
}

export async function recordFailedSecondFactor(
  deps: Pick<ApiDependencies, "db"> & { log: Logger },
  countFailure: () => Promise<void>,
  actor: Actor,
  reason: "wrong_code" | "wrong_password",
): Promise<void> {
  await countFailure();
  await recordSecurityEvent(deps, actor, "mfa_failed", { reason });
}

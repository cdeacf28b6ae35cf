import type { Actor } from "../shared/actor";
import type { Dependencies } from "../dependencies";
import { AppError, type Logger, type ThrottledKey } from "@seed/platform";
import { recordSecurityEvent } from "../audit/security-events";

type SignInBudgetDependencies = Pick<Dependencies, "db" | "loginThrottle"> & { log: Logger };

/**
 * Runs one attempt at a sign-in secret (a password, a code) within the failure budget of `keys`.
 * The attempt takes its place in the budget before the secret is looked at, in one step with the
 * lock-out check, so that a locked-out guess costs nothing and learns nothing, and a burst of
 * parallel guesses gets no more tries than the budget.
 *
 * `attempt` calls `countFailure` as soon as it knows the secret is wrong, before anything else that
 * could fail. Whatever else happens, the place is given back uncounted: the secret was right, or
 * the attempt ended before any answer about it, by a refusal or an error. An attempt that threw
 * told its caller nothing about the secret, so it costs nothing either: an outage of the database
 * must not lock out everyone who retries through it. Should the place not be given back (Redis is
 * unreachable, or the process dies), it lapses within a minute on its own.
 */
export async function withinSignInBudget<T>(
  deps: SignInBudgetDependencies,
  keys: ThrottledKey[],
  actor: Actor,
  lockedOutDetails: Record<string, unknown>,
  attempt: (countFailure: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const reservation = await deps.loginThrottle.reserveAttempt(keys);
  if (reservation.status === "locked-out") {
    await recordSecurityEvent(deps, actor, "login_locked", lockedOutDetails);
    throw new AppError(
      "RATE_LIMITED",
      `Too many failed sign-ins; try again in ${Math.ceil(reservation.retryAfterMs / 1000)} s`,
    );
  }
  try {
    return await attempt(reservation.recordFailure);
  } finally {
    await reservation.release().catch((error: unknown) => {
      deps.log.warn({ err: error }, "could not give back a sign-in attempt's place; it will lapse");
    });
  }
}

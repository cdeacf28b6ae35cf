import { Secret, TOTP } from "otpauth";
import { type Actor, confirmMfa, enrollMfa, type LoginResult } from "../src";
import type { Dependencies } from "../src";
import { testActor } from "./support";

/**
 * The code an authenticator app shows now, or `stepsAhead` periods of 30 seconds from now: the
 * next step's code is one the server has not accepted yet when the current one was just used,
 * and it still accepts it, so no test waits for the clock.
 */
export function authenticatorCode(secret: string, stepsAhead = 0): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + stepsAhead * 30_000 });
}

/** Enrols and confirms an authenticator for `user`, as the user would, with the current code. */
export async function enableMfa(
  deps: Pick<Dependencies, "db" | "mfaSealingKey">,
  user: { id: string; email: string },
  actor: Actor = { ...testActor, userId: user.id },
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const { secret } = await enrollMfa(deps, user, actor);
  const { recoveryCodes } = await confirmMfa(deps, user.id, authenticatorCode(secret), actor);
  return { secret, recoveryCodes };
}

/** The challenge of a sign-in that asked for a second factor; fails the test when it did not. */
export function mfaRequired(result: LoginResult): Extract<LoginResult, { status: "mfa-required" }> {
  if (result.status !== "mfa-required") throw new Error(`expected a code to be asked for, got ${result.status}`);
  return result;
}

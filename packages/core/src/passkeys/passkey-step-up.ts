import type { ServiceDependencies } from "../dependencies";
import { assertRecentSignIn } from "../sessions/sessions";

/**
 * Adding or removing a passkey changes how the account signs in: a thief holding a stolen,
 * long-lived session must not add a passkey of their own to come back with, nor take the
 * owner's away. Only a session that began recently may (WEBAUTHN_RECENT_SIGN_IN_MINUTES).
 */
export async function assertRecentSignInForPasskeys(
  deps: ServiceDependencies<"db" | "passkeyPolicy">,
  sessionId: string,
  purpose: string,
): Promise<void> {
  const minutes = Math.round(deps.passkeyPolicy.recentSignInMs / 60_000);
  await assertRecentSignIn(
    deps.db,
    sessionId,
    `Sign in again to ${purpose}: this session began more than ${minutes} minutes ago`,
    deps.passkeyPolicy.recentSignInMs,
  );
}

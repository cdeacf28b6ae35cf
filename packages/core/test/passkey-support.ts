import {
  finishPasskeyRegistration,
  finishPasskeySignIn,
  startPasskeyRegistration,
  startPasskeySignIn,
  type Dependencies,
  type PasskeySummary,
} from "../src";
import type { Logger } from "@seed/platform";
import { softwareAuthenticator, type SoftwareAuthenticator } from "./passkey-authenticator";
import { testActor } from "./support";

type PasskeyDependencies = Pick<
  Dependencies,
  "db" | "passkeyPolicy" | "mailer" | "accessTokens" | "events" | "sessionCache" | "refreshTokenTtlSeconds"
> & { log: Logger };

/** Adds a passkey of a new software authenticator to a signed-in account, as the account page would. */
export async function addPasskey(
  deps: PasskeyDependencies,
  user: { id: string; email: string; sessionId: string },
): Promise<{ authenticator: SoftwareAuthenticator; passkey: PasskeySummary }> {
  const authenticator = softwareAuthenticator(deps.passkeyPolicy.origins[0]!);
  const options = await startPasskeyRegistration(deps, user);
  const passkey = await finishPasskeyRegistration(
    deps,
    user,
    { ...testActor, userId: user.id },
    { response: authenticator.register(options) },
  );
  return { authenticator, passkey };
}

/** The answer of `authenticator` to a new sign-in challenge: what a passkey sign-in sends. */
export async function passkeyAssertion(
  deps: Pick<Dependencies, "db" | "passkeyPolicy">,
  authenticator: SoftwareAuthenticator,
) {
  return { response: authenticator.assert(await startPasskeySignIn(deps)) };
}

/** Signs in with `authenticator`'s passkey, from start to tokens. */
export async function signInWithPasskey(deps: PasskeyDependencies, authenticator: SoftwareAuthenticator) {
  return finishPasskeySignIn(deps, await passkeyAssertion(deps, authenticator), testActor);
}

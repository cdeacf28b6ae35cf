import { passkeys, users, type Database } from "@seed/db";
import { and, eq, or, sql } from "drizzle-orm";
import { AppError, type Logger } from "@seed/platform";
import type { z } from "zod";
import type { Dependencies } from "../dependencies";
import { recordAudit } from "../audit/audit";
import { recordSecurityEvent } from "../audit/security-events";
import { startSession } from "../auth/auth-service";
import {
  EXPIRED_MFA_CHALLENGE,
  findLiveMfaChallenge,
  lockLiveMfaChallenge,
  markMfaChallengeUsed,
} from "../mfa/challenges";
import type { Actor } from "../shared/actor";
import { webauthnLibrary } from "./webauthn-library";
import type { SessionTokens } from "../shared/validators";
import { consumePasskeyChallenge, PASSKEY_CEREMONY_TIMEOUT_MS, storePasskeyChallenge } from "./passkey-challenges";
import { isKnownTransport, type authenticationOptionsSchema, type passkeySignInSchema } from "./passkey-schemas";

type SignInDependencies = Pick<
  Dependencies,
  "db" | "passkeyPolicy" | "accessTokens" | "events" | "sessionCache" | "refreshTokenTtlSeconds"
> & { log: Logger };

const EXPIRED_CEREMONY = "This passkey sign-in has expired or was already used; start again";
const UNKNOWN_PASSKEY = "This passkey is not registered here; sign in another way and add it to your account";
const NOT_VERIFIED = "The passkey could not be verified";
const COUNTER_REGRESSED =
  "This passkey was refused: it may have been copied. Sign in another way and check your passkeys";

/**
 * The options of a passkey sign-in: a challenge any passkey of this site may answer, the
 * passkey itself saying whose it is. With the challenge of a password sign-in waiting for its
 * second step, only that account's passkeys are offered.
 */
export async function startPasskeySignIn(
  deps: Pick<Dependencies, "db" | "passkeyPolicy">,
  input: { mfaChallenge?: string | undefined } = {},
): Promise<z.input<typeof authenticationOptionsSchema>> {
  let allowCredentials: { id: string; transports: string[] }[] | undefined;
  if (input.mfaChallenge !== undefined) {
    const pending = await findLiveMfaChallenge(deps.db, input.mfaChallenge);
    if (!pending) throw new AppError("UNAUTHENTICATED", EXPIRED_MFA_CHALLENGE);
    allowCredentials = await deps.db
      .select({ id: passkeys.credentialId, transports: passkeys.transports })
      .from(passkeys)
      .where(eq(passkeys.userId, pending.user.id));
  }
  const { generateAuthenticationOptions } = await webauthnLibrary();
  const options = await generateAuthenticationOptions({
    rpID: deps.passkeyPolicy.rpId,
    userVerification: "required",
    timeout: PASSKEY_CEREMONY_TIMEOUT_MS,
    allowCredentials: allowCredentials?.map((passkey) => ({
      id: passkey.id,
      transports: passkey.transports.filter(isKnownTransport),
    })),
  });
  await storePasskeyChallenge(deps.db, options.challenge, { purpose: "sign-in" });
  return options;
}

/**
 * Signs in with a passkey: its signature over a live challenge, made with the user verified
 * (a PIN or a fingerprint), is both factors at once, so an account with an authenticator app
 * is not asked for its code. The session is the one a password sign-in opens.
 *
 * The authenticator's signature counter must grow whenever either side has one: a counter that
 * did not is a sign that the key was copied, and it is refused and recorded.
 */
export async function finishPasskeySignIn(
  deps: SignInDependencies,
  input: z.output<typeof passkeySignInSchema>,
  actor: Actor,
): Promise<SessionTokens> {
  const { response } = input;
  const found = await findPasskeyWithOwner(deps.db, response.id);
  if (!found) {
    await recordSecurityEvent(deps, actor, "login_failed", { reason: "unknown_passkey" });
    throw new AppError("UNAUTHENTICATED", UNKNOWN_PASSKEY);
  }
  const { passkey, user } = found;
  const userActor = { ...actor, userId: user.id };
  const refuse = async (reason: string): Promise<never> => {
    await recordSecurityEvent(deps, userActor, "login_failed", { reason, passkeyId: passkey.id });
    throw new AppError("UNAUTHENTICATED", NOT_VERIFIED);
  };

  // The user handle, when the authenticator sends it, must name the passkey's own account.
  if (response.response.userHandle !== undefined && decodeUserHandle(response.response.userHandle) !== user.id) {
    return refuse("passkey_user_mismatch");
  }
  const pendingMfa = input.mfaChallenge === undefined ? null : await findLiveMfaChallenge(deps.db, input.mfaChallenge);
  if (input.mfaChallenge !== undefined && pendingMfa?.user.id !== user.id) {
    throw new AppError("UNAUTHENTICATED", EXPIRED_MFA_CHALLENGE);
  }

  let challengeLive = false;
  const { verifyAuthenticationResponse } = await webauthnLibrary();
  const verification = await verifyAuthenticationResponse({
    response,
    expectedChallenge: async (challenge) =>
      (challengeLive = await consumePasskeyChallenge(deps.db, challenge, { purpose: "sign-in" })),
    expectedOrigin: deps.passkeyPolicy.origins,
    expectedRPID: deps.passkeyPolicy.rpId,
    // The counter is compared below, once the signature is known to be the passkey's: a copied
    // key is then told apart from a forged answer.
    credential: {
      id: passkey.credentialId,
      publicKey: Buffer.from(passkey.publicKey, "base64url"),
      counter: 0,
      transports: passkey.transports.filter(isKnownTransport),
    },
    requireUserVerification: true,
  }).catch(async (error: unknown) => {
    deps.log.info({ err: error }, "passkey sign-in refused");
    if (!challengeLive) throw new AppError("UNAUTHENTICATED", EXPIRED_CEREMONY);
    return refuse("passkey_not_verified");
  });
  if (!verification.verified || !verification.authenticationInfo.userVerified) return refuse("passkey_bad_signature");

  const presented = verification.authenticationInfo.newCounter;
  const signedIn = await deps.db.transaction(async (tx) => {
    // Conditional on the counter growing (or both sides keeping none), so that of two answers
    // signed with the same count, as a copied key would give, only one gets through.
    const [used] = await tx
      .update(passkeys)
      .set({
        signCount: presented,
        lastUsedAt: new Date(),
        backedUp: verification.authenticationInfo.credentialBackedUp,
        deviceType: verification.authenticationInfo.credentialDeviceType,
      })
      .where(
        and(
          eq(passkeys.id, passkey.id),
          or(sql`${passkeys.signCount} < ${presented}`, and(eq(passkeys.signCount, 0), sql`${presented} = 0`)),
        ),
      )
      .returning({ signCount: passkeys.signCount });
    if (!used) return false;
    if (pendingMfa) {
      if (!(await lockLiveMfaChallenge(tx, pendingMfa.challengeId)))
        throw new AppError("UNAUTHENTICATED", EXPIRED_MFA_CHALLENGE);
      await markMfaChallengeUsed(tx, pendingMfa.challengeId);
    }
    await recordAudit(tx, userActor, {
      action: "passkey.sign_in",
      resource: "passkey",
      resourceId: passkey.id,
      after: { signCount: presented, ...(pendingMfa ? { secondStepOf: "password" } : {}) },
    });
    return true;
  });
  if (!signedIn) {
    await recordSecurityEvent(deps, userActor, "passkey_counter_regression", {
      passkeyId: passkey.id,
      storedCount: passkey.signCount,
      presentedCount: presented,
    });
    throw new AppError("UNAUTHENTICATED", COUNTER_REGRESSED);
  }
  return startSession(deps, user, actor);
}

async function findPasskeyWithOwner(db: Database, credentialId: string) {
  const [row] = await db
    .select({ passkey: passkeys, user: { id: users.id, email: users.email, createdAt: users.createdAt } })
    .from(passkeys)
    .innerJoin(users, eq(users.id, passkeys.userId))
    .where(eq(passkeys.credentialId, credentialId));
  return row ?? null;
}

function decodeUserHandle(userHandle: string): string {
  return Buffer.from(userHandle, "base64url").toString("utf8");
}

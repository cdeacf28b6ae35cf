import { isUniqueViolation, passkeys, users } from "@seed/db";
import { count, eq } from "drizzle-orm";
import { AppError } from "@seed/platform";
import type { z } from "zod";
import type { ServiceDependencies } from "../dependencies";
import { recordAudit } from "../audit/audit";
import type { Actor } from "../shared/actor";
import { webauthnLibrary } from "./webauthn-library";
import { consumePasskeyChallenge, PASSKEY_CEREMONY_TIMEOUT_MS, storePasskeyChallenge } from "./passkey-challenges";
import { toPasskeySummary } from "./passkey-listing";
import {
  isKnownTransport,
  type PasskeySummary,
  type passkeyRegistrationSchema,
  type registrationOptionsSchema,
} from "./passkey-schemas";
import { assertRecentSignInForPasskeys } from "./passkey-step-up";

type RegistrationDependencies = ServiceDependencies<"db" | "passkeyPolicy" | "mailer">;

/** Enough for every device and password manager a person uses, and a few security keys. */
export const MAX_PASSKEYS_PER_USER = 20;

const EXPIRED_CEREMONY = "This passkey request has expired or was already used; start again";
const NOT_VERIFIED = "The passkey could not be verified; start again";
const NOT_DISCOVERABLE =
  "This authenticator cannot keep a passkey that signs in without an address typed first; use another one";

/**
 * The options of a new passkey for the caller's account, with a challenge only this account may
 * answer. The passkey must be discoverable (it signs in without an address typed first) and
 * verify its user (a PIN or a fingerprint, not a mere touch); the caller's passkeys are excluded,
 * so that one authenticator is not registered twice.
 */
export async function startPasskeyRegistration(
  deps: RegistrationDependencies,
  user: { id: string; email: string; sessionId: string },
): Promise<z.input<typeof registrationOptionsSchema>> {
  await assertRecentSignInForPasskeys(deps, user.sessionId, "add a passkey");
  const held = await deps.db
    .select({ credentialId: passkeys.credentialId, transports: passkeys.transports })
    .from(passkeys)
    .where(eq(passkeys.userId, user.id));
  if (held.length >= MAX_PASSKEYS_PER_USER) throw tooManyPasskeys();
  const { generateRegistrationOptions } = await webauthnLibrary();
  const options = await generateRegistrationOptions({
    rpName: deps.passkeyPolicy.rpName,
    rpID: deps.passkeyPolicy.rpId,
    userName: user.email,
    userDisplayName: user.email,
    // The user handle an assertion carries back: the account's id, which tells nothing of its owner.
    userID: new TextEncoder().encode(user.id),
    attestationType: "none",
    timeout: PASSKEY_CEREMONY_TIMEOUT_MS,
    excludeCredentials: held.map((passkey) => ({
      id: passkey.credentialId,
      transports: passkey.transports.filter(isKnownTransport),
    })),
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
  });
  await storePasskeyChallenge(deps.db, options.challenge, { purpose: "registration", userId: user.id });
  return options;
}

/**
 * Verifies the authenticator's answer to a registration challenge of this account and keeps the
 * new passkey's public key. The challenge is used up whether or not the answer is right.
 */
export async function finishPasskeyRegistration(
  deps: RegistrationDependencies,
  user: { id: string; sessionId: string },
  actor: Actor,
  input: z.output<typeof passkeyRegistrationSchema>,
): Promise<PasskeySummary> {
  await assertRecentSignInForPasskeys(deps, user.sessionId, "add a passkey");
  if (input.response.clientExtensionResults.credProps?.rk === false) {
    throw new AppError("INVALID_INPUT", NOT_DISCOVERABLE);
  }
  let challengeLive = false;
  const { verifyRegistrationResponse } = await webauthnLibrary();
  const verification = await verifyRegistrationResponse({
    response: input.response,
    expectedChallenge: async (challenge) =>
      (challengeLive = await consumePasskeyChallenge(deps.db, challenge, { purpose: "registration", userId: user.id })),
    expectedOrigin: deps.passkeyPolicy.origins,
    expectedRPID: deps.passkeyPolicy.rpId,
    requireUserVerification: true,
  }).catch((error: unknown) => {
    deps.log.info({ err: error }, "passkey registration refused");
    throw new AppError("INVALID_INPUT", challengeLive ? NOT_VERIFIED : EXPIRED_CEREMONY);
  });
  const registered = verification.registrationInfo;
  if (!verification.verified || !registered) throw new AppError("INVALID_INPUT", NOT_VERIFIED);

  let added: { summary: PasskeySummary; email: string };
  try {
    added = await deps.db.transaction(async (tx) => {
      // The owner's row is locked so that two registrations at once cannot both pass the count.
      const [owner] = await tx.select({ email: users.email }).from(users).where(eq(users.id, user.id)).for("update");
      const [held] = await tx.select({ count: count() }).from(passkeys).where(eq(passkeys.userId, user.id));
      if ((held?.count ?? 0) >= MAX_PASSKEYS_PER_USER) throw tooManyPasskeys();
      const [created] = await tx
        .insert(passkeys)
        .values({
          userId: user.id,
          credentialId: registered.credential.id,
          publicKey: Buffer.from(registered.credential.publicKey).toString("base64url"),
          signCount: registered.credential.counter,
          transports: input.response.response.transports ?? [],
          deviceType: registered.credentialDeviceType,
          backedUp: registered.credentialBackedUp,
          aaguid: registered.aaguid,
          name: input.name ?? "Passkey",
        })
        .returning();
      const summary = toPasskeySummary(created!);
      await recordAudit(tx, actor, {
        action: "passkey.register",
        resource: "passkey",
        resourceId: summary.id,
        after: {
          name: summary.name,
          deviceType: summary.deviceType,
          backedUp: summary.backedUp,
          aaguid: registered.aaguid,
        },
      });
      return { summary, email: owner!.email };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("CONFLICT", "This passkey is already registered");
    throw error;
  }
  // A passkey signs in on its own: its owner hears of each new one, so that one added by
  // someone else (a stolen session) does not go unnoticed.
  await deps.mailer.send({
    to: added.email,
    subject: "A passkey was added to your account",
    text: `A passkey named "${added.summary.name}" was added to your account. If it was not you, delete it from your account page, change your password and sign out everywhere.`,
  });
  return added.summary;
}

function tooManyPasskeys(): AppError {
  return new AppError("CONFLICT", `You have ${MAX_PASSKEYS_PER_USER} passkeys, the most allowed: delete one first`);
}

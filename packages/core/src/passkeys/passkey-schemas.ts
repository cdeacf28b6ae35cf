import { z } from "zod";
import { opaqueTokenSchema } from "../shared/validators";
import { textSchema } from "../shared/text";

/**
 * The shapes of the WebAuthn ceremonies as JSON (what @simplewebauthn/browser sends and takes),
 * and of passkeys as their owner sees them. The ceremonies' fields are checked for shape and size
 * here; what they say is checked by the verification, against the challenge the server issued.
 */

const base64url = (maxLength: number) => textSchema.max(maxLength).regex(/^[A-Za-z0-9_-]*$/, "Expected base64url");

/** Transports a browser may name; unknown ones are accepted and dropped, for browsers yet to come. */
export const knownTransports = ["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"] as const;
export type PasskeyTransport = (typeof knownTransports)[number];
export const isKnownTransport = (transport: string): transport is PasskeyTransport =>
  (knownTransports as readonly string[]).includes(transport);
const transportsSchema = z
  .array(textSchema.max(32))
  .max(16)
  .transform((transports) => transports.filter(isKnownTransport));

/** Of the extensions' results, only whether the passkey is discoverable is read; others are dropped. */
const clientExtensionResultsSchema = z
  .object({ credProps: z.object({ rk: z.boolean().optional() }).optional() })
  .default({});

/** What `startRegistration()` answers: the new credential and its attestation. */
export const registrationResponseSchema = z.object({
  id: base64url(1024),
  rawId: base64url(1024),
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: base64url(4096),
    // "none" attestation is asked for, but an authenticator may still send its certificates.
    attestationObject: base64url(32_768),
    authenticatorData: base64url(16_384).optional(),
    transports: transportsSchema.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(4096).optional(),
  }),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: clientExtensionResultsSchema,
});

/** What `startAuthentication()` answers: the assertion, signed by the passkey. */
export const authenticationResponseSchema = z.object({
  id: base64url(1024),
  rawId: base64url(1024),
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(16_384),
    signature: base64url(1024),
    userHandle: base64url(256).optional(),
  }),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: clientExtensionResultsSchema,
});

export const passkeyNameSchema = textSchema.trim().min(1, "Name the passkey").max(100, "The name is too long");

export const passkeyRegistrationSchema = z.object({
  response: registrationResponseSchema,
  /** How the owner will recognise it in the list ("Work laptop"); "Passkey" when left out. */
  name: passkeyNameSchema.optional(),
});

/**
 * A passkey sign-in. With `mfaChallenge` (the challenge a password sign-in answered), it
 * completes that sign-in instead: the passkey must then be the same account's.
 */
export const passkeySignInSchema = z.object({
  response: authenticationResponseSchema,
  mfaChallenge: opaqueTokenSchema.optional(),
});

export const passkeySignInOptionsInputSchema = z.object({ mfaChallenge: opaqueTokenSchema.optional() }).optional();

const credentialDescriptorSchema = z.object({
  id: z.string(),
  type: z.literal("public-key"),
  transports: z.array(z.enum(knownTransports)).optional(),
});

const userVerificationSchema = z.enum(["required", "preferred", "discouraged"]);

/** What `startRegistration()` takes: the options of a new credential, with the challenge to sign. */
export const registrationOptionsSchema = z.object({
  challenge: z.string(),
  rp: z.object({ name: z.string(), id: z.string().optional() }),
  user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
  pubKeyCredParams: z.array(z.object({ alg: z.number().int(), type: z.literal("public-key") })),
  timeout: z.number().int().optional(),
  excludeCredentials: z.array(credentialDescriptorSchema).optional(),
  authenticatorSelection: z
    .object({
      authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
      residentKey: z.enum(["required", "preferred", "discouraged"]).optional(),
      requireResidentKey: z.boolean().optional(),
      userVerification: userVerificationSchema.optional(),
    })
    .optional(),
  attestation: z.enum(["none", "indirect", "direct", "enterprise"]).optional(),
  hints: z.array(z.enum(["hybrid", "security-key", "client-device"])).optional(),
  extensions: z.object({ credProps: z.boolean().optional() }).optional(),
});

/** What `startAuthentication()` takes: the challenge to sign, for any passkey of this site. */
export const authenticationOptionsSchema = z.object({
  challenge: z.string(),
  rpId: z.string().optional(),
  timeout: z.number().int().optional(),
  allowCredentials: z.array(credentialDescriptorSchema).optional(),
  userVerification: userVerificationSchema.optional(),
  hints: z.array(z.enum(["hybrid", "security-key", "client-device"])).optional(),
});

/** A passkey as its owner sees it: never its public key nor its credential id. */
export const passkeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  /** "multiDevice" for a passkey synced between devices (a password manager), "singleDevice" otherwise. */
  deviceType: z.enum(["singleDevice", "multiDevice"]),
  backedUp: z.boolean(),
  transports: z.array(z.string()),
  /** The version to send with a rename. */
  version: z.number().int(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
});
export type PasskeySummary = z.infer<typeof passkeySchema>;

export const passkeyIdSchema = z.object({ passkeyId: z.uuid() });

export const passkeyRenameSchema = z.object({
  passkeyId: z.uuid(),
  name: passkeyNameSchema,
  /** The version the caller last read; the rename is refused if the passkey changed since. */
  version: z.number().int().min(1).max(2_147_483_647),
});

export const passkeyDeletedSchema = z.object({ deleted: z.literal(true) });

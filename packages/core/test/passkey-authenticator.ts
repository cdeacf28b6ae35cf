import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { encodeCBOR, type CBORType } from "@levischuck/tiny-cbor";

/**
 * A software authenticator, for tests: a P-256 key pair made with node:crypto, a "none"
 * attestation object in real CBOR, and assertions signed over authenticatorData and the hash of
 * clientDataJSON, as a security key or a phone would make them. Everything a real one would do
 * can be bent (`AssertionTweaks`), to make the answers an attacker or a broken device would.
 */

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_BACKUP_ELIGIBLE = 0x08;
const FLAG_BACKED_UP = 0x10;
const FLAG_ATTESTED_CREDENTIAL = 0x40;

/** COSE: key type EC2, algorithm ES256, curve P-256. */
const COSE_KTY = 1;
const COSE_ALG = 3;
const COSE_EC2_CRV = -1;
const COSE_EC2_X = -2;
const COSE_EC2_Y = -3;
const COSE_KTY_EC2 = 2;
const COSE_ALG_ES256 = -7;
const COSE_CRV_P256 = 1;

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();

export interface AssertionTweaks {
  /** The page the browser says asked (clientDataJSON.origin). */
  origin?: string;
  /** The relying party the authenticator signs for (the hash in authenticatorData). */
  rpId?: string;
  /** Whether the user was verified (a PIN, a fingerprint) rather than merely present. */
  userVerified?: boolean;
  /** The signature counter to send, instead of one more than the last. */
  signCount?: number;
  /** The challenge to sign, instead of the one in the options. */
  challenge?: string;
  /** The user handle to send, instead of the one given at registration. */
  userHandle?: string;
}

export interface RegistrationTweaks extends Omit<AssertionTweaks, "userHandle"> {
  /** Whether the passkey is synced between devices (a password manager's). */
  backedUp?: boolean;
}

export interface SoftwareAuthenticator {
  /** base64url, as the server stores it; empty until `register` made the passkey. */
  readonly credentialId: string;
  /** The counter of the last signature made. */
  readonly signCount: number;
  /** Makes a new passkey for the options' account and answers them as `startRegistration()` would. */
  register(
    options: { challenge: string; rp: { id?: string | undefined }; user: { id: string } },
    tweaks?: RegistrationTweaks,
  ): RegistrationAnswer;
  /** Signs the options' challenge as `startAuthentication()` would. */
  assert(options: { challenge: string; rpId?: string | undefined }, tweaks?: AssertionTweaks): AssertionAnswer;
}

export type RegistrationAnswer = ReturnType<typeof registrationAnswer>;
export type AssertionAnswer = ReturnType<typeof assertionAnswer>;

/** An authenticator for pages of `origin`, keeping counters (`counting`) or not, as many passkeys do. */
export function softwareAuthenticator(origin: string, options: { counting?: boolean } = {}): SoftwareAuthenticator {
  const counting = options.counting ?? true;
  let credential: { id: Buffer; privateKey: KeyObject; userHandle: string; rpId: string } | null = null;
  let signCount = 0;
  const nextCount = (tweak: number | undefined) => tweak ?? (counting ? ++signCount : 0);

  return {
    get credentialId() {
      return credential ? b64url(credential.id) : "";
    },
    get signCount() {
      return signCount;
    },
    register(creation, tweaks = {}) {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const rpId = creation.rp.id ?? new URL(origin).hostname;
      credential = { id: randomBytes(32), privateKey, userHandle: creation.user.id, rpId };
      const jwk = publicKey.export({ format: "jwk" });
      const cosePublicKey = encodeCBOR(
        new Map<number, CBORType>([
          [COSE_KTY, COSE_KTY_EC2],
          [COSE_ALG, COSE_ALG_ES256],
          [COSE_EC2_CRV, COSE_CRV_P256],
          [COSE_EC2_X, Buffer.from(jwk.x!, "base64url")],
          [COSE_EC2_Y, Buffer.from(jwk.y!, "base64url")],
        ]),
      );
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(credential.id.length);
      const backup = tweaks.backedUp ? FLAG_BACKUP_ELIGIBLE | FLAG_BACKED_UP : 0;
      const authenticatorData = Buffer.concat([
        authenticatorDataHead(
          tweaks.rpId ?? rpId,
          flags(tweaks.userVerified) | backup | FLAG_ATTESTED_CREDENTIAL,
          nextCount(tweaks.signCount),
        ),
        Buffer.alloc(16), // the AAGUID: all zeros, as an authenticator that keeps its model to itself sends
        idLength,
        credential.id,
        cosePublicKey,
      ]);
      const attestationObject = encodeCBOR(
        new Map<string, CBORType>([
          ["fmt", "none"],
          ["attStmt", new Map()],
          ["authData", authenticatorData],
        ]),
      );
      const clientDataJSON = clientData(
        "webauthn.create",
        tweaks.challenge ?? creation.challenge,
        tweaks.origin ?? origin,
      );
      return registrationAnswer(credential.id, clientDataJSON, attestationObject);
    },
    assert(request, tweaks = {}) {
      if (!credential) throw new Error("the authenticator holds no passkey: register one first");
      const rpId = tweaks.rpId ?? request.rpId ?? credential.rpId;
      const authenticatorData = authenticatorDataHead(rpId, flags(tweaks.userVerified), nextCount(tweaks.signCount));
      const clientDataJSON = clientData("webauthn.get", tweaks.challenge ?? request.challenge, tweaks.origin ?? origin);
      // ES256 signatures are DER-encoded in WebAuthn, which is node:crypto's default for EC keys.
      const signature = sign(
        "sha256",
        Buffer.concat([authenticatorData, sha256(clientDataJSON)]),
        credential.privateKey,
      );
      return assertionAnswer(
        credential.id,
        clientDataJSON,
        authenticatorData,
        signature,
        tweaks.userHandle ?? credential.userHandle,
      );
    },
  };
}

function flags(userVerified = true): number {
  return FLAG_USER_PRESENT | (userVerified ? FLAG_USER_VERIFIED : 0);
}

function authenticatorDataHead(rpId: string, flagBits: number, signCount: number): Buffer {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(signCount);
  return Buffer.concat([sha256(rpId), Buffer.from([flagBits]), counter]);
}

function clientData(type: "webauthn.create" | "webauthn.get", challenge: string, origin: string): string {
  return JSON.stringify({ type, challenge, origin, crossOrigin: false });
}

function registrationAnswer(id: Uint8Array, clientDataJSON: string, attestationObject: Uint8Array) {
  return {
    id: b64url(id),
    rawId: b64url(id),
    type: "public-key" as const,
    response: {
      clientDataJSON: b64url(clientDataJSON),
      attestationObject: b64url(attestationObject),
      transports: ["internal" as const],
    },
    authenticatorAttachment: "platform" as const,
    clientExtensionResults: { credProps: { rk: true } },
  };
}

function assertionAnswer(
  id: Uint8Array,
  clientDataJSON: string,
  authenticatorData: Uint8Array,
  signature: Uint8Array,
  userHandle: string,
) {
  return {
    id: b64url(id),
    rawId: b64url(id),
    type: "public-key" as const,
    response: {
      clientDataJSON: b64url(clientDataJSON),
      authenticatorData: b64url(authenticatorData),
      signature: b64url(signature),
      userHandle,
    },
    authenticatorAttachment: "platform" as const,
    clientExtensionResults: {},
  };
}

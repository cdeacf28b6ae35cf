import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const CIPHER = "aes-256-gcm";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const FORMAT_VERSION = "v1";

/**
 * The key that seals TOTP secrets, derived from the server's secret. A key of its own, so that
 * nothing sealed with it can be mistaken for a token signed with the server's secret, or the
 * other way round.
 */
export function deriveMfaSealingKey(serverSecret: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", serverSecret, new Uint8Array(0), "seed mfa secret sealing", KEY_BYTES));
}

/**
 * Seals a TOTP secret for storage, so that a copy of the database alone does not yield codes. The
 * user id is bound in as associated data: a sealed secret copied onto another account's row
 * does not open there.
 */
export function sealMfaSecret(key: Uint8Array, userId: string, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv);
  cipher.setAAD(Buffer.from(userId));
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  const parts = [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString("base64url"));
  return [FORMAT_VERSION, ...parts].join(".");
}

/**
 * Opens what `sealMfaSecret` sealed. Throws when it cannot: the server's secret has changed since
 * enrolment, or the row was altered. That is the operator's problem, not a wrong code, so it is
 * not answered as one (the user can still sign in with a recovery code).
 */
export function unsealMfaSecret(key: Uint8Array, userId: string, sealed: string): string {
  const [version, iv, ciphertext, authTag] = sealed.split(".");
  if (version !== FORMAT_VERSION || !iv || !ciphertext || !authTag) {
    throw new Error("Unreadable sealed MFA secret");
  }
  const decipher = createDecipheriv(CIPHER, key, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(userId));
  decipher.setAuthTag(Buffer.from(authTag, "base64url"));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch (error) {
    throw new Error("Cannot unseal the MFA secret: the server secret changed since enrolment, or the row was altered", {
      cause: error,
    });
  }
}

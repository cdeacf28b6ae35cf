import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const CIPHER = "aes-256-gcm";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const FORMAT_VERSION = "v1";

/** What a sealing key protects; each purpose gets a key of its own. */
export type SealingPurpose = "mfa secret" | "signing key" | "webhook secret";

/**
 * A key that seals secrets at rest, derived from the server's secret. A key per purpose, so that
 * nothing sealed for one purpose opens for another, and none of them can be mistaken for a token
 * signed with the server's secret.
 */
export function deriveSealingKey(serverSecret: Uint8Array, purpose: SealingPurpose): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", serverSecret, new Uint8Array(0), `seed ${purpose} sealing`, KEY_BYTES));
}

/**
 * Seals a secret for storage, so that a copy of the database alone does not yield it. `boundTo`
 * (the row's owner or id) is bound in as associated data: a sealed value copied onto another row
 * does not open there.
 */
export function seal(key: Uint8Array, boundTo: string, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv);
  cipher.setAAD(Buffer.from(boundTo));
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  const parts = [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString("base64url"));
  return [FORMAT_VERSION, ...parts].join(".");
}

/**
 * Opens what `seal` sealed. Throws when it cannot: the server's secret has changed since, or the
 * row was altered. That is the operator's problem, not the user's, so callers do not answer it
 * as a wrong input.
 */
export function unseal(key: Uint8Array, boundTo: string, sealed: string): string {
  const [version, iv, ciphertext, authTag] = sealed.split(".");
  if (version !== FORMAT_VERSION || !iv || !ciphertext || !authTag) throw new Error("Unreadable sealed value");
  const decipher = createDecipheriv(CIPHER, key, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(boundTo));
  decipher.setAuthTag(Buffer.from(authTag, "base64url"));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch (error) {
    throw new Error("Cannot unseal: the server secret changed since sealing, or the row was altered", {
      cause: error,
    });
  }
}

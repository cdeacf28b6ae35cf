import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Every key starts with this, so that secret scanners (and people) recognise one in a
 * repository or a log, and so that the server tells it from an access token at a glance.
 */
export const API_KEY_PREFIX = "seed_";

const PUBLIC_ID_LENGTH = 16;
const SECRET_BYTES = 32;

/**
 * `seed_<public id>_<secret>`: a public id of 16 lowercase letters and digits, which finds the
 * key's row, then 256 random bits. The public id has a fixed length and no `_`, so the secret
 * may hold any base64url character.
 */
const API_KEY_PATTERN = /^seed_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

const PUBLIC_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export interface NewApiKey {
  /** The whole key, shown to its owner once and never again. */
  key: string;
  publicId: string;
  secretHash: string;
}

export function createApiKeySecret(): NewApiKey {
  // 36 letters from 256 byte values: bytes of 252 and above are dropped, so each is equally likely.
  let publicId = "";
  while (publicId.length < PUBLIC_ID_LENGTH) {
    for (const byte of randomBytes(PUBLIC_ID_LENGTH)) {
      if (byte < 252 && publicId.length < PUBLIC_ID_LENGTH) publicId += PUBLIC_ID_ALPHABET[byte % 36];
    }
  }
  const secret = randomBytes(SECRET_BYTES).toString("base64url");
  return { key: `${API_KEY_PREFIX}${publicId}_${secret}`, publicId, secretHash: hashApiKeySecret(secret) };
}

/** Whether a bearer credential is meant as an API key (well formed or not). */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX);
}

/** Whether `text` holds something shaped like a key anywhere in it (a URL, a log line). */
export function containsApiKey(text: string): boolean {
  return API_KEY_ANYWHERE.test(text);
}

const API_KEY_ANYWHERE = /seed_[a-z0-9]{16}_/;

/** The parts of a well-formed key; null for anything else, before any lookup. */
export function parseApiKey(key: string): { publicId: string; secret: string } | null {
  const match = API_KEY_PATTERN.exec(key);
  return match ? { publicId: match[1]!, secret: match[2]! } : null;
}

/** What a key is shown as once its secret is gone: enough to tell keys apart, nothing to use. */
export function apiKeyDisplayPrefix(publicId: string): string {
  return `${API_KEY_PREFIX}${publicId}`;
}

/**
 * Only this hash is stored. The secret is 256 random bits, so nobody can guess it from the hash
 * however fast the hash is: SHA-256 suffices. argon2 exists to slow down guessing of low-entropy
 * passwords; here it would only add milliseconds of CPU to every call made with a key. A keyed
 * hash (HMAC with a server secret) would add nothing either, and would tie every key to
 * JWT_SECRET, so that rotating the secret would break them all.
 */
export function hashApiKeySecret(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}

/**
 * Compares in constant time: the row is found by the public id, not by the hash, so the
 * comparison happens here and must not tell an attacker how much of a guess was right.
 */
export function secretMatches(secret: string, secretHash: string): boolean {
  const presented = Buffer.from(hashApiKeySecret(secret));
  const stored = Buffer.from(secretHash);
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

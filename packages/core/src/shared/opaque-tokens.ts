import { createHash, randomBytes } from "node:crypto";

const TOKEN_BYTES = 32;

/**
 * The exact shape of a token this server issues (refresh tokens, email links, MFA challenges);
 * anything else is refused before any lookup.
 */
export const OPAQUE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A random token to hand out, and the hash under which it is stored. */
export function createOpaqueToken(): { token: string; tokenHash: string } {
  const token = randomBytes(TOKEN_BYTES).toString("base64url");
  return { token, tokenHash: hashOpaqueToken(token) };
}

/**
 * Only the hash is stored. The token carries 256 bits of entropy, so a fast hash is enough, and
 * the lookup by hash means no comparison of secrets happens in application code.
 */
export function hashOpaqueToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

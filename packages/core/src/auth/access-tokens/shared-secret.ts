import { createSecretKey } from "node:crypto";
import type { KeySource } from "./access-token-service";

/**
 * HS256 with one secret: simple, but only holders of the secret can verify, so nothing is
 * published. For a single service; a key set suits several.
 */
export function sharedSecretKeys(secret: Uint8Array): KeySource {
  const key = createSecretKey(secret);
  return {
    algorithm: "HS256",
    signingKey: async () => ({ kid: undefined, key }),
    verificationKey: async () => key,
    jwks: async () => ({ keys: [] }),
  };
}

import type * as SimpleWebAuthn from "@simplewebauthn/server";

/**
 * @simplewebauthn/server, loaded on the first passkey ceremony rather than at start-up: with the
 * ASN.1 and COSE code it brings, it held about 18 MiB of every server's memory, passkeys used or not.
 */
export function webauthnLibrary(): Promise<typeof SimpleWebAuthn> {
  return import("@simplewebauthn/server");
}

import { Secret, TOTP } from "otpauth";

/** What every authenticator app assumes; apps that ignore other parameters would show wrong codes. */
const TOTP_PARAMETERS = { algorithm: "SHA1", digits: 6, period: 30 } as const;

/** The step before and after are accepted too: phone clocks drift, and people type slowly. */
const VALIDATION_WINDOW = 1;

const ISSUER = "Seed";

const TOTP_CODE_PATTERN = /^\d{6}$/;

/** Authenticator apps show the code as "123 456"; people type what they see. */
const withoutSpaces = (code: string) => code.replace(/\s/g, "");

/** Whether `code` has the shape of an authenticator's code (a recovery code has not). */
export function isTotpCode(code: string): boolean {
  return TOTP_CODE_PATTERN.test(withoutSpaces(code));
}

/** A new random secret, base32 as authenticator apps take it; 160 bits, as RFC 4226 recommends. */
export function createTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI an authenticator app reads from the QR code. */
export function totpUri(secret: string, accountName: string): string {
  return new TOTP({
    issuer: ISSUER,
    label: accountName,
    secret: Secret.fromBase32(secret),
    ...TOTP_PARAMETERS,
  }).toString();
}

/**
 * The time step `code` belongs to, if it is the code of a step within the window around now;
 * null otherwise. Callers remember the step, so that no code is accepted twice.
 */
export function totpStepOf(secret: string, code: string): number | null {
  if (!isTotpCode(code)) return null;
  // One instant for both: the step found must be counted from the time the code was checked at.
  const now = Date.now();
  const totp = new TOTP({ secret: Secret.fromBase32(secret), ...TOTP_PARAMETERS });
  const delta = totp.validate({ token: withoutSpaces(code), timestamp: now, window: VALIDATION_WINDOW });
  return delta === null ? null : totp.counter({ timestamp: now }) + delta;
}

import { Secret, TOTP } from "otpauth";

/**
 * The code the authenticator app shows now, or in the next 30 seconds (`stepsAhead`: 1): one the
 * server has not accepted yet when the current one was just used, so no test waits for the clock.
 */
export const authenticatorCode = (secret: string, stepsAhead = 0) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + stepsAhead * 30_000 });

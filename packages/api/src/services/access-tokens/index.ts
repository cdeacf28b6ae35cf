export { createAccessTokenService, CLOCK_TOLERANCE_SECONDS } from "./access-token-service";
export type {
  AccessTokenClaims,
  AccessTokenService,
  IssuedAccessToken,
  KeySource,
  TokenRules,
} from "./access-token-service";
export { sharedSecretKeys } from "./shared-secret";
export { rotateSigningKey, signingKeySet } from "./signing-key-set";

import type { Config } from "@seed/config";
import type { Database } from "@seed/db";
import {
  CLOCK_TOLERANCE_SECONDS,
  createAccessTokenService,
  type AccessTokenService,
  type KeySource,
} from "./auth/access-tokens/access-token-service";
import { signingKeySet } from "./auth/access-tokens/signing-key-set";
import { sharedSecretKeys } from "./auth/access-tokens/shared-secret";
import { createOidcProviders } from "./oidc/providers";
import { deriveSealingKey } from "./shared/sealing";
import type { Dependencies } from "./dependencies";

/**
 * The dependencies that follow from the configuration alone: the same in every process that
 * serves the routers (the server, the CLI), so that they cannot drift apart.
 */
export function configuredSettings(
  config: Config,
): Pick<
  Dependencies,
  | "apiKeyPolicy"
  | "orderPlacingBudget"
  | "appUrl"
  | "refreshTokenTtlSeconds"
  | "cookieSecure"
  | "oidcProviders"
  | "mfaSealingKey"
  | "paymentTimeoutMs"
  | "passkeyPolicy"
> {
  return {
    apiKeyPolicy: {
      maxLifetimeDays: config.apiKeys.maxLifetimeDays,
      maxKeysPerUser: config.apiKeys.maxPerUser,
      rateLimit: { max: config.apiKeys.rateLimitMax, windowMs: config.rateLimit.windowMs },
    },
    // Generous for a shopper, tight for a script that hoards stock or tries stolen cards; an
    // address may serve several shoppers.
    orderPlacingBudget: {
      perUser: config.rateLimit.ordersPerUser,
      perAddress: config.rateLimit.ordersPerUser * 4,
      windowMs: config.rateLimit.windowMs,
    },
    appUrl: config.mail.appUrl,
    refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
    cookieSecure: config.http.cookieSecure,
    oidcProviders: createOidcProviders(config.oidc),
    mfaSealingKey: deriveSealingKey(config.auth.jwtSecret, "mfa secret"),
    paymentTimeoutMs: config.payments.timeoutMs,
    passkeyPolicy: config.passkeys,
  };
}

/** What signs and verifies access tokens, as configured: the key set in the database, or the shared secret. */
export async function configuredTokenKeys(db: Database, config: Config): Promise<KeySource> {
  return config.auth.algorithm === "EdDSA"
    ? signingKeySet({
        db,
        sealingKey: deriveSealingKey(config.auth.jwtSecret, "signing key"),
        verifyAfterRetirementMs: (config.auth.accessTokenTtlSeconds + CLOCK_TOLERANCE_SECONDS) * 1000,
      })
    : sharedSecretKeys(config.auth.jwtSecret);
}

export function configuredAccessTokens(config: Config, keys: KeySource): AccessTokenService {
  return createAccessTokenService(
    { issuer: config.auth.issuer, audience: config.auth.audience, ttlSeconds: config.auth.accessTokenTtlSeconds },
    keys,
  );
}

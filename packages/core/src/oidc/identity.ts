import type { Configuration } from "openid-client";
import { z } from "zod";
import { emailSchema } from "../shared/validators";
import type { LoginAttempt } from "./login-attempts";
import { openidClientLibrary } from "./openid-client-library";

/** Who the provider says signed in, from claims it signed or served after the code exchange. */
export interface ProviderIdentity {
  subject: string;
  email: string;
  /** True only when the provider vouched for the address with `email_verified: true`. */
  emailVerified: boolean;
}

/** The provider's `sub` is the identity; the email may change at the provider, `sub` may not. */
const subjectClaimSchema = z.object({ sub: z.string().min(1).max(255) });

const emailClaimsSchema = z.object({
  email: emailSchema,
  // Some providers send the string "true"; only a JSON true is taken as the provider's word.
  email_verified: z
    .union([z.boolean(), z.string()])
    .optional()
    .transform((verified) => verified === true),
});

/** What the provider's redirect brought back to the frontend, passed on as it came. */
export interface AuthorizationResponse {
  code: string;
  state: string;
  /** RFC 9207: the issuer of the response; providers that announce it make it compulsory. */
  iss?: string | undefined;
}

/**
 * Exchanges the code at the provider's token endpoint with the attempt's PKCE verifier, checks
 * the ID token (issuer, audience, expiry, and the attempt's nonce), and reads the identity.
 * Claims the ID token lacks are asked from the userinfo endpoint, which answers only for the
 * same subject.
 */
export async function identityFromAuthorizationResponse(
  configuration: Configuration,
  attempt: LoginAttempt,
  response: AuthorizationResponse,
): Promise<ProviderIdentity> {
  const oidc = await openidClientLibrary();
  const callbackUrl = new URL(attempt.redirectUri);
  callbackUrl.searchParams.set("code", response.code);
  callbackUrl.searchParams.set("state", response.state);
  if (response.iss) callbackUrl.searchParams.set("iss", response.iss);

  const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
    pkceCodeVerifier: attempt.codeVerifier,
    expectedNonce: attempt.nonce,
    expectedState: response.state,
  });
  const idTokenClaims = tokens.claims();
  const { sub } = subjectClaimSchema.parse(idTokenClaims);
  const profile =
    idTokenClaims?.email === undefined
      ? await oidc.fetchUserInfo(configuration, tokens.access_token, sub)
      : idTokenClaims;
  const { email, email_verified } = emailClaimsSchema.parse(profile);
  return { subject: sub, email, emailVerified: email_verified };
}

/** openid-client's codes for answers that were not an answer: the provider is failing. */
const UNAVAILABLE_CODES = new Set([
  "OAUTH_RESPONSE_IS_NOT_CONFORM",
  "OAUTH_RESPONSE_IS_NOT_JSON",
  "OAUTH_TIMEOUT",
  "OAUTH_ABORT",
]);

/**
 * Whether a failure lies with the provider being down or unreachable, rather than with the
 * sign-in itself (a refused code, a token that does not check out).
 */
export async function isProviderUnavailable(error: unknown): Promise<boolean> {
  const oidc = await openidClientLibrary();
  if (error instanceof oidc.ResponseBodyError) return error.status >= 500;
  if (error instanceof oidc.ClientError) return UNAVAILABLE_CODES.has(error.code ?? "");
  // fetch reports a network failure (refused, reset, unknown host) as a TypeError.
  return error instanceof TypeError;
}

import { randomBytes } from "node:crypto";
import type { Configuration } from "openid-client";
import type { Actor } from "../shared/actor";
import type { Dependencies } from "../dependencies";
import { AppError, type Logger } from "@seed/platform";
import type { LoginResult } from "../shared/validators";
import { completeSignIn } from "../auth/auth-service";
import { announceRevokedSessions } from "../sessions/session-revocation";
import { recordSecurityEvent } from "../audit/security-events";
import { resolveAccount } from "./account-linking";
import { identityFromAuthorizationResponse, isProviderUnavailable, type AuthorizationResponse } from "./identity";
import { consumeLoginAttempt, saveLoginAttempt } from "./login-attempts";
import { openidClientLibrary } from "./openid-client-library";
import type { OidcProvider } from "./providers";

type OidcLoginDependencies = Pick<
  Dependencies,
  "db" | "accessTokens" | "events" | "sessionCache" | "refreshTokenTtlSeconds" | "oidcProviders"
> & { log: Logger };

const SCOPE = "openid email";

const UNKNOWN_PROVIDER = "Unknown identity provider";
const PROVIDER_UNAVAILABLE = "The identity provider could not be reached; try again later";
const ATTEMPT_NOT_FOUND = "This sign-in attempt is unknown, already used or expired; start again";
const NOT_CONFIRMED = "The identity provider did not confirm this sign-in; start again";
const EMAIL_NOT_VERIFIED =
  "The identity provider has not verified your email address; verify it there, or sign in another way";

/**
 * Begins a sign-in: a fresh state, nonce and PKCE verifier, remembered server-side, the
 * provider's authorization URL to send the browser to, and the browser binding that the browser
 * must keep (in a cookie) and bring back with the callback.
 */
export async function startOidcLogin(
  deps: Pick<OidcLoginDependencies, "db" | "log" | "oidcProviders">,
  providerName: string,
): Promise<{ authorizationUrl: string; browserBinding: string }> {
  const provider = configuredProvider(deps, providerName);
  const configuration = await discovered(deps, provider);
  const oidc = await openidClientLibrary();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const browserBinding = randomBytes(32).toString("base64url");
  await saveLoginAttempt(deps.db, state, browserBinding, {
    provider: provider.name,
    nonce,
    codeVerifier,
    redirectUri: provider.redirectUri,
  });
  const authorizationUrl = oidc.buildAuthorizationUrl(configuration, {
    redirect_uri: provider.redirectUri,
    scope: SCOPE,
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
  });
  return { authorizationUrl: authorizationUrl.href, browserBinding };
}

/**
 * Finishes a sign-in with what the provider's redirect brought back: the attempt of `state` is
 * used up, the code exchanged and the identity checked, then the user signed in to the account
 * the identity resolves to. Every refusal is recorded as a security event and leaves accounts
 * untouched.
 */
export async function completeOidcLogin(
  deps: OidcLoginDependencies,
  actor: Actor,
  response: AuthorizationResponse & { provider: string },
  browserBinding: string,
): Promise<LoginResult> {
  const provider = configuredProvider(deps, response.provider);
  const refuse = (reason: string, details: Record<string, unknown> = {}) =>
    recordSecurityEvent(deps, actor, "oidc_login_refused", { provider: provider.name, reason, ...details });

  const attempt = await consumeLoginAttempt(deps.db, response.state, browserBinding);
  if (!attempt || attempt.provider !== provider.name) {
    await refuse(attempt ? "provider_mismatch" : "unknown_state");
    throw new AppError("UNAUTHENTICATED", ATTEMPT_NOT_FOUND);
  }

  const configuration = await discovered(deps, provider);
  const identity = await identityFromAuthorizationResponse(configuration, attempt, response).catch(
    async (error: unknown) => {
      if (await isProviderUnavailable(error)) throw unavailable(deps, provider, error);
      await refuse("provider_response_rejected", describe(error));
      throw new AppError("UNAUTHENTICATED", NOT_CONFIRMED);
    },
  );

  const resolution = await resolveAccount(deps, actor, provider.issuer, identity);
  if (resolution.outcome === "email-not-verified") {
    await refuse("email_not_verified", { subject: identity.subject, email: identity.email });
    throw new AppError("FORBIDDEN", EMAIL_NOT_VERIFIED);
  }
  if (resolution.outcome !== "signed-in") await announceRevokedSessions(deps, resolution.revokedSessions);
  return completeSignIn(deps, resolution.user, actor);
}

function configuredProvider(deps: Pick<OidcLoginDependencies, "oidcProviders">, name: string): OidcProvider {
  const provider = deps.oidcProviders.find(name);
  if (!provider) throw new AppError("NOT_FOUND", UNKNOWN_PROVIDER);
  return provider;
}

async function discovered(deps: { log: Logger }, provider: OidcProvider): Promise<Configuration> {
  try {
    return await provider.configuration();
  } catch (error) {
    throw unavailable(deps, provider, error);
  }
}

/** The client hears that the provider is down; the log hears why. */
function unavailable(deps: { log: Logger }, provider: OidcProvider, error: unknown): AppError {
  deps.log.warn({ err: error, provider: provider.name, issuer: provider.issuer }, "identity provider unavailable");
  return new AppError("UPSTREAM_UNAVAILABLE", PROVIDER_UNAVAILABLE);
}

/** An error of openid-client or of claim validation, in words that hold no token or secret. */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: "unknown" };
  const { code, error: oauthError } = error as { code?: unknown; error?: unknown };
  return {
    error: typeof code === "string" ? code : error.name,
    message: error.message,
    ...(typeof oauthError === "string" ? { oauthError } : {}),
  };
}

import { ACCESS_COOKIE, REFRESH_COOKIE, type Context, type CookieOptions } from "../context";
import { AppError } from "@seed/platform";
import { OPAQUE_TOKEN_PATTERN, type SessionTokens } from "@seed/core";

// Scoped to the API path and never readable by scripts; SameSite=Strict keeps it off
// cross-site requests altogether.
const cookieOptions = (ctx: Context, maxAge: number): CookieOptions => ({
  httpOnly: true,
  secure: ctx.cookieSecure,
  sameSite: "strict",
  path: "/trpc",
  maxAge,
});

const secondsUntil = (date: Date) => Math.max(0, Math.floor((date.getTime() - Date.now()) / 1000));

function setRefreshCookie(ctx: Context, token: string, expiresAt: Date): void {
  ctx.cookies.set(REFRESH_COOKIE, token, cookieOptions(ctx, secondsUntil(expiresAt)));
}

/**
 * Browsers keep both tokens in HttpOnly cookies, out of reach of scripts; clients that are not
 * browsers use the tokens in the body and ignore the cookies.
 */
export function setSessionCookies(ctx: Context, tokens: SessionTokens): void {
  ctx.cookies.set(ACCESS_COOKIE, tokens.accessToken, cookieOptions(ctx, secondsUntil(tokens.accessTokenExpiresAt)));
  setRefreshCookie(ctx, tokens.refreshToken, tokens.refreshTokenExpiresAt);
}

export function clearSessionCookies(ctx: Context): void {
  ctx.cookies.clear(ACCESS_COOKIE, { path: "/trpc" });
  ctx.cookies.clear(REFRESH_COOKIE, { path: "/trpc" });
}

/** The refresh token from the body if given, else from the cookie; refused when absent or malformed. */
export function readRefreshToken(ctx: Context, fromBody: string | undefined): string {
  const token = fromBody ?? ctx.cookies.get(REFRESH_COOKIE);
  if (!token) throw new AppError("UNAUTHENTICATED", "Refresh token required");
  if (!OPAQUE_TOKEN_PATTERN.test(token)) throw new AppError("UNAUTHENTICATED", "Invalid or expired refresh token");
  return token;
}

export const OIDC_BINDING_COOKIE = "seed_oidc";

/**
 * Ties a started identity-provider sign-in to this browser. Lax, not Strict: the browser comes
 * back from the provider by a cross-site redirect, and the page it lands on finishes the sign-in.
 */
export function setOidcBindingCookie(ctx: Context, binding: string): void {
  ctx.cookies.set(OIDC_BINDING_COOKIE, binding, { ...cookieOptions(ctx, 600), sameSite: "lax" });
}

export function readOidcBindingCookie(ctx: Context): string {
  return ctx.cookies.get(OIDC_BINDING_COOKIE) ?? "";
}

import type { Context, CookieOptions } from "../context";
import { REFRESH_TOKEN_PATTERN } from "../services/refresh-tokens";
import { AppError } from "../errors";

export const REFRESH_COOKIE = "seed_refresh";

// Scoped to the API path and never readable by scripts; SameSite=Strict keeps it off
// cross-site requests altogether.
const cookieOptions = (ctx: Context, maxAge: number): CookieOptions => ({
  httpOnly: true,
  secure: ctx.cookieSecure,
  sameSite: "strict",
  path: "/trpc",
  maxAge,
});

export function setRefreshCookie(ctx: Context, token: string, expiresAt: Date): void {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  ctx.cookies.set(REFRESH_COOKIE, token, cookieOptions(ctx, maxAge));
}

export function clearRefreshCookie(ctx: Context): void {
  ctx.cookies.clear(REFRESH_COOKIE, { path: "/trpc" });
}

/** The refresh token from the body if given, else from the cookie; refused when absent or malformed. */
export function readRefreshToken(ctx: Context, fromBody: string | undefined): string {
  const token = fromBody ?? ctx.cookies.get(REFRESH_COOKIE);
  if (!token) throw new AppError("UNAUTHENTICATED", "Refresh token required");
  if (!REFRESH_TOKEN_PATTERN.test(token)) throw new AppError("UNAUTHENTICATED", "Invalid or expired refresh token");
  return token;
}

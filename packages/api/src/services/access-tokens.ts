import { createSecretKey, randomUUID } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import { AppError } from "../errors";

export interface AccessTokenOptions {
  secret: Uint8Array;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface AccessTokenClaims {
  userId: string;
  /** The refresh session the token was issued for; revoking the session revokes the token. */
  sessionId: string;
  tokenId: string;
  expiresAt: Date;
}

export interface IssuedAccessToken {
  token: string;
  expiresAt: Date;
}

export interface AccessTokenService {
  issue(userId: string, sessionId: string): Promise<IssuedAccessToken>;
  /** Resolves with the claims of a valid token; rejects with UNAUTHENTICATED otherwise. */
  verify(token: string): Promise<AccessTokenClaims>;
}

// Pinned: a token naming any other algorithm (`none`, RS256 with a public key, ...) is refused.
const ALGORITHM = "HS256";
const CLOCK_TOLERANCE_SECONDS = 5;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createAccessTokenService(options: AccessTokenOptions): AccessTokenService {
  const key = createSecretKey(options.secret);

  return {
    async issue(userId, sessionId) {
      const now = Math.floor(Date.now() / 1000);
      const expiresAt = now + options.ttlSeconds;
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(userId)
        .setJti(randomUUID())
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(expiresAt)
        .sign(key);
      return { token, expiresAt: new Date(expiresAt * 1000) };
    },

    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [ALGORITHM],
          issuer: options.issuer,
          audience: options.audience,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ["sub", "jti", "exp", "nbf", "iat"],
        });
        // Signed by us, so well-formed; checked anyway so that no claim reaches SQL unvalidated.
        if (!UUID.test(String(payload.sub)) || !UUID.test(String(payload.sid))) {
          throw new AppError("UNAUTHENTICATED", "Invalid access token");
        }
        return {
          userId: payload.sub as string,
          sessionId: payload.sid as string,
          tokenId: payload.jti as string,
          expiresAt: new Date((payload.exp as number) * 1000),
        };
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw new AppError("UNAUTHENTICATED", "Access token expired");
        if (error instanceof errors.JOSEError) throw new AppError("UNAUTHENTICATED", "Invalid access token");
        throw error;
      }
    },
  };
}

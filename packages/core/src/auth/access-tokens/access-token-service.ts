import { randomUUID, type KeyObject } from "node:crypto";
import { errors, jwtVerify, SignJWT, type JWK, type JWTHeaderParameters } from "jose";
import { AppError, growingLruCache } from "@seed/platform";

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
  /** The public keys that verify tokens, for other services; empty for a shared secret. */
  jwks(): Promise<{ keys: JWK[] }>;
}

interface VerifiedToken {
  claims: AccessTokenClaims;
  /** The key that checked the signature, and the header that named it. */
  key: KeyObject;
  header: JWTHeaderParameters;
  notBefore: number;
}

export interface TokenRules {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/** Where the keys come from: one shared secret, or a rotating set of key pairs. */
export interface KeySource {
  /** Pinned: a token naming any other algorithm (`none`, HS256 keyed with a public key, ...) is refused. */
  algorithm: "HS256" | "EdDSA";
  signingKey(): Promise<{ kid: string | undefined; key: KeyObject }>;
  /** The key that verifies a token with this header; throws a JOSE error when there is none. */
  verificationKey(header: JWTHeaderParameters): Promise<KeyObject>;
  jwks(): Promise<{ keys: JWK[] }>;
}

export const CLOCK_TOLERANCE_SECONDS = 5;
/** Tokens verified recently, kept so that a client's every request does not pay for a signature check. */
const VERIFIED_TOKENS_KEPT = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Access tokens: short-lived JWTs with every claim a verifier needs, whatever signs them. */
export function createAccessTokenService(rules: TokenRules, keys: KeySource): AccessTokenService {
  const verified = growingLruCache<string, VerifiedToken>(VERIFIED_TOKENS_KEPT);

  /**
   * A token verified before is served again only inside its validity window (strictly: no clock
   * tolerance past `exp`) and only while the key that verified it is still the one its header
   * names: a retired or replaced key sends the token through a full verification again.
   * Revocation is not this cache's business: every request still checks that the session is live.
   */
  async function stillVerifies(entry: VerifiedToken): Promise<boolean> {
    const now = Date.now();
    if (now >= entry.claims.expiresAt.getTime() || now < entry.notBefore - CLOCK_TOLERANCE_SECONDS * 1000) return false;
    try {
      return (await keys.verificationKey(entry.header)) === entry.key;
    } catch {
      return false;
    }
  }

  return {
    async issue(userId, sessionId) {
      const now = Math.floor(Date.now() / 1000);
      const expiresAt = now + rules.ttlSeconds;
      const { kid, key } = await keys.signingKey();
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: keys.algorithm, typ: "JWT", ...(kid ? { kid } : {}) })
        .setIssuer(rules.issuer)
        .setAudience(rules.audience)
        .setSubject(userId)
        .setJti(randomUUID())
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(expiresAt)
        .sign(key);
      return { token, expiresAt: new Date(expiresAt * 1000) };
    },

    async verify(token) {
      const known = verified.get(token);
      if (known && (await stillVerifies(known))) return known.claims;
      verified.delete(token);
      try {
        let key: KeyObject | undefined;
        const { payload, protectedHeader } = await jwtVerify(
          token,
          async (header) => (key = await keys.verificationKey(header)),
          {
            algorithms: [keys.algorithm],
            issuer: rules.issuer,
            audience: rules.audience,
            clockTolerance: CLOCK_TOLERANCE_SECONDS,
            requiredClaims: ["sub", "jti", "exp", "nbf", "iat"],
          },
        );
        // Signed by us, so well-formed; checked anyway so that no claim reaches SQL unvalidated.
        if (!UUID.test(String(payload.sub)) || !UUID.test(String(payload.sid))) {
          throw new AppError("UNAUTHENTICATED", "Invalid access token");
        }
        const claims = {
          userId: payload.sub as string,
          sessionId: payload.sid as string,
          tokenId: payload.jti as string,
          expiresAt: new Date((payload.exp as number) * 1000),
        };
        verified.set(token, { claims, key: key!, header: protectedHeader, notBefore: (payload.nbf as number) * 1000 });
        return claims;
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw new AppError("UNAUTHENTICATED", "Access token expired");
        if (error instanceof errors.JOSEError) throw new AppError("UNAUTHENTICATED", "Invalid access token");
        throw error;
      }
    },

    jwks: () => keys.jwks(),
  };
}

import type { AccessTokenService } from "@seed/core";
import type { FastifyInstance } from "fastify";

export const JWKS_PATH = "/.well-known/jwks.json";

/** The public keys that verify access tokens, so that other services need no shared secret. */
export async function jwksRoute(app: FastifyInstance, accessTokens: AccessTokenService): Promise<void> {
  app.get(JWKS_PATH, async (_req, reply) => {
    // Short enough that a rotated-in key is fetched long before its first token expires.
    reply.header("cache-control", "public, max-age=300");
    return accessTokens.jwks();
  });
}

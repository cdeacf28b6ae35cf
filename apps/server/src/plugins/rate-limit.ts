import rateLimit from "@fastify/rate-limit";
import type { Config } from "@seed/config";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";

// Procedures that check a password or mint tokens get a much smaller budget per address.
const CREDENTIAL_PROCEDURES = new Set(["auth.login", "auth.register", "auth.refresh"]);

function callsCredentialProcedure(req: FastifyRequest): boolean {
  const path = req.url.split("?")[0] ?? "";
  if (!path.startsWith("/trpc/")) return false;
  let procedures: string;
  try {
    procedures = decodeURIComponent(path.slice("/trpc/".length));
  } catch {
    return false;
  }
  return procedures.split(",").some((procedure) => CREDENTIAL_PROCEDURES.has(procedure));
}

/**
 * Limits per client address, counted in Redis when configured so that every instance shares
 * one budget, and in process otherwise.
 */
export async function rateLimits(app: FastifyInstance, config: Config, redis: Redis | null): Promise<void> {
  await app.register(rateLimit, {
    ...(redis ? { redis, nameSpace: `${config.redis.keyPrefix}rate-limit:` } : {}),
    timeWindow: config.rateLimit.windowMs,
    keyGenerator: (req) => (callsCredentialProcedure(req) ? `${req.ip}:credentials` : req.ip),
    max: (req) => (callsCredentialProcedure(req) ? config.rateLimit.authMax : config.rateLimit.max),
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      code: "TOO_MANY_REQUESTS",
      message: `Too many requests, retry in ${context.after}`,
    }),
  });
}

import rateLimit from "@fastify/rate-limit";
import type { Config } from "@seed/config";
import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { callsCredentialProcedure } from "./credential-procedures";
import { redisStoreWithLocalFallback } from "./rate-limit-store";

/**
 * Limits per client address, counted in Redis when configured so that every instance shares
 * one budget, and in process otherwise or while Redis cannot be reached. Credential procedures
 * have a budget of their own.
 */
export async function rateLimits(app: FastifyInstance, config: Config, redis: Redis | null): Promise<void> {
  await app.register(rateLimit, {
    ...(redis ? { store: redisStoreWithLocalFallback(redis, `${config.redis.keyPrefix}rate-limit`) } : {}),
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

import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Registry } from "prom-client";

export const METRICS_PATH = "/metrics";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Prometheus's scrape endpoint, served only when a token is configured and only to requests
 * bearing it. Both sides are hashed first, so the comparison takes the same time whatever the
 * length or content of a guess.
 */
export async function metricsRoute(app: FastifyInstance, registry: Registry, token: string | null): Promise<void> {
  if (!token) return;
  const expected = digest(`Bearer ${token}`);
  const authorized = (req: FastifyRequest) => timingSafeEqual(digest(req.headers.authorization ?? ""), expected);

  app.get(METRICS_PATH, { config: { rateLimit: false } }, async (req, reply) => {
    if (!authorized(req)) {
      return reply.status(401).header("www-authenticate", 'Bearer realm="metrics"').send({ error: "unauthorized" });
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

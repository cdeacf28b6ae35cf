import type { Server } from "@seed/server";
import superjson from "superjson";

/**
 * Batches of health.check calls in one request. 7 is the longest that fits Fastify's default
 * `maxParamLength` of 100 characters for the comma-separated paths; 10 is what a client's
 * batching link readily sends.
 */
export const HEALTH_CHECK_BATCH_SIZES = [7, 10] as const;

export const healthCheckPath = "/trpc/health.check";

// What `health.check` answers, in tRPC's envelope as superjson serializes it. The runner compares
// these bodies byte for byte with tRPC's own before measuring, so a drift cannot go unnoticed.
const healthCheckResult = { result: { data: superjson.serialize({ status: "ok" }) } };

export const healthCheckBody = JSON.stringify(healthCheckResult);

export function healthCheckBatch(size: number): { path: string; query: string; body: string } {
  return {
    path: `/trpc/${Array(size).fill("health.check").join(",")}`,
    // A batch without inputs: tRPC reads a missing index of `input` as no input.
    query: `?batch=1&input=${encodeURIComponent("{}")}`,
    body: JSON.stringify(Array(size).fill(healthCheckResult)),
  };
}

/**
 * The limit for health.check and its batches: plain Fastify routes answering their exact bytes.
 * Fastify's static routes win over the tRPC adapter's `/trpc/:path`, so these answer the very
 * URLs of the scenarios, behind the same hooks (request id, security headers, CORS, rate limit in
 * Redis): what is left between this and the others is tRPC alone.
 */
export function answerHealthCheckWithoutLayers(server: Server): void {
  const routes = [{ path: healthCheckPath, body: healthCheckBody }, ...HEALTH_CHECK_BATCH_SIZES.map(healthCheckBatch)];
  for (const { path, body } of routes) {
    // A Buffer, because Fastify appends a charset to JSON sent as a string, and tRPC sends none.
    const payload = Buffer.from(body);
    server.app.get(path, (_req, reply) =>
      reply.header("content-type", "application/json").header("vary", "trpc-accept, accept").send(payload),
    );
  }
}

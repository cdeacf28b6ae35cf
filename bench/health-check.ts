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

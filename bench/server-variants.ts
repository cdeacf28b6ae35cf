import type { Config } from "@seed/config";
import { createServer, type Server } from "@seed/server";
import { fastifyRequestHandler } from "@trpc/server/adapters/fastify";
import { fastPathRequestHandler } from "../apps/server/src/plugins/trpc-fast-path";
import { HEALTH_CHECK_BATCH_SIZES, healthCheckBatch, healthCheckBody, healthCheckPath } from "./health-check";
import { answerProductListWithoutTRPC } from "./product-list";
import { withTRPCRequestHandler } from "./trpc-route-handler";

/**
 * Fastify's static routes win over the tRPC adapter's `/trpc/:path`, so these answer the very
 * URLs of the health.check scenarios, behind the same hooks (request id, security headers, CORS,
 * rate limit in Redis): what is left between this variant and the others is tRPC alone.
 */
function answerHealthCheckWithoutTRPC(server: Server): Server {
  const routes = [{ path: healthCheckPath, body: healthCheckBody }, ...HEALTH_CHECK_BATCH_SIZES.map(healthCheckBatch)];
  for (const { path, body } of routes) {
    // A Buffer, because Fastify appends a charset to JSON sent as a string, and tRPC sends none.
    const payload = Buffer.from(body);
    server.app.get(path, (_req, reply) =>
      reply.header("content-type", "application/json").header("vary", "trpc-accept, accept").send(payload),
    );
  }
  return server;
}

/**
 * The servers a scenario can be measured on, each in a process of its own. All are the server
 * `apps/server` builds, with every plugin; they differ only in what answers tRPC over HTTP.
 */
export const serverVariants = {
  /** tRPC through the official Fastify adapter (`fastifyRequestHandler`). */
  "trpc-official": (config: Config) => withTRPCRequestHandler(fastifyRequestHandler, () => createServer(config)),
  /** tRPC through apps/server's fast path. */
  "trpc-fast-path": (config: Config) => withTRPCRequestHandler(fastPathRequestHandler, () => createServer(config)),
  /** Raw Fastify routes answering health.check and the product list byte for byte as tRPC does: the ceiling. */
  "fastify-raw": async (config: Config) => {
    const server = answerHealthCheckWithoutTRPC(await createServer(config));
    answerProductListWithoutTRPC(server);
    return server;
  },
} satisfies Record<string, (config: Config) => Promise<Server>>;

export type ServerVariant = keyof typeof serverVariants;

export function isServerVariant(name: string | undefined): name is ServerVariant {
  return name !== undefined && Object.hasOwn(serverVariants, name);
}

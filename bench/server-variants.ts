import type { Config } from "@seed/config";
import { createServer, type Server } from "@seed/server";
import { fastifyRequestHandler } from "@trpc/server/adapters/fastify";
import { fastPathRequestHandler } from "../apps/server/src/plugins/trpc-fast-path";
import postgres from "postgres";
import { answerHealthCheckWithoutLayers } from "./without-layers/health-check";
import { answerPlaceOrderWithoutLayers } from "./without-layers/place-order";
import { answerProductListWithoutLayers } from "./without-layers/product-list";
import { answerProtectedQueryWithoutLayers } from "./without-layers/protected-query";
import { withTRPCRequestHandler } from "./trpc-route-handler";

/**
 * The servers a scenario can be measured on, each in a process of its own. All are the server
 * `apps/server` builds, with every plugin; they differ only in what answers tRPC over HTTP.
 */
export const serverVariants = {
  /** tRPC through the official Fastify adapter (`fastifyRequestHandler`). */
  "trpc-official": (config: Config) => withTRPCRequestHandler(fastifyRequestHandler, () => createServer(config)),
  /** tRPC through apps/server's fast path. */
  "trpc-fast-path": (config: Config) => withTRPCRequestHandler(fastPathRequestHandler, () => createServer(config)),
  /**
   * The same work without our layers, answering byte for byte as tRPC does: the limit each
   * scenario is measured against (bench/without-layers/). Its own postgres.js pool, as large as
   * the server's, runs the same SQL.
   */
  "plain-fastify": async (config: Config) => {
    const server = await createServer(config);
    const sql = postgres(config.database.url!, { max: server.resources.database.poolSize, onnotice: () => {} });
    server.app.addHook("onClose", () => sql.end({ timeout: 5 }));
    answerHealthCheckWithoutLayers(server);
    answerProductListWithoutLayers(server, sql);
    answerProtectedQueryWithoutLayers(server, config, sql);
    answerPlaceOrderWithoutLayers(server, config, sql);
    return server;
  },
} satisfies Record<string, (config: Config) => Promise<Server>>;

export type ServerVariant = keyof typeof serverVariants;

export function isServerVariant(name: string | undefined): name is ServerVariant {
  return name !== undefined && Object.hasOwn(serverVariants, name);
}

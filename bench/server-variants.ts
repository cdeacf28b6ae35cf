import type { Config } from "@seed/config";
import { createServer, type Server } from "@seed/server";
import { fastifyRequestHandler } from "@trpc/server/adapters/fastify";
import { fastPathRequestHandler } from "../apps/server/src/plugins/trpc-fast-path";
import { productChangesChannel } from "@seed/core";
import { Redis } from "ioredis";
import postgres from "postgres";
import { fanOutWithoutLayers } from "./without-layers/fan-out";
import { answerHealthCheckWithoutLayers } from "./without-layers/health-check";
import { answerPlaceOrderWithoutLayers } from "./without-layers/place-order";
import { answerProductListWithoutLayers } from "./without-layers/product-list";
import { answerProtectedQueryWithoutLayers } from "./without-layers/protected-query";
import { withTRPCRequestHandler } from "./trpc-route-handler";

/**
 * The servers a scenario can be measured on, each in a process of its own. All are the server
 * `apps/server` builds, with every plugin; they differ only in what answers tRPC over HTTP, and
 * the limit also in what answers its WebSocket (`pnpm bench:fan-out`).
 */
export const serverVariants = {
  /** tRPC through the official Fastify adapter (`fastifyRequestHandler`). */
  "trpc-official": (config: Config) => withTRPCRequestHandler(fastifyRequestHandler, () => createServer(config)),
  /** tRPC through apps/server's fast path. */
  "trpc-fast-path": (config: Config) => withTRPCRequestHandler(fastPathRequestHandler, () => createServer(config)),
  /**
   * The same work without our layers, answering byte for byte as tRPC does: the limit each
   * scenario is measured against (bench/without-layers/). Its own postgres.js pool, as large as
   * the server's, runs the same SQL; a Redis connection of its own hears the event bus.
   */
  "plain-fastify": async (config: Config) => {
    // A connection of its own: one in subscriber mode takes no other command.
    const events = new Redis(config.redis.url!);
    await events.subscribe(`${config.redis.keyPrefix}events:${productChangesChannel}`);
    const server = await createServer(config, { webSocketHandler: fanOutWithoutLayers(events) });
    const sql = postgres(config.database.url!, { max: server.resources.database.poolSize, onnotice: () => {} });
    server.app.addHook("onClose", async () => {
      await sql.end({ timeout: 5 });
      await events.quit();
    });
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

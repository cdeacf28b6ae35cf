import { channel } from "node:diagnostics_channel";
import type { AnyTRPCRouter } from "@trpc/server";
import type { FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import type { FastifyInstance } from "fastify";
import type { FastPathHandlerOptions } from "../apps/server/src/plugins/trpc-fast-path";
import { TRPC_PREFIX } from "../apps/server/src/plugins/error-responses";

/** How one tRPC HTTP request is answered: the official `fastifyRequestHandler`, or the fast path's. */
export type TRPCRequestHandler = (opts: FastPathHandlerOptions<AnyTRPCRouter>) => Promise<void>;

type TRPCOptions = FastifyTRPCPluginOptions<AnyTRPCRouter>["trpcOptions"];

/**
 * Runs `start`, in which a server is created, with its tRPC HTTP route answered by `handler`,
 * whichever adapter apps/server registers: the server is otherwise the real one (every plugin,
 * the error handler, the context). Fastify's own instrumentation does it: its
 * `fastify.initialization` channel hands over the instance as it is created, `onRegister` the
 * adapter plugin's options, and `onRoute` the route, whose handler it may replace.
 */
export async function withTRPCRequestHandler<T>(handler: TRPCRequestHandler, start: () => Promise<T>): Promise<T> {
  const initialization = channel("fastify.initialization");
  const instrument = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    let trpcOptions: TRPCOptions | undefined;
    fastify.addHook("onRegister", (_plugin, options) => {
      if ("trpcOptions" in options) trpcOptions = options.trpcOptions as TRPCOptions;
    });
    fastify.addHook("onRoute", (route) => {
      const options = trpcOptions;
      if (route.url !== `${TRPC_PREFIX}/:path` || !options) return;
      // The options spread last, as the plugins' own handlers do: on Node 20, properties written
      // after a spread cost microseconds each (bench/README.md).
      route.handler = async (req, res) => {
        await handler({ req, res, path: (req.params as { path: string }).path, ...options });
      };
    });
  };
  initialization.subscribe(instrument);
  try {
    return await start();
  } finally {
    initialization.unsubscribe(instrument);
  }
}

import type { IncomingMessage } from "node:http";
import {
  appRouter,
  createContext,
  noCookies,
  toTRPCError,
  type ApiDependencies,
  type AppRouter,
  type Context,
  type TransportInfo,
} from "@seed/api";
import type { Config } from "@seed/config";
import { TRPCError } from "@trpc/server";
import type { FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { httpCookies, transportOf } from "./http-transport";
import { limitBodyNesting, limitQueryInputNesting } from "./json-nesting";
import { LiveConnectionLimits, type AddressCounters } from "./live-connections";
import { logInternalErrors } from "./procedure-errors";
import { guardHook } from "./request-guard";
import { identifiedBy } from "./request-log";
import { TRPC_PREFIX } from "./error-responses";
import { fastifyTRPCFastPathPlugin } from "./trpc-fast-path";
import { getWSFastPathConnectionHandler, type WSConnectionHandlerFactory } from "./trpc-ws-fast-path";
import {
  refuseBatchedCredentials,
  refuseCrossSiteCookieMutations,
  refuseForeignSocketOrigins,
  refuseOversizedBatches,
  refuseSubscriptionsOverHttp,
  refuseTokensInUrl,
  requireJsonBody,
} from "./trpc-request-guards";

/**
 * Making a context checks the caller's session and permissions; when the database or Redis
 * cannot answer, the call is refused as unavailable rather than failing as a bug.
 */
async function contextOrRefusal(deps: ApiDependencies, transport: TransportInfo): Promise<Context> {
  try {
    return await createContext(deps, transport);
  } catch (error) {
    throw toTRPCError(error);
  }
}

/**
 * Serves the router over HTTP (POST and GET on /trpc/<procedure>) and over a WebSocket on
 * /trpc itself. Both transports build their context through the api's one `createContext`.
 */
export async function trpcRoutes(
  app: FastifyInstance,
  {
    config,
    deps,
    addressCounters,
    webSocketHandler = getWSFastPathConnectionHandler,
  }: {
    config: Config;
    deps: ApiDependencies;
    addressCounters: AddressCounters;
    webSocketHandler?: WSConnectionHandlerFactory | undefined;
  },
): Promise<void> {
  const liveLimits = new LiveConnectionLimits(config.live, addressCounters);
  app.addHook("onRequest", guardHook(refuseTokensInUrl));
  app.addHook("onRequest", guardHook(limitQueryInputNesting));
  app.addHook("preParsing", limitBodyNesting);
  app.addHook("preValidation", guardHook(requireJsonBody));
  app.addHook("preValidation", guardHook(refuseOversizedBatches(config.http.maxBatchSize)));
  app.addHook("preValidation", guardHook(refuseBatchedCredentials));
  app.addHook("preValidation", guardHook(refuseSubscriptionsOverHttp(appRouter)));
  app.addHook("preValidation", guardHook(refuseCrossSiteCookieMutations(config)));

  const onError = logInternalErrors(app.log);

  await app.register(fastifyTRPCFastPathPlugin, {
    prefix: TRPC_PREFIX,
    trpcOptions: {
      router: appRouter,
      maxBatchSize: config.http.maxBatchSize,
      maxBodySize: config.http.bodyLimitBytes,
      onError,
      createContext: async ({ req, res }): Promise<Context> =>
        identifiedBy(
          req,
          await contextOrRefusal(
            deps,
            transportOf(req, "http", httpCookies(req, res), (userId) => liveLimits.forStream(res.raw, userId, req.ip)),
          ),
        ),
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  // The socket's own request is kept so that its context gets Fastify's ip, id and logger.
  const upgradeRequests = new WeakMap<IncomingMessage, FastifyRequest>();
  const onConnection = webSocketHandler<AppRouter>({
    wss: app.websocketServer,
    router: appRouter,
    maxBatchSize: config.http.maxBatchSize,
    keepAlive: { enabled: true, pingMs: config.live.pingIntervalMs, pongWaitMs: config.live.pongWaitMs },
    onError,
    createContext: async ({ req, res, info }) => {
      const request = upgradeRequests.get(req);
      if (!request) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "unknown socket" });
      // A socket ignores cookies: the browser attaches them to the upgrade of any same-site page,
      // so honouring them would let such a page act with the user's refresh cookie.
      const ctx = await contextOrRefusal(deps, {
        ...transportOf(request, "websocket", noCookies, (userId) => liveLimits.forSocket(res, userId, request.ip)),
        connectionParams: info.connectionParams,
      });
      if (ctx.accessExpiresAt) liveLimits.closeWhenTokenExpires(res, ctx.accessExpiresAt);
      return ctx;
    },
  });
  const socketGuards = [refuseForeignSocketOrigins(config), liveLimits.admitSocket];
  app.get(TRPC_PREFIX, { websocket: true, preValidation: socketGuards }, (socket, req) => {
    upgradeRequests.set(req.raw, req);
    liveLimits.track(socket);
    onConnection(socket, req.raw);
  });
}

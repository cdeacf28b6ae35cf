import type { IncomingMessage } from "node:http";
import {
  appRouter,
  createContext,
  type ApiDependencies,
  type AppRouter,
  type CookieJar,
  type Context,
} from "@seed/api";
import type { Config } from "@seed/config";
import { TRPCError } from "@trpc/server";
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import { getWSConnectionHandler } from "@trpc/server/adapters/ws";
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import superjson from "superjson";

export const TRPC_PREFIX = "/trpc";

const KEEP_ALIVE = { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 };

function httpCookies(req: FastifyRequest, reply: FastifyReply): CookieJar {
  return {
    get: (name) => req.cookies[name],
    set: (name, value, options) => void reply.setCookie(name, value, options),
    clear: (name, options) => void reply.clearCookie(name, options),
  };
}

// A socket has no response to carry Set-Cookie: tokens travel in message bodies there.
function socketCookies(req: FastifyRequest): CookieJar {
  return { get: (name) => req.cookies[name], set: () => {}, clear: () => {} };
}

function transportOf(req: FastifyRequest, cookies: CookieJar) {
  return { headers: req.headers, cookies, ip: req.ip, requestId: req.id, log: req.log };
}

/**
 * Serves the router over HTTP (POST and GET on /trpc/<procedure>) and over a WebSocket on
 * /trpc itself. Both transports build their context through the api's one `createContext`.
 */
export async function trpcRoutes(
  app: FastifyInstance,
  { config, deps }: { config: Config; deps: ApiDependencies },
): Promise<void> {
  app.setErrorHandler(trpcShapedError);

  // Internal errors reach the client as one generic sentence; the log gets the whole story.
  const onError = ({
    error,
    path,
    ctx,
  }: {
    error: TRPCError;
    path?: string | undefined;
    ctx?: Context | undefined;
  }) => {
    if (error.code === "INTERNAL_SERVER_ERROR") {
      (ctx?.log ?? app.log).error({ err: error.cause ?? error, path }, "procedure failed");
    }
  };

  await app.register(fastifyTRPCPlugin, {
    prefix: TRPC_PREFIX,
    trpcOptions: {
      router: appRouter,
      maxBatchSize: config.http.maxBatchSize,
      onError,
      createContext: ({ req, res }): Promise<Context> => createContext(deps, transportOf(req, httpCookies(req, res))),
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  // The socket's own request is kept so that its context gets Fastify's ip, id and logger.
  const upgradeRequests = new WeakMap<IncomingMessage, FastifyRequest>();
  const onConnection = getWSConnectionHandler<AppRouter>({
    wss: app.websocketServer,
    router: appRouter,
    keepAlive: KEEP_ALIVE,
    onError,
    createContext: ({ req, info }) => {
      const request = upgradeRequests.get(req);
      if (!request) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "unknown socket" });
      return createContext(deps, {
        ...transportOf(request, socketCookies(request)),
        connectionParams: info.connectionParams,
      });
    },
  });
  app.get(TRPC_PREFIX, { websocket: true }, (socket, req) => {
    upgradeRequests.set(req.raw, req);
    onConnection(socket, req.raw);
  });
}

const TRPC_CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: "BAD_REQUEST",
  404: "NOT_FOUND",
  405: "METHOD_NOT_SUPPORTED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
};

/**
 * Errors raised by Fastify before tRPC sees the request (body too large, rate limited, ...) are
 * answered in tRPC's own error shape, so the typed client reports them like any other error.
 */
function trpcShapedError(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode ?? 500;
  const code = TRPC_CODE_BY_STATUS[status] ?? "INTERNAL_SERVER_ERROR";
  const internal = code === "INTERNAL_SERVER_ERROR";
  if (internal) req.log.error({ err: error }, "request failed");
  const shape = {
    code: TRPC_ERROR_CODES_BY_KEY[code],
    message: internal ? "Internal server error" : error.message,
    data: { code, httpStatus: internal ? 500 : status, path: null, requestId: req.id },
  };
  return reply.status(shape.data.httpStatus).send({ error: superjson.serialize(shape) });
}

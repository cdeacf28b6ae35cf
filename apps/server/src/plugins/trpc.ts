import type { IncomingMessage } from "node:http";
import {
  appRouter,
  createContext,
  type ApiDependencies,
  type AppRouter,
  type CookieJar,
  type Context,
  type Transport,
} from "@seed/api";
import type { Config } from "@seed/config";
import { TRPCError } from "@trpc/server";
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import { getWSConnectionHandler } from "@trpc/server/adapters/ws";
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import superjson from "superjson";
import { callsCredentialProcedure, proceduresOf } from "./credential-procedures";

export const TRPC_PREFIX = "/trpc";

const KEEP_ALIVE = { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 };

function httpCookies(req: FastifyRequest, reply: FastifyReply): CookieJar {
  return {
    get: (name) => req.cookies[name],
    set: (name, value, options) => void reply.setCookie(name, value, options),
    clear: (name, options) => void reply.clearCookie(name, options),
  };
}

/**
 * A socket ignores cookies: the browser attaches them to the upgrade of any same-site page, so
 * honouring them would let such a page act with the user's refresh cookie.
 */
const noCookies: CookieJar = { get: () => undefined, set: () => {}, clear: () => {} };

function transportOf(req: FastifyRequest, transport: Transport, cookies: CookieJar) {
  return { transport, headers: req.headers, cookies, ip: req.ip, requestId: req.id, log: req.log };
}

/** Bodies of tRPC calls are JSON; anything else (multipart, forms) is refused before it is read. */
async function requireJsonBody(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.method !== "POST") return;
  const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    await trpcShapedError(
      Object.assign(new Error("Send tRPC calls as application/json"), { statusCode: 415 }) as FastifyError,
      req,
      reply,
    );
  }
}

/** Credential procedures are never batched, so that each password check counts against the limit. */
async function refuseBatchedCredentials(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (proceduresOf(req).length > 1 && callsCredentialProcedure(req)) {
    await trpcShapedError(
      Object.assign(new Error("Sign-in, sign-up and refresh cannot be batched with other calls"), {
        statusCode: 400,
      }) as FastifyError,
      req,
      reply,
    );
  }
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
  app.addHook("preValidation", requireJsonBody);
  app.addHook("preValidation", refuseBatchedCredentials);

  // Internal errors reach the client as one generic sentence; the log gets the story, minus
  // the bound parameters of a failed query, which may hold password hashes or personal data.
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
      (ctx?.log ?? app.log).error({ err: withoutQueryParameters(error.cause ?? error), path }, "procedure failed");
    }
  };

  await app.register(fastifyTRPCPlugin, {
    prefix: TRPC_PREFIX,
    trpcOptions: {
      router: appRouter,
      maxBatchSize: config.http.maxBatchSize,
      maxBodySize: config.http.bodyLimitBytes,
      onError,
      createContext: ({ req, res }): Promise<Context> =>
        createContext(deps, transportOf(req, "http", httpCookies(req, res))),
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  // The socket's own request is kept so that its context gets Fastify's ip, id and logger.
  const upgradeRequests = new WeakMap<IncomingMessage, FastifyRequest>();
  const onConnection = getWSConnectionHandler<AppRouter>({
    wss: app.websocketServer,
    router: appRouter,
    maxBatchSize: config.http.maxBatchSize,
    keepAlive: KEEP_ALIVE,
    onError,
    createContext: ({ req, info }) => {
      const request = upgradeRequests.get(req);
      if (!request) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "unknown socket" });
      return createContext(deps, {
        ...transportOf(request, "websocket", noCookies),
        connectionParams: info.connectionParams,
      });
    },
  });
  app.get(TRPC_PREFIX, { websocket: true, preValidation: allowedOrigins(config) }, (socket, req) => {
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

/**
 * Browsers send an Origin with every socket and no CORS applies to sockets, so the allow-list
 * is enforced here: a page of another origin cannot open a socket in the user's name.
 * Clients that are not browsers send no Origin and are let through.
 */
function allowedOrigins(config: Config) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    if (!origin) return;
    const sameOrigin = origin === `${req.protocol}://${req.host}`;
    if (!sameOrigin && !config.http.corsOrigins.includes(origin)) {
      req.log.warn({ securityEvent: "access_denied", reason: "websocket_origin", origin }, "socket refused");
      await reply.status(403).send({ error: "Origin not allowed" });
    }
  };
}

function withoutQueryParameters(error: unknown): unknown {
  if (error instanceof Error && error.name === "DrizzleQueryError") {
    return { type: error.name, query: (error as Error & { query?: string }).query, cause: error.cause };
  }
  return error;
}

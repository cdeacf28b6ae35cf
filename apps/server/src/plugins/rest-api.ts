import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import {
  createContext,
  createOpenApiDocument,
  REST_PREFIX,
  restResponseMeta,
  restRouter,
  type ApiDependencies,
} from "@seed/api";
import type { Config } from "@seed/config";
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { fastifyTRPCOpenApiPlugin } from "trpc-to-openapi";
import { httpCookies, transportOf } from "./http-transport";
import { limitBodyNesting } from "./json-nesting";
import { logInternalErrors } from "./procedure-errors";
import { guardHook } from "./request-guard";
import { refuseContradictedPathParameters } from "./rest-path-parameters";
import { identifiedBy } from "./request-log";
import { refuseCrossSiteCookieMutations, refuseTokensInUrl, requireJsonBody } from "./trpc-request-guards";
import { refuseUnresolvedRestCalls } from "./unserved-methods";

export const OPENAPI_PATH = "/openapi.json";
export const DOCS_PATH = "/docs";

/**
 * The REST face of the procedures that name a route, for clients that do not speak tRPC: the
 * same procedures, access rules and schemas, behind the same guards as /trpc, answering with the
 * status each route declares (201 with a Location, 202, 204). Servers in the document are
 * relative, so it is true behind any host name or proxy.
 */
export async function restApi(
  app: FastifyInstance,
  { config, deps }: { config: Config; deps: ApiDependencies },
): Promise<void> {
  // Made on its first request rather than at start-up: generating it from every schema left
  // about 3 MiB with each server, read or not. @fastify/swagger takes the object now, so it is
  // filled in place before anything reads it.
  const document = {};
  let documentMade = false;
  const madeDocument = () => {
    if (!documentMade) Object.assign(document, createOpenApiDocument(""));
    documentMade = true;
    return document;
  };

  await app.register(async (rest) => {
    rest.addHook("onRoute", resolvingOnceAnswered);
    rest.addHook("onRequest", guardHook(refuseTokensInUrl));
    rest.addHook("onRequest", refuseUnresolvedRestCalls);
    // Query strings are flat here (no `a[b]=` nesting), so only bodies can nest.
    rest.addHook("preParsing", limitBodyNesting);
    rest.addHook("preValidation", guardHook(requireJsonBody));
    rest.addHook("preValidation", guardHook(refuseCrossSiteCookieMutations(config)));
    rest.addHook("preValidation", guardHook(refuseContradictedPathParameters));
    // The adapter writes its JSON even where there is nothing to answer.
    rest.addHook("onSend", async (_req, reply, payload) => {
      if (reply.statusCode !== 204) return payload;
      reply.removeHeader("content-type");
      return null;
    });
    await rest.register(fastifyTRPCOpenApiPlugin, {
      basePath: REST_PREFIX,
      // Never the api's own router: the adapter writes into the schemas it is given (see restRouter).
      router: restRouter,
      onError: logInternalErrors(app.log),
      responseMeta: restResponseMeta,
      // The plugin hands over Fastify's own request and reply, so cookies and ip are Fastify's.
      createContext: async ({ req, res }: { req: FastifyRequest; res: FastifyReply }) =>
        identifiedBy(req, await createContext(deps, transportOf(req, "http", httpCookies(req, res)))),
    });
  });

  app.get(OPENAPI_PATH, madeDocument);

  // Swagger UI from its own package files (no CDN); it reads the same document.
  await app.register(swagger, { mode: "static", specification: { document: document as never } });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PATH,
    uiConfig: { url: OPENAPI_PATH } as never,
    uiHooks: { onRequest: async () => void madeDocument() },
  });
}

/**
 * The adapter's handler sends its answer without waiting for it to be written. An answer that an
 * `onSend` hook turned into a stream (a compressed one) is written after the handler returns, and
 * Fastify answers a handler that settles with nothing sent yet a second time, empty; a handler
 * that returns the reply settles only once the answer is written.
 */
function resolvingOnceAnswered(route: RouteOptions): void {
  const handler = route.handler;
  route.handler = async function (req, reply) {
    await handler.call(this, req, reply);
    return reply;
  };
}

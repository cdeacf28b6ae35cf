/*
 * Checks of tRPC requests, HTTP or socket upgrade, made before any procedure runs. An HTTP guard
 * says what it refuses a request with, and `guardHook` answers it; a socket's guard answers the
 * upgrade itself.
 */
import { ACCESS_COOKIE, REFRESH_COOKIE } from "@seed/api";
import { containsApiKey } from "@seed/core";
import type { Config } from "@seed/config";
import type { AnyTRPCRouter } from "@trpc/server";
import type { FastifyReply, FastifyRequest } from "fastify";
import { callsCredentialProcedure, proceduresOf } from "./credential-procedures";
import { everyQueryParameterOf } from "./query-parameters";
import type { RequestGuard } from "./request-guard";

const TOKEN_PARAMETERS = new Set([
  "token",
  "access_token",
  "accesstoken",
  "refresh_token",
  "refreshtoken",
  "jwt",
  "auth",
  "authorization",
  "api_key",
  "apikey",
  "api-key",
]);

/**
 * URLs end up in logs, proxies and browser history, so a token there is as good as leaked: it
 * is refused loudly rather than ignored, so that the client's author notices. An API key is
 * recognised by its prefix under any parameter name, inside a tRPC input too. Every parameter
 * counts, those after a `#` too: they reach the log as well.
 */
export const refuseTokensInUrl: RequestGuard = (req) => {
  for (const [name, value] of everyQueryParameterOf(req)) {
    if (TOKEN_PARAMETERS.has(tokenParameterName(name)) || containsApiKey(value)) {
      req.log.warn({ securityEvent: "token_in_url", parameter: name }, "token in URL refused");
      return { status: 400, message: "Tokens are not accepted in URLs; send them in the Authorization header" };
    }
  }
  return undefined;
};

// Case aside, and the question marks a query begun with two or more leaves at the front of its first name.
function tokenParameterName(name: string): string {
  return (name.startsWith("?") ? name.replace(/^\?+/, "") : name).toLowerCase();
}

/** Methods that carry a body: tRPC's POST, and the REST face's PUT and PATCH. */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** Methods that change things: those with a body, and the REST face's DELETE. */
const WRITE_METHODS = new Set([...BODY_METHODS, "DELETE"]);

/** Bodies of API calls are JSON; anything else (multipart, forms) is refused before it is read. */
export const requireJsonBody: RequestGuard = (req) => {
  if (!BODY_METHODS.has(req.method)) return undefined;
  const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json" ? undefined : { status: 415, message: "Send the body as application/json" };
};

/**
 * Subscriptions are served over the socket, or as server-sent events to a client that asks for
 * them (tRPC's subscription link, the fallback where WebSockets cannot be opened). Any other
 * HTTP call of one would get an event stream it did not ask for, with a refusal reported inside
 * it under a 200; it is refused before it starts instead.
 */
export function refuseSubscriptionsOverHttp(router: AnyTRPCRouter): RequestGuard {
  const procedures = router._def.procedures as Record<string, { _def: { type: string } }>;
  const isSubscription = (path: string) =>
    Object.hasOwn(procedures, path) && procedures[path]!._def.type === "subscription";
  return (req) => {
    const called = proceduresOf(req);
    if (!called.some(isSubscription)) return undefined;
    const asksForEvents =
      req.method === "GET" && called.length === 1 && (req.headers.accept ?? "").includes("text/event-stream");
    return asksForEvents ? undefined : { status: 405, message: SUBSCRIPTIONS_OVER_HTTP };
  };
}

const SUBSCRIPTIONS_OVER_HTTP =
  "Subscriptions are served over WebSockets, or as server-sent events to a client that accepts text/event-stream";

/** Credential procedures are never batched, so that each password check counts against the limit. */
export const refuseBatchedCredentials: RequestGuard = (req) =>
  proceduresOf(req).length > 1 && callsCredentialProcedure(req)
    ? { status: 400, message: "Sign-in, sign-up and refresh cannot be batched with other calls" }
    : undefined;

/**
 * tRPC refuses a batch over its cap too, but before it has a context, so without the request id;
 * counted here from the same procedure list, the refusal carries it like any other.
 */
export function refuseOversizedBatches(maxBatchSize: number): RequestGuard {
  return (req) => {
    const calls = proceduresOf(req).length;
    return calls > maxBatchSize
      ? { status: 400, message: `A batch holds at most ${maxBatchSize} calls, not ${calls}` }
      : undefined;
  };
}

/** The origin a browser says a request comes from: `Origin`, or failing that the `Referer`'s. */
function originOf(req: FastifyRequest): string | null {
  if (req.headers.origin) return req.headers.origin;
  try {
    return req.headers.referer ? new URL(req.headers.referer).origin : null;
  } catch {
    return null;
  }
}

function isAllowedOrigin(req: FastifyRequest, config: Config, origin: string): boolean {
  return origin === `${req.protocol}://${req.host}` || config.http.corsOrigins.includes(origin);
}

/**
 * A mutation authenticated by cookie must come from one of our own pages. SameSite=Strict and
 * the JSON-only rule already stop cross-site requests in browsers; this is the check that does
 * not depend on the browser's cookie policy.
 */
export function refuseCrossSiteCookieMutations(config: Config): RequestGuard {
  return (req) => {
    if (!WRITE_METHODS.has(req.method) || req.headers.authorization) return undefined;
    if (req.cookies[ACCESS_COOKIE] === undefined && req.cookies[REFRESH_COOKIE] === undefined) return undefined;
    const origin = originOf(req);
    if (origin && isAllowedOrigin(req, config, origin)) return undefined;
    req.log.warn({ securityEvent: "access_denied", reason: "cross_site_cookie_request", origin }, "CSRF refused");
    return { status: 403, message: "Cross-site request refused: call from an allowed origin" };
  };
}

/**
 * Browsers send an Origin with every socket and no CORS applies to sockets, so the allow-list
 * is enforced here: a page of another origin cannot open a socket in the user's name.
 * Clients that are not browsers send no Origin and are let through.
 */
export function refuseForeignSocketOrigins(config: Config) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const origin = req.headers.origin;
    if (origin && !isAllowedOrigin(req, config, origin)) {
      req.log.warn({ securityEvent: "access_denied", reason: "websocket_origin", origin }, "socket refused");
      await reply.status(403).send({ error: "Origin not allowed" });
    }
  };
}

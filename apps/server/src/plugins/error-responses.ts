/*
 * The answers the server gives itself, before or instead of a procedure: a guard's refusal, a rate
 * limit, a body too large or unreadable, a route or method that is not served. They take the shape
 * a procedure's error takes on the same transport (see the errorFormatter in @seed/api's trpc.ts),
 * so that a client reads every error one way and can quote the request id.
 */
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import superjson from "superjson";

/** Where tRPC is served: over HTTP below it, over a WebSocket at it. */
export const TRPC_PREFIX = "/trpc";

const TRPC_CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: "BAD_REQUEST",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_SUPPORTED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE_CONTENT",
  429: "TOO_MANY_REQUESTS",
};

/** Fastify's own words for a body that is not JSON name its internals; the client gets the api's. */
const MALFORMED_JSON_ERRORS = new Set(["FST_ERR_CTP_INVALID_JSON_BODY", "FST_ERR_CTP_EMPTY_JSON_BODY"]);

function isUnder(req: FastifyRequest, prefix: string): boolean {
  const path = req.url.split("?", 1)[0]!;
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * The body of an error: tRPC's (a numeric code, serialized as the transformer does) for /trpc,
 * the REST face's (the code as a name) for everything else.
 */
function errorBody(
  req: FastifyRequest,
  code: TRPC_ERROR_CODE_KEY,
  httpStatus: number,
  message: string,
  issues: readonly InputIssue[] | undefined,
) {
  const listed = issues ? { issues } : {};
  if (isUnder(req, TRPC_PREFIX)) {
    const data = { code, httpStatus, path: null, requestId: req.id, ...listed };
    return { error: superjson.serialize({ code: TRPC_ERROR_CODES_BY_KEY[code], message, data }) };
  }
  return { code, message, data: { code, httpStatus, requestId: req.id, ...listed } };
}

/** The fields a refusal made here names, on its error: no error thrown elsewhere can carry them. */
const REFUSED_FIELDS = Symbol("refused fields");

/** A field of the input refused, named as a procedure's refusal names it (`items.0.quantity`). */
export interface InputIssue {
  path: string;
  message: string;
}

/**
 * Fastify's error handler, for the whole server. Client errors are logged at info, with the
 * request id like every line of the request; anything else is a bug, logged in full and answered
 * with one generic sentence.
 */
export function answerError(
  error: FastifyError & { [REFUSED_FIELDS]?: readonly InputIssue[] },
  req: FastifyRequest,
  reply: FastifyReply,
) {
  const status = error.statusCode ?? 500;
  const code = TRPC_CODE_BY_STATUS[status] ?? "INTERNAL_SERVER_ERROR";
  if (code === "INTERNAL_SERVER_ERROR") {
    req.log.error({ err: error }, "request failed");
    return reply.status(500).send(errorBody(req, code, 500, "Internal server error", undefined));
  }
  const message = MALFORMED_JSON_ERRORS.has(error.code) ? `Malformed JSON: ${error.message}` : error.message;
  req.log.info({ code, httpStatus: status }, message);
  return reply.status(status).send(errorBody(req, code, status, message, error[REFUSED_FIELDS]));
}

/** Answers a request with a client error, from a hook or a handler. */
export function refuse(
  req: FastifyRequest,
  reply: FastifyReply,
  statusCode: number,
  message: string,
  issues?: readonly InputIssue[],
) {
  const error = Object.assign(new Error(message), { statusCode }) as FastifyError;
  return answerError(Object.assign(error, { [REFUSED_FIELDS]: issues }), req, reply);
}

/** Fastify's not-found handler, for the whole server. */
export function answerNotFound(req: FastifyRequest, reply: FastifyReply) {
  return refuse(req, reply, 404, "Nothing is served at this address");
}

/** A 405 lists the methods that are served (RFC 9110 15.5.6); with none, there is nothing here. */
export function refuseMethod(req: FastifyRequest, reply: FastifyReply, allowed: readonly string[]) {
  if (allowed.length === 0) return answerNotFound(req, reply);
  reply.header("allow", allowed.join(", "));
  return refuse(req, reply, 405, `${req.method} is not served here; use ${allowed.join(" or ")}`);
}

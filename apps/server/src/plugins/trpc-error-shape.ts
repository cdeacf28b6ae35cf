import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import superjson from "superjson";

const TRPC_CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: "BAD_REQUEST",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_SUPPORTED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
};

/**
 * Errors raised before tRPC sees the request (body too large, rate limited, refused by a guard)
 * are answered in tRPC's own error shape, so the typed client reports them like any other.
 */
export function trpcShapedError(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
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

/** Answers a request with a client error in tRPC's shape, from a hook. */
export function refuse(req: FastifyRequest, reply: FastifyReply, statusCode: number, message: string) {
  return trpcShapedError(Object.assign(new Error(message), { statusCode }) as FastifyError, req, reply);
}

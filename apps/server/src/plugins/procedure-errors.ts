import type { Context } from "@seed/api";
import type { TRPCError } from "@trpc/server";
import type { FastifyBaseLogger } from "fastify";

/**
 * Internal errors reach the client as one generic sentence; the log gets the story, minus the
 * bound parameters of a failed query, which may hold password hashes or personal data. A store
 * that could not be reached is a warning: the client was told to try again.
 */
export function logInternalErrors(fallbackLog: FastifyBaseLogger) {
  return ({ error, path, ctx }: { error: TRPCError; path?: string | undefined; ctx?: Context | undefined }) => {
    const log = ctx?.log ?? fallbackLog;
    if (error.code === "INTERNAL_SERVER_ERROR") {
      log.error({ err: withoutQueryParameters(error.cause ?? error), path }, "procedure failed");
    } else if (error.code === "SERVICE_UNAVAILABLE") {
      log.warn({ err: withoutQueryParameters(error.cause ?? error), path }, "a store could not be reached");
    }
  };
}

/**
 * Drizzle's query errors carry the bound parameters twice, in `params` and in the message; the
 * class leaves `name` as "Error", so it is recognised by its shape.
 */
function withoutQueryParameters(error: unknown): unknown {
  if (error instanceof Error && "query" in error && "params" in error) {
    return { type: error.constructor.name, query: error.query, cause: error.cause };
  }
  return error;
}

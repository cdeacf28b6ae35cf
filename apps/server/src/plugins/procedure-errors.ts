import type { Context } from "@seed/api";
import type { TRPCError } from "@trpc/server";
import type { FastifyBaseLogger } from "fastify";

/**
 * Internal errors reach the client as one generic sentence; the log gets the story, minus the
 * bound parameters of a failed query, which may hold password hashes or personal data.
 */
export function logInternalErrors(fallbackLog: FastifyBaseLogger) {
  return ({ error, path, ctx }: { error: TRPCError; path?: string | undefined; ctx?: Context | undefined }) => {
    if (error.code === "INTERNAL_SERVER_ERROR") {
      (ctx?.log ?? fallbackLog).error({ err: withoutQueryParameters(error.cause ?? error), path }, "procedure failed");
    }
  };
}

function withoutQueryParameters(error: unknown): unknown {
  if (error instanceof Error && error.name === "DrizzleQueryError") {
    return { type: error.name, query: (error as Error & { query?: string }).query, cause: error.cause };
  }
  return error;
}

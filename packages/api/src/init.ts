import { initTRPC, type TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import type { Context } from "./context";
import type { ProcedureMeta } from "./procedure-meta";
import { wireFormat } from "./wire-format";

// The meta of a procedure declares who may call it (set by the builders below) and may name its
// REST route (see openapi.ts); see procedure-meta.ts.
/** The one tRPC instance: every middleware, procedure and router is made from it. */
export const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    transformer: wireFormat,
    // Server-sent events: a comment every 15 s keeps proxies from cutting a quiet stream, and a
    // client that hears nothing for 20 s reconnects, resuming from its last event id.
    sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 20_000 } },
    // Error bodies carry what a client can act on and nothing else: no stack, no cause, and
    // unexpected errors reduced to one generic sentence (the details go to the log).
    errorFormatter({ shape, error, ctx }) {
      // Input refused by its schema: BAD_REQUEST over tRPC, UNPROCESSABLE_CONTENT over REST (rest-router.ts).
      const refusedInput = error.code === "BAD_REQUEST" || error.code === "UNPROCESSABLE_CONTENT";
      const issues =
        refusedInput && error.cause instanceof ZodError
          ? error.cause.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }))
          : undefined;
      return {
        code: shape.code,
        message: clientMessage(error, issues),
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          requestId: ctx?.requestId,
          ...(issues ? { issues } : {}),
        },
      };
    },
  });

function clientMessage(error: TRPCError, issues: { path: string; message: string }[] | undefined): string {
  if (error.code === "INTERNAL_SERVER_ERROR") return "Internal server error";
  if (issues) {
    const described = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
    return `Invalid input: ${described.join("; ")}`;
  }
  if (error.cause instanceof SyntaxError) return `Malformed JSON: ${error.message}`;
  return error.message;
}

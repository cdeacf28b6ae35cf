import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import superjson from "superjson";
import { ZodError, type z } from "zod";
import { actorOf, type Permission, recordSecurityEvent } from "@seed/core";
import type { Context } from "./context";
import { AppError, type AppErrorCode, isInfrastructureFailure, type UsageBudgetPolicy } from "@seed/platform";
import { finishing } from "./live/live-feed";
import type { ProcedureMeta } from "./procedure-meta";

// The meta of a procedure declares who may call it (set by the builders below) and may name its
// REST route (see openapi.ts); see procedure-meta.ts.
const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    // Server-sent events: a comment every 15 s keeps proxies from cutting a quiet stream, and a
    // client that hears nothing for 20 s reconnects, resuming from its last event id.
    sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 20_000 } },
    // Error bodies carry what a client can act on and nothing else: no stack, no cause, and
    // unexpected errors reduced to one generic sentence (the details go to the log).
    errorFormatter({ shape, error, ctx }) {
      const issues =
        error.code === "BAD_REQUEST" && error.cause instanceof ZodError
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

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const trpcCodeOf: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_INPUT: "BAD_REQUEST",
  UNAUTHENTICATED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  EXPIRED: "PRECONDITION_FAILED",
  UPSTREAM_UNAVAILABLE: "BAD_GATEWAY",
};

const UNAVAILABLE_MESSAGE = "The service is temporarily unavailable; try again shortly";

/**
 * The one place where the errors of services become tRPC errors: an AppError by its code, a
 * store that cannot be reached as SERVICE_UNAVAILABLE. Anything else is returned unchanged.
 */
export function toTRPCError(error: unknown): unknown {
  const cause = error instanceof TRPCError && error.code === "INTERNAL_SERVER_ERROR" ? error.cause : error;
  if (cause instanceof AppError) return new TRPCError({ code: trpcCodeOf[cause.code], message: cause.message, cause });
  if (isInfrastructureFailure(cause))
    return new TRPCError({ code: "SERVICE_UNAVAILABLE", message: UNAVAILABLE_MESSAGE, cause });
  return error;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/**
 * The base of every procedure, in one middleware because tRPC copies a call's options at each
 * further one (bench/README.md). In order:
 * - The instrumentation comes first, so that it sees every refusal and the error codes as the
 *   client receives them.
 * - A socket carries subscriptions only. Queries and mutations go over HTTP, where rate limits,
 *   cookies and CSRF defences apply, and where every call is checked against a live session.
 *   (HTTP, in turn, refuses subscriptions before any procedure runs: see the server's guards.)
 * - Errors of services become tRPC errors, also when they end a subscription.
 */
const served = t.middleware(async ({ ctx, path, type, next }) => {
  const run = async () => {
    if (ctx.transport === "websocket" && type !== "subscription") {
      throw new TRPCError({
        code: "METHOD_NOT_SUPPORTED",
        message: "Only subscriptions are served over WebSockets; send queries and mutations over HTTP",
      });
    }
    const result = await next();
    if (!result.ok) {
      const mapped = toTRPCError(result.error);
      if (mapped !== result.error) throw mapped;
      return result;
    }
    return isAsyncIterable(result.data) ? { ...result, data: finishing(result.data, toTRPCError) } : result;
  };

  const instrumentation = ctx.instrumentation;
  if (!instrumentation) return run();
  const call = { path, type, transport: ctx.transport, requestId: ctx.requestId };
  const result = await instrumentation.measure(call, run, (outcome) => {
    if (outcome.status === "rejected")
      return outcome.reason instanceof TRPCError ? outcome.reason.code : "INTERNAL_SERVER_ERROR";
    return outcome.value.ok ? "OK" : outcome.value.error.code;
  });
  if (!result.ok || !isAsyncIterable(result.data)) return result;
  const ended = instrumentation.subscriptionStarted(call);
  return {
    ...result,
    data: finishing(result.data, (error) => {
      ended();
      return error;
    }),
  };
});

/*
 * Each builder below declares in its meta the access rule its middleware enforces, in the same
 * expression, so that the rule enforced and the rule declared (access-matrix.ts) cannot differ.
 */
export const publicProcedure = t.procedure.use(served).meta({ access: { kind: "anyone" } });

/**
 * Anonymous callers of protected procedures are only logged (clients probe `me` routinely);
 * a refused token or a signed-in user reaching past their rights is also recorded.
 */
async function denyAccess(ctx: Context, path: string, reason: string): Promise<void> {
  if (!ctx.user && !ctx.authError) {
    ctx.log.warn({ securityEvent: "access_denied", reason, path, ip: ctx.ip }, "access denied");
    return;
  }
  await recordSecurityEvent(ctx, actorOf(ctx), ctx.user ? "access_denied" : "invalid_token", { reason, path });
}

const FORBIDDEN_MESSAGE = "You are not allowed to do this";

/** Procedures for signed-in users; `ctx.user` is non-null inside. */
export const protectedProcedure = publicProcedure
  .use(async ({ ctx, path, next }) => {
    if (!ctx.user) {
      await denyAccess(ctx, path, ctx.authError ? "invalid_token" : "unauthenticated");
      throw new TRPCError({ code: "UNAUTHORIZED", message: ctx.authError ?? "Authentication required" });
    }
    return next({ ctx: { user: ctx.user } });
  })
  .meta({ access: { kind: "signed-in" } });

/** Procedures for users holding any of `permissions`. */
export function requirePermission(...permissions: [Permission, ...Permission[]]) {
  return protectedProcedure
    .use(async ({ ctx, path, next }) => {
      if (!permissions.some((permission) => ctx.user.permissions.has(permission))) {
        await denyAccess(ctx, path, `requires permission ${permissions.join(" or ")}`);
        throw new TRPCError({ code: "FORBIDDEN", message: FORBIDDEN_MESSAGE });
      }
      return next();
    })
    .meta({ access: { kind: "permission", anyOf: permissions } });
}

/**
 * Procedures on one resource of one owner: its owner may call them, and so may a holder of
 * `anyPermission`. Anyone else is told the resource does not exist, so ids cannot be probed.
 * The loaded resource is handed to the resolver as `ctx.resource`.
 */
export function requireOwnership<TInput extends z.ZodType, TResource extends { ownerId: string }>(options: {
  input: TInput;
  load: (ctx: Context, input: z.output<TInput>) => Promise<TResource | null>;
  anyPermission: Permission;
  notFound: string;
}) {
  return protectedProcedure
    .input(options.input)
    .use(async ({ ctx, input, path, next }) => {
      const resource = await options.load(ctx, input as z.output<TInput>);
      const allowed =
        resource !== null && (resource.ownerId === ctx.user.id || ctx.user.permissions.has(options.anyPermission));
      if (!allowed) {
        if (resource) await denyAccess(ctx, path, `not the owner and lacks ${options.anyPermission}`);
        throw new TRPCError({ code: "NOT_FOUND", message: options.notFound });
      }
      return next({ ctx: { resource } });
    })
    .meta({ access: { kind: "owner", orPermission: options.anyPermission } });
}

/**
 * Caps a flow that costs money or invites abuse at its budget (read from the context, where the
 * server's configuration put it), on every instance together.
 */
export function limitUsage(flow: string, budgetOf: (ctx: Context) => UsageBudgetPolicy) {
  return t.middleware(async ({ ctx, next }) => {
    const budget = budgetOf(ctx);
    const budgets = [{ key: `${flow}:ip:${ctx.ip}`, limit: budget.perAddress }];
    if (ctx.user) budgets.push({ key: `${flow}:user:${ctx.user.id}`, limit: budget.perUser });
    const retryAfterMs = await ctx.usageLimiter.consume(budgets, budget.windowMs);
    if (retryAfterMs > 0) {
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: `Too many requests for ${flow}; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
      });
    }
    return next();
  });
}

import type { UserRole } from "@seed/db";
import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { roleHasPermission, type Permission } from "./authorization";
import type { Context } from "./context";
import { AppError, type AppErrorCode } from "./errors";

const t = initTRPC.context<Context>().create({
  transformer: superjson,
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
};

/** The one place where the errors of services become tRPC errors. */
const mapAppErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: trpcCodeOf[cause.code], message: cause.message, cause });
  }
  return result;
});

export const publicProcedure = t.procedure.use(mapAppErrors);

function denyAccess(ctx: Context, path: string, reason: string): void {
  ctx.log.warn(
    { securityEvent: "access_denied", reason, path, userId: ctx.user?.id ?? null, ip: ctx.ip },
    "access denied",
  );
}

/** Procedures for signed-in users; `ctx.user` is non-null inside. */
export const protectedProcedure = publicProcedure.use(({ ctx, path, next }) => {
  if (!ctx.user) {
    denyAccess(ctx, path, ctx.authError ? "invalid_token" : "unauthenticated");
    throw new TRPCError({ code: "UNAUTHORIZED", message: ctx.authError ?? "Authentication required" });
  }
  return next({ ctx: { user: ctx.user } });
});

/** Procedures for users holding any of `roles`. */
export function requireRole(...roles: [UserRole, ...UserRole[]]) {
  return protectedProcedure.use(({ ctx, path, next }) => {
    if (!roles.includes(ctx.user.role)) {
      denyAccess(ctx, path, `requires role ${roles.join(" or ")}`);
      throw new TRPCError({ code: "FORBIDDEN", message: "You are not allowed to do this" });
    }
    return next();
  });
}

/** Procedures for users holding any of `permissions`. */
export function requirePermission(...permissions: [Permission, ...Permission[]]) {
  return protectedProcedure.use(({ ctx, path, next }) => {
    if (!permissions.some((permission) => roleHasPermission(ctx.user.role, permission))) {
      denyAccess(ctx, path, `requires permission ${permissions.join(" or ")}`);
      throw new TRPCError({ code: "FORBIDDEN", message: "You are not allowed to do this" });
    }
    return next();
  });
}

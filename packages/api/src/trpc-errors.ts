import { TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { AppError, type AppErrorCode, isInfrastructureFailure } from "@seed/platform";
import { isTransactionCollision } from "@seed/db";

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
const COLLISION_MESSAGE = "Another change was made to the same data at the same moment; nothing was changed, try again";

/**
 * The one place where the errors of services become tRPC errors: an AppError by its code, a
 * store that cannot be reached as SERVICE_UNAVAILABLE, a transaction the database ended because
 * it collided with another (a deadlock) as CONFLICT, since a retry succeeds. Anything else is
 * returned unchanged.
 */
export function toTRPCError(error: unknown): unknown {
  const cause = error instanceof TRPCError && error.code === "INTERNAL_SERVER_ERROR" ? error.cause : error;
  if (cause instanceof AppError) return new TRPCError({ code: trpcCodeOf[cause.code], message: cause.message, cause });
  if (isInfrastructureFailure(cause))
    return new TRPCError({ code: "SERVICE_UNAVAILABLE", message: UNAVAILABLE_MESSAGE, cause });
  if (isTransactionCollision(cause)) return new TRPCError({ code: "CONFLICT", message: COLLISION_MESSAGE, cause });
  return error;
}

/**
 * The errors services raise. Services know nothing of tRPC; `trpc.ts` maps each code to a
 * tRPC code in one place. The message is shown to clients, so it never carries internals.
 */
export type AppErrorCode =
  | "INVALID_INPUT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "RATE_LIMITED"
  /** What the caller refers to is no longer kept (a last event id older than the retention window). */
  | "EXPIRED"
  /** A service this one depends on (an identity provider) failed or could not be reached. */
  | "UPSTREAM_UNAVAILABLE";

export class AppError extends Error {
  override name = "AppError";

  constructor(
    readonly code: AppErrorCode,
    message: string,
  ) {
    super(message);
  }
}

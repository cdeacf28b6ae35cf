import { TRPCClientError, type TRPCLink } from "@trpc/client";
import type { AnyRouter } from "@trpc/server";
import { observable, type Unsubscribable } from "@trpc/server/observable";
import { CREDENTIAL_PROCEDURES } from "./credential-procedures";

function isUnauthorized(error: unknown): boolean {
  return error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === "UNAUTHORIZED";
}

/**
 * When a query or mutation is refused as UNAUTHORIZED, asks for a fresh access token once and
 * replays the call. Concurrent failures share one refresh.
 */
export function refreshLink<TRouter extends AnyRouter>(refresh: () => Promise<string | null>): TRPCLink<TRouter> {
  let inFlight: Promise<string | null> | null = null;
  const refreshOnce = () => {
    inFlight ??= refresh()
      .catch(() => null)
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let subscription: Unsubscribable | undefined;
        let done = false;
        const attempt = (isRetry: boolean) => {
          subscription = next(op).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error: (error) => {
              const retryable =
                !isRetry && op.type !== "subscription" && !CREDENTIAL_PROCEDURES.has(op.path) && isUnauthorized(error);
              if (!retryable) return observer.error(error);
              void refreshOnce().then((token) => {
                if (done) return;
                if (token) attempt(true);
                else observer.error(error);
              });
            },
          });
        };
        attempt(false);
        return () => {
          done = true;
          subscription?.unsubscribe();
        };
      });
}

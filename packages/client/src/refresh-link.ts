import { TRPCClientError, type TRPCLink } from "@trpc/client";
import type { AnyRouter } from "@trpc/server";
import { observable, type Unsubscribable } from "@trpc/server/observable";
import { SENT_ALONE } from "./sent-alone";

function isUnauthorized(error: unknown): boolean {
  return error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === "UNAUTHORIZED";
}

/** A refresh that concurrent callers share: one request for a new token, whoever asks. */
export function sharedRefresh(refresh: () => Promise<string | null>): () => Promise<string | null> {
  let inFlight: Promise<string | null> | null = null;
  return () => {
    inFlight ??= refresh()
      .catch(() => null)
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };
}

/**
 * When a call is refused as UNAUTHORIZED, asks for a fresh access token once and replays the
 * call. Concurrent failures share one refresh. A subscription is replayed from the last event it
 * received, so nothing is missed or repeated, and may be refreshed again once it has run.
 */
export function refreshLink<TRouter extends AnyRouter>(refreshOnce: () => Promise<string | null>): TRPCLink<TRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let subscription: Unsubscribable | undefined;
        let done = false;
        let lastEventId: string | undefined;
        const attempt = (isRetry: boolean) => {
          let refreshed = isRetry;
          const input = lastEventId === undefined ? op.input : { ...(op.input as object | undefined), lastEventId };
          subscription = next({ ...op, input }).subscribe({
            next: (value) => {
              const { id } = value.result as { id?: string };
              if (id !== undefined) lastEventId = id;
              // A subscription that runs again has used its refresh; a later refusal earns another.
              if (op.type === "subscription") refreshed = false;
              observer.next(value);
            },
            complete: () => observer.complete(),
            error: (error) => {
              const retryable = !refreshed && !SENT_ALONE.has(op.path) && isUnauthorized(error);
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

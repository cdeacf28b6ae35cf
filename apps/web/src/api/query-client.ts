import { TRPCClientError } from "@seed/client";
import { QueryClient } from "@tanstack/react-query";

const NOT_RETRIED = new Set(["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "BAD_REQUEST", "TOO_MANY_REQUESTS"]);

/** Answers that will not change on a second try are shown at once instead of retried. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        retry: (failures, error) =>
          failures < 2 &&
          !(
            error instanceof TRPCClientError &&
            NOT_RETRIED.has((error.data as { code?: string } | undefined)?.code ?? "")
          ),
      },
    },
  });
}

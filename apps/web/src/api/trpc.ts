import { createClient, createLinks, type AppRouter } from "@seed/client";
import { createTRPCClient } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

/**
 * The session lives in the server's HttpOnly cookies only: no token is ever read, kept or sent
 * by this code. A refused call triggers one cookie refresh, and is replayed if that worked.
 */
export function createApiClient(origin: string = window.location.origin) {
  const url = `${origin}/trpc`;
  const refresher = createClient({ url, credentials: "include" });
  const { links } = createLinks({
    url,
    credentials: "include",
    refreshAccessToken: () =>
      refresher.api.auth.refresh
        .mutate(undefined)
        .then(() => "cookie")
        .catch(() => null),
  });
  return createTRPCClient<AppRouter>({ links });
}

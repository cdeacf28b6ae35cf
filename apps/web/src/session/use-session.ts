import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../api/trpc";

/** The signed-in user, or null; the server's cookie is the only source of truth. */
export function useSession() {
  const trpc = useTRPC();
  const me = useQuery({ ...trpc.auth.me.queryOptions(), retry: false, staleTime: 60_000 });
  return { user: me.isError ? null : (me.data ?? null), isLoading: me.isLoading };
}

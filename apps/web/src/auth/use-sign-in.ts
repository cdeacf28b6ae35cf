import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useSearchParams } from "react-router";
import { useTRPC } from "../api/trpc";

/** Only paths of this app are followed after signing in: `?next=` never leads off-site. */
function safeNext(next: string | null): string {
  return next?.startsWith("/") && !next.startsWith("//") ? next : "/products";
}

/**
 * Signs in with email and password. When the account asks for a second factor, the result
 * carries the challenge instead and no cookie is set yet.
 */
export function useSignIn() {
  const trpc = useTRPC();
  const finish = useFinishSignIn();
  return useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: async (result) => {
        if (result.status === "signed-in") await finish();
      },
    }),
  );
}

export function useFinishSignIn() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  return async () => {
    await queryClient.invalidateQueries();
    await queryClient.refetchQueries({ queryKey: trpc.auth.me.queryKey() });
    await navigate(safeNext(params.get("next")));
  };
}

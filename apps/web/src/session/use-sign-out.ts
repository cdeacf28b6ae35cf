import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { useTRPC } from "../api/trpc";

/** Once signed out, nothing the user saw stays in memory. */
function useForgetSession(goTo: string) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return () => {
    queryClient.clear();
    void navigate(goTo);
  };
}

export function useSignOut() {
  const trpc = useTRPC();
  const forget = useForgetSession("/");
  return useMutation(trpc.auth.logout.mutationOptions({ onSettled: forget }));
}

/** Ends every session of the account, this one included. */
export function useSignOutEverywhere() {
  const trpc = useTRPC();
  const forget = useForgetSession("/sign-in");
  return useMutation(trpc.auth.sessions.revokeAll.mutationOptions({ onSuccess: forget }));
}

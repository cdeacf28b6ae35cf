import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../api/trpc";
import { ConfirmByLink } from "../auth/confirm-by-link";

/** The page of the link mailed to a new address: it moves the account there. */
export function ConfirmEmailChangePage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useMutation(
    trpc.users.confirmEmailChange.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() }),
    }),
  );
  return (
    <ConfirmByLink
      title="Change your email address"
      intro="Make this address the one your account signs in with."
      confirmLabel="Use this address"
      doneTitle="Your address is changed"
      done={<p role="status">From now on, sign in with {confirm.data?.email}.</p>}
      lostLink="Link used or expired? Ask for the change again."
      confirm={confirm}
    />
  );
}

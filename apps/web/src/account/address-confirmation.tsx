import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";

/**
 * Whether the account's address is confirmed and, while it is not, a new confirmation link. The
 * new link replaces the one mailed before, which stops working. The server sends none when the
 * address was confirmed meanwhile (from another tab, say): the profile is read again to show it.
 */
export function AddressConfirmation({ confirmed }: { confirmed: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const send = useMutation(
    trpc.auth.email.sendVerification.mutationOptions({
      onSuccess: async ({ sent }) => {
        if (!sent) await queryClient.invalidateQueries({ queryKey: trpc.users.me.queryKey() });
      },
    }),
  );

  if (confirmed) return <p className="muted">Confirmed.</p>;
  return (
    <>
      <p>Not confirmed yet: open the link we mailed to this address.</p>
      {send.data?.sent && <p role="status">We sent a new link. The links we mailed before no longer work.</p>}
      <ErrorMessage error={send.error} />
      <button type="button" disabled={send.isPending} onClick={() => send.mutate()}>
        Send the link again
      </button>
    </>
  );
}

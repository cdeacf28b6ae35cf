import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { useSession } from "../session/use-session";

/**
 * What an administrator may do to one account, as buttons for the permissions they hold; the
 * server refuses the rest (the last admin, their own account) with a message shown here.
 */
export function UserActions({
  user,
}: {
  user: { id: string; email: string; disabledAt: Date | null; invitationPending: boolean };
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { user: me } = useSession();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.admin.pathKey() });
  const options = { onSuccess: refresh };
  const disable = useMutation(trpc.admin.users.disable.mutationOptions(options));
  const enable = useMutation(trpc.admin.users.enable.mutationOptions(options));
  const resetMfa = useMutation(trpc.admin.users.resetMfa.mutationOptions(options));
  const remove = useMutation(trpc.admin.users.delete.mutationOptions(options));
  const resendInvitation = useMutation(trpc.admin.users.resendInvitation.mutationOptions(options));
  const may = (permission: "user:create" | "user:disable" | "user:mfa:reset" | "user:delete") =>
    me?.permissions.includes(permission) ?? false;
  const mutations = [disable, enable, resetMfa, remove, resendInvitation];
  const pending = mutations.some((mutation) => mutation.isPending);
  const input = { userId: user.id };
  const confirmed = (question: string) => window.confirm(`${question} ${user.email}?`);

  return (
    <div className="user-actions" role="group" aria-label={`Actions on ${user.email}`}>
      {may("user:create") && user.invitationPending && (
        <button type="button" disabled={pending} onClick={() => resendInvitation.mutate(input)}>
          Send the invitation again
        </button>
      )}
      {may("user:disable") &&
        (user.disabledAt ? (
          <button type="button" disabled={pending} onClick={() => enable.mutate(input)}>
            Enable
          </button>
        ) : (
          <button
            type="button"
            disabled={pending}
            onClick={() => confirmed("Disable, signing out everywhere,") && disable.mutate(input)}
          >
            Disable
          </button>
        ))}
      {may("user:mfa:reset") && (
        <button
          type="button"
          disabled={pending}
          onClick={() => confirmed("Remove the authenticator of") && resetMfa.mutate(input)}
        >
          Reset two-step sign-in
        </button>
      )}
      {may("user:delete") && (
        <button
          type="button"
          disabled={pending}
          onClick={() => confirmed("Delete the account of") && remove.mutate(input)}
        >
          Delete
        </button>
      )}
      <ErrorMessage error={mutations.find((mutation) => mutation.error)?.error ?? null} />
      {resendInvitation.isSuccess && (
        <p role="status">A new link was mailed to {resendInvitation.data.email}; the earlier one no longer works.</p>
      )}
    </div>
  );
}

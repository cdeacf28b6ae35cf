import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { useSignOutEverywhere } from "../session/use-sign-out";

/** Where the account is signed in; any other device can be signed out from here. */
export function SessionList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessions = useQuery(trpc.auth.sessions.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.auth.sessions.list.queryKey() });
  const revoke = useMutation(trpc.auth.sessions.revoke.mutationOptions({ onSuccess: refresh }));
  const signOutEverywhere = useSignOutEverywhere();

  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Where you are signed in</h2>
      <ErrorMessage error={sessions.error ?? revoke.error ?? signOutEverywhere.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Address</th>
            <th scope="col">Signed in</th>
            <th scope="col">Last active</th>
            <th scope="col">
              <span className="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.data?.map((session) => (
            <tr key={session.id}>
              <td>{session.userAgent ?? "Unknown device"}</td>
              <td>{session.ip ?? "Unknown"}</td>
              <td>{session.createdAt.toLocaleString()}</td>
              <td>{session.lastUsedAt.toLocaleString()}</td>
              <td>
                {session.current ? (
                  "This device"
                ) : (
                  <button
                    type="button"
                    disabled={revoke.isPending}
                    onClick={() => revoke.mutate({ sessionId: session.id })}
                  >
                    Sign out
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" disabled={signOutEverywhere.isPending} onClick={() => signOutEverywhere.mutate()}>
        Sign out everywhere
      </button>
    </section>
  );
}

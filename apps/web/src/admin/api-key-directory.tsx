import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { LoadMoreButton } from "../layout/load-more-button";
import { useSession } from "../session/use-session";

/** Everyone's API keys, never their secrets; a holder of `api_key:revoke:any` may revoke any. */
export function ApiKeyDirectory() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { user } = useSession();
  const keys = useInfiniteQuery(
    trpc.admin.apiKeys.list.infiniteQueryOptions(
      { limit: 20 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.admin.apiKeys.list.pathKey() }),
    }),
  );
  const mayRevoke = user?.permissions.includes("api_key:revoke:any") ?? false;
  const items = keys.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section aria-labelledby="admin-api-keys-title">
      <h2 id="admin-api-keys-title">API keys</h2>
      <ErrorMessage error={keys.error ?? revoke.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Owner</th>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Permissions</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((key) => (
            <tr key={key.id}>
              <td>{key.ownerEmail}</td>
              <td>{key.name}</td>
              <td>
                <code>{key.prefix}_…</code>
              </td>
              <td>{key.scopes.join(", ")}</td>
              <td>{key.lastUsedAt ? `${key.lastUsedAt.toLocaleString()} from ${key.lastUsedIp}` : "Never"}</td>
              <td>
                {mayRevoke && (
                  <button
                    type="button"
                    disabled={revoke.isPending}
                    onClick={() => revoke.mutate({ keyId: key.id })}
                    aria-label={`Revoke ${key.ownerEmail}'s key ${key.name}`}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadMoreButton pages={keys} label="More keys" />
    </section>
  );
}

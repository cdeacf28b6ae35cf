import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { ApiKeyCreation } from "./api-key-creation";

/** The user's personal API keys: when each was last used and from where; any can be revoked. */
export function ApiKeyList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
  const revoke = useMutation(trpc.apiKeys.revoke.mutationOptions({ onSuccess: refresh }));

  return (
    <section aria-labelledby="api-keys-title">
      <h2 id="api-keys-title">API keys</h2>
      <p>Keys let your scripts call the API as you, with only the permissions you give them.</p>
      <ErrorMessage error={keys.error ?? revoke.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Permissions</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.data?.map((key) => (
            <tr key={key.id}>
              <td>{key.name}</td>
              <td>
                <code>{key.prefix}_…</code>
              </td>
              <td>{key.scopes.join(", ")}</td>
              <td>{key.expiresAt.toLocaleDateString()}</td>
              <td>{key.lastUsedAt ? `${key.lastUsedAt.toLocaleString()} from ${key.lastUsedIp}` : "Never"}</td>
              <td>
                <button
                  type="button"
                  disabled={revoke.isPending}
                  onClick={() => revoke.mutate({ keyId: key.id })}
                  aria-label={`Revoke ${key.name}`}
                >
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ApiKeyCreation onCreated={refresh} />
    </section>
  );
}

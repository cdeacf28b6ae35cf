import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { WebhookEndpointCreation } from "./webhook-endpoint-creation";
import { WebhookSecret } from "./webhook-secret";

/** The registered endpoints: enable or disable each, rotate its secret, delete it, open its delivery log. */
export function WebhooksPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const endpoints = useQuery(trpc.admin.webhooks.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.admin.webhooks.list.queryKey() });
  const update = useMutation(trpc.admin.webhooks.update.mutationOptions({ onSuccess: refresh }));
  const rotate = useMutation(trpc.admin.webhooks.rotateSecret.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.admin.webhooks.delete.mutationOptions({ onSuccess: refresh }));

  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      <ErrorMessage error={endpoints.error ?? update.error ?? rotate.error ?? remove.error} />
      {rotate.data && <WebhookSecret secret={rotate.data.secret} onDone={() => rotate.reset()} />}
      <table>
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">Event types</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {endpoints.data?.map((endpoint) => (
            <tr key={endpoint.id}>
              <td>
                <Link to={`/admin/webhooks/${endpoint.id}`} title={endpoint.description}>
                  {endpoint.url}
                </Link>
              </td>
              <td>{endpoint.eventTypes.join(", ")}</td>
              <td>{endpoint.enabled ? "Enabled" : "Disabled"}</td>
              <td>
                <button
                  type="button"
                  disabled={update.isPending}
                  onClick={() =>
                    update.mutate({
                      endpointId: endpoint.id,
                      version: endpoint.version,
                      changes: { enabled: !endpoint.enabled },
                    })
                  }
                >
                  {endpoint.enabled ? "Disable" : "Enable"}
                </button>
                <button
                  type="button"
                  disabled={rotate.isPending}
                  onClick={() => rotate.mutate({ endpointId: endpoint.id })}
                  aria-label={`Rotate the secret of ${endpoint.url}`}
                >
                  Rotate secret
                </button>
                <button
                  type="button"
                  disabled={remove.isPending}
                  onClick={() => remove.mutate({ endpointId: endpoint.id })}
                  aria-label={`Delete ${endpoint.url}`}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Register an endpoint</h2>
      <WebhookEndpointCreation onCreated={refresh} />
    </section>
  );
}

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { LoadMoreButton } from "../layout/load-more-button";

/** One endpoint's delivery log, newest first, with a redeliver button on what is no longer on its way. */
export function WebhookDeliveriesPage() {
  const { endpointId = "" } = useParams();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const endpoint = useQuery(trpc.admin.webhooks.get.queryOptions({ endpointId }));
  const deliveries = useInfiniteQuery(
    trpc.admin.webhooks.deliveries.infiniteQueryOptions(
      { endpointId, limit: 20 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const redeliver = useMutation(
    trpc.admin.webhooks.redeliver.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.admin.webhooks.deliveries.pathKey() }),
    }),
  );
  const items = deliveries.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section aria-labelledby="deliveries-title">
      <p>
        <Link to="/admin/webhooks">All endpoints</Link>
      </p>
      <h1 id="deliveries-title">Deliveries to {endpoint.data?.url ?? "…"}</h1>
      <ErrorMessage error={endpoint.error ?? deliveries.error ?? redeliver.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last answer</th>
            <th scope="col">
              <span className="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((delivery) => (
            <tr key={delivery.id}>
              <td>
                {delivery.eventType} <code title="webhook-id">{delivery.webhookId}</code>
              </td>
              <td>{delivery.status}</td>
              <td>
                {delivery.attempts}
                {delivery.lastAttemptAt && `, last ${delivery.lastAttemptAt.toLocaleString()}`}
              </td>
              <td>
                {delivery.responseStatus !== null && <code>{delivery.responseStatus}</code>} {delivery.error}
                {delivery.responseBody && <pre className="response-body">{delivery.responseBody}</pre>}
              </td>
              <td>
                {(delivery.status === "dead" || delivery.status === "delivered") && (
                  <button
                    type="button"
                    disabled={redeliver.isPending}
                    onClick={() => redeliver.mutate({ deliveryId: delivery.id })}
                    aria-label={`Redeliver ${delivery.eventType} ${delivery.webhookId}`}
                  >
                    Redeliver
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadMoreButton pages={deliveries} label="More deliveries" />
    </section>
  );
}

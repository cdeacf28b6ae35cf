import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useTRPC } from "../api/trpc";

/**
 * Keeps the order-detail page's `orders.get` query current: each status change the server
 * pushes refetches it, among them the payment's outcome, which comes after the order was placed. It is refetched once more when the subscription starts, so a change made
 * between the page's first fetch and the subscription taking hold is not missed. After a
 * dropped connection the client resumes from the last event it received.
 */
export function useOrderStatusUpdates(orderId: string): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refetch = () => void queryClient.invalidateQueries({ queryKey: trpc.orders.get.queryKey({ orderId }) });
  useSubscription(trpc.orders.onStatusChange.subscriptionOptions({ orderId }, { onStarted: refetch, onData: refetch }));
}

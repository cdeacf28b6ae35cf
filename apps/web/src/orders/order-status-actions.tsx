import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { useSession } from "../session/use-session";

/** Staff moves; the server refuses any that the order's current status does not allow. */
const NEXT_STATUS: Record<string, "shipped" | "delivered" | undefined> = { paid: "shipped", shipped: "delivered" };

/** Shown to staff who may move anyone's order along (`order:update:any`). */
export function OrderStatusActions({ orderId, status }: { orderId: string; status: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { user } = useSession();
  const setStatus = useMutation(
    trpc.orders.setStatus.mutationOptions({
      onSuccess: (order) => queryClient.setQueryData(trpc.orders.get.queryKey({ orderId }), order),
    }),
  );
  const next = NEXT_STATUS[status];
  if (!next || !user?.permissions.includes("order:update:any")) return null;

  return (
    <div>
      <ErrorMessage error={setStatus.error} />
      <button type="button" onClick={() => setStatus.mutate({ orderId, status: next })} disabled={setStatus.isPending}>
        Mark as {next}
      </button>
    </div>
  );
}

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "react-router";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { formatMoney } from "../layout/money";
import { OrderStatus } from "./order-status";
import { OrderStatusActions } from "./order-status-actions";
import { PaymentSettlement } from "./payment-settlement";
import { useOrderStatusUpdates } from "./use-order-status-updates";

const CANCELLABLE = new Set(["pending", "paid"]);

export function OrderDetailPage() {
  const { orderId = "" } = useParams();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const order = useQuery(trpc.orders.get.queryOptions({ orderId }));
  useOrderStatusUpdates(orderId);
  const cancel = useMutation(
    trpc.orders.cancel.mutationOptions({
      onSuccess: (cancelled) => queryClient.setQueryData(trpc.orders.get.queryKey({ orderId }), cancelled),
    }),
  );

  if (order.error) return <ErrorMessage error={order.error} />;
  if (!order.data) return <p aria-busy="true">Loading…</p>;
  const { status, paymentStatus, total, items, createdAt } = order.data;

  return (
    <article aria-labelledby="order-title">
      <h1 id="order-title">Order {orderId.slice(0, 8)}</h1>
      <p>
        Status: <OrderStatus status={status} /> · Payment: {paymentStatus} · Placed {createdAt.toLocaleString()}
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Quantity</th>
            <th scope="col">Unit price</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.productId}>
              <td>{item.name}</td>
              <td>{item.quantity}</td>
              <td>{formatMoney(item.unitPrice)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="price">Total {formatMoney(total)}</p>
      <OrderStatusActions orderId={orderId} status={status} />
      <PaymentSettlement orderId={orderId} paymentStatus={paymentStatus} />
      <ErrorMessage error={cancel.error} />
      {CANCELLABLE.has(status) && (
        <button type="button" onClick={() => cancel.mutate({ orderId })} disabled={cancel.isPending}>
          Cancel order
        </button>
      )}
    </article>
  );
}

import { useInfiniteQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { LoadMoreButton } from "../layout/load-more-button";
import { formatMoney } from "../layout/money";
import { OrderStatus } from "./order-status";

export function OrdersPage() {
  const trpc = useTRPC();
  const orders = useInfiniteQuery(
    trpc.orders.list.infiniteQueryOptions(
      { scope: "mine", limit: 20 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const items = orders.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section aria-labelledby="orders-title">
      <h1 id="orders-title">My orders</h1>
      <ErrorMessage error={orders.error} />
      {orders.isSuccess && items.length === 0 && <p>No orders yet.</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Placed</th>
            <th scope="col">Total</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {items.map((order) => (
            <tr key={order.id}>
              <td>
                <Link to={`/orders/${order.id}`}>{order.id.slice(0, 8)}</Link>
              </td>
              <td>{order.createdAt.toLocaleString()}</td>
              <td>{formatMoney(order.total)}</td>
              <td>
                <OrderStatus status={order.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadMoreButton pages={orders} />
    </section>
  );
}

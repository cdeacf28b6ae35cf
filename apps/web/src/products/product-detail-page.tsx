import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate, useParams } from "react-router";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { formatMoney } from "../layout/money";
import { TextField } from "../layout/text-field";
import { usePlaceOrder } from "../orders/use-place-order";
import { useSession } from "../session/use-session";

export function ProductDetailPage() {
  const { productId = "" } = useParams();
  const trpc = useTRPC();
  const product = useQuery(trpc.products.get.queryOptions({ productId }));
  const { user } = useSession();
  const order = usePlaceOrder();
  const navigate = useNavigate();
  const [quantity, setQuantity] = useState(1);

  if (product.error) return <ErrorMessage error={product.error} />;
  if (!product.data) return <p aria-busy="true">Loading…</p>;
  const { name, description, category, sku, price, stock } = product.data;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const placed = await order.place([{ productId, quantity }]).catch(() => null);
    if (placed) await navigate(`/orders/${placed.id}`);
  };

  return (
    <article aria-labelledby="product-title" className="narrow">
      <h1 id="product-title">{name}</h1>
      <p className="muted">
        {category} · SKU {sku}
      </p>
      <p className="price">{formatMoney(price)}</p>
      <p>{description}</p>
      <p>{stock > 0 ? `${stock} in stock` : "Out of stock"}</p>
      {user ? (
        <form onSubmit={(event) => void submit(event)}>
          <TextField
            label="Quantity"
            type="number"
            min={1}
            max={Math.max(1, Math.min(stock, 1000))}
            value={quantity}
            onChange={(e) => setQuantity(Number(e.target.value))}
          />
          <ErrorMessage error={order.error} />
          <button type="submit" disabled={order.isPending || stock === 0}>
            {order.isError ? "Try again" : "Place order"}
          </button>
        </form>
      ) : (
        <p>Sign in to order.</p>
      )}
    </article>
  );
}

import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { LoadMoreButton } from "../layout/load-more-button";
import { formatMoney } from "../layout/money";
import { ProductFiltersForm, type ProductFilters } from "./product-filters";

const PAGE_SIZE = 24;

export function ProductsPage() {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<ProductFilters>({});
  const products = useInfiniteQuery(
    trpc.products.list.infiniteQueryOptions(
      { ...filters, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const items = products.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section aria-labelledby="products-title">
      <h1 id="products-title">Products</h1>
      <ProductFiltersForm onApply={setFilters} />
      <ErrorMessage error={products.error} />
      {products.isLoading && <p aria-busy="true">Loading…</p>}
      {products.isSuccess && items.length === 0 && <p>No products match.</p>}
      <ul className="product-grid" aria-label="Search results">
        {items.map((product) => (
          <li key={product.id} className="card">
            <Link to={`/products/${product.id}`}>{product.name}</Link>
            <span className="muted">{product.category}</span>
            <span>{formatMoney(product.price)}</span>
            <span className="muted">{product.stock > 0 ? `${product.stock} in stock` : "Out of stock"}</span>
          </li>
        ))}
      </ul>
      <LoadMoreButton pages={products} />
    </section>
  );
}

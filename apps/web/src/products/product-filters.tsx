import { useState, type FormEvent } from "react";
import type { RouterInputs } from "@seed/client";
import { TextField } from "../layout/text-field";

export type ProductFilters = Pick<RouterInputs["products"]["list"], "search" | "category" | "inStock" | "sort">;

const SORTS = [
  ["newest", "Newest"],
  ["price_asc", "Price, low to high"],
  ["price_desc", "Price, high to low"],
  ["name_asc", "Name"],
] as const;

/** Filters take effect on submit, so typing does not fire a query per key stroke. */
export function ProductFiltersForm({ onApply }: { onApply: (filters: ProductFilters) => void }) {
  const [search, setSearch] = useState("");
  const [category, setCategory] = useState("");
  const [inStock, setInStock] = useState(false);
  const [sort, setSort] = useState<NonNullable<ProductFilters["sort"]>>("newest");

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({
      search: search.trim() || undefined,
      category: category.trim() || undefined,
      inStock: inStock || undefined,
      sort,
    });
  };

  return (
    <form role="search" className="filters" onSubmit={submit}>
      <TextField label="Search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      <TextField label="Category" value={category} onChange={(e) => setCategory(e.target.value)} />
      <div className="field">
        <label htmlFor="sort">Sort by</label>
        <select id="sort" value={sort} onChange={(e) => setSort(e.target.value as typeof sort)}>
          {SORTS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={inStock} onChange={(e) => setInStock(e.target.checked)} /> In stock only
      </label>
      <button type="submit">Search</button>
    </form>
  );
}

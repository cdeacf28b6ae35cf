import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../api/trpc";

const newKey = () => crypto.randomUUID();

/**
 * One idempotency key per checkout attempt: a retry after a lost answer sends the same key, so
 * the server places the order at most once. Only a successful order starts a new attempt.
 */
export function usePlaceOrder() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [idempotencyKey, setIdempotencyKey] = useState(newKey);
  const mutation = useMutation(
    trpc.orders.place.mutationOptions({
      onSuccess: async () => {
        setIdempotencyKey(newKey());
        await queryClient.invalidateQueries({ queryKey: trpc.orders.list.pathKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.products.pathKey() });
      },
    }),
  );
  return {
    ...mutation,
    place: (items: { productId: string; quantity: number }[]) => mutation.mutateAsync({ items, idempotencyKey }),
  };
}

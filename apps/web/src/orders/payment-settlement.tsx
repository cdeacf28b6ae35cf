import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";
import { useSession } from "../session/use-session";

/**
 * Shown to staff who may act on anyone's order (`order:update:any`) while its payment is
 * unsettled: settles it from the payment provider's records, which the server asks about the
 * payment named here. Saying that the provider holds no payment at all cancels the order, so it
 * is a box to tick, never an empty field.
 */
export function PaymentSettlement({ orderId, paymentStatus }: { orderId: string; paymentStatus: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { user } = useSession();
  const [reference, setReference] = useState("");
  const [noPayment, setNoPayment] = useState(false);
  const [reason, setReason] = useState("");
  const settle = useMutation(
    trpc.orders.settlePayment.mutationOptions({
      onSuccess: (order) => queryClient.setQueryData(trpc.orders.get.queryKey({ orderId }), order),
    }),
  );
  if (paymentStatus !== "pending" || !user?.permissions.includes("order:update:any")) return null;
  // A charge found for an order cancelled meanwhile: the payment stays pending until it is given back.
  if (settle.isSuccess) return <p role="status">The payment was taken: its refund is under way.</p>;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    settle.mutate({ orderId, reference: noPayment ? null : reference.trim(), reason });
  };

  return (
    <form aria-labelledby="settlement-title" onSubmit={submit}>
      <h2 id="settlement-title">Settle the payment by hand</h2>
      <p>
        For a payment the shop never learnt the end of. Name the provider&apos;s payment of this order (a Stripe
        PaymentIntent, pi_…): the server asks the provider how it ended.
      </p>
      <TextField
        label="Provider's payment"
        required={!noPayment}
        disabled={noPayment}
        value={reference}
        onChange={(e) => setReference(e.target.value)}
      />
      <label>
        <input type="checkbox" checked={noPayment} onChange={(e) => setNoPayment(e.target.checked)} /> The provider
        holds no payment for this order: cancel it and put its stock back
      </label>
      <TextField label="Reason" required minLength={3} value={reason} onChange={(e) => setReason(e.target.value)} />
      <ErrorMessage error={settle.error} />
      <button type="submit" disabled={settle.isPending}>
        Settle payment
      </button>
    </form>
  );
}

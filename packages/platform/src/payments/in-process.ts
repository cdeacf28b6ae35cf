import { randomUUID } from "node:crypto";
import type { Charge, ChargeResult, FoundPayment, PaymentProvider, Refund } from "./payment-provider";

export type PaymentBehaviour = "succeed" | "decline" | "time out";

export interface InProcessPaymentProvider extends PaymentProvider {
  /** How the next new charges answer; demos and tests switch it. */
  behaveAs(behaviour: PaymentBehaviour): void;
  /** How many distinct payments were charged and refunded. */
  readonly charged: number;
  readonly refunded: number;
}

/**
 * The default provider: accepts every charge (or declines, or never answers, when told to) and
 * remembers each payment id, as a real provider's idempotency keys do, and each payment it took.
 */
export function createInProcessPaymentProvider(): InProcessPaymentProvider {
  let behaviour: PaymentBehaviour = "succeed";
  const results = new Map<string, ChargeResult>();
  /** The payments taken, by their reference. */
  const taken = new Map<string, Omit<FoundPayment, "status" | "amountRefunded">>();
  const refunds = new Set<string>();
  /** A payment taken, as the provider's records show it now. */
  const asFound = (payment: Omit<FoundPayment, "status" | "amountRefunded">): FoundPayment => ({
    ...payment,
    amountRefunded: refunds.has(payment.paymentId) ? payment.amount : 0,
    status: "succeeded",
  });

  async function find(reference: string, signal: AbortSignal): Promise<FoundPayment | null> {
    if (behaviour === "time out") return neverAnswering(signal);
    const found = taken.get(reference);
    return found ? asFound(found) : null;
  }

  return {
    behaveAs(next) {
      behaviour = next;
    },
    get charged() {
      return [...results.values()].filter((result) => result.status === "succeeded").length;
    },
    get refunded() {
      return refunds.size;
    },
    async charge(charge: Charge, signal: AbortSignal) {
      const earlier = results.get(charge.paymentId);
      if (earlier) return earlier;
      if (behaviour === "time out") return neverAnswering(signal);
      const result: ChargeResult =
        behaviour === "succeed"
          ? { status: "succeeded", reference: `pay_${randomUUID()}` }
          : { status: "declined", reason: "The card was declined" };
      results.set(charge.paymentId, result);
      if (result.status === "succeeded") {
        taken.set(result.reference, {
          reference: result.reference,
          paymentId: charge.paymentId,
          amount: charge.amount,
          currency: charge.currency,
        });
      }
      return result;
    },
    async refund({ paymentId }: Refund, signal: AbortSignal) {
      if (behaviour === "time out") return neverAnswering(signal);
      if (results.get(paymentId)?.status === "succeeded") refunds.add(paymentId);
    },
    find,
    // Only payments taken are held here, and those stay taken.
    cancel: find,
    async findByPaymentId(paymentId: string, signal: AbortSignal) {
      if (behaviour === "time out") return neverAnswering(signal);
      // A declined charge leaves nothing to find.
      return [...taken.values()].filter((payment) => payment.paymentId === paymentId).map(asFound);
    },
  };
}

function neverAnswering(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.throwIfAborted();
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

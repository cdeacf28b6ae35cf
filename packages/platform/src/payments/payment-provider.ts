export interface Charge {
  /** Names the payment; charging the same id again answers the first result and charges nothing. */
  paymentId: string;
  /** Integer minor units. */
  amount: number;
  currency: string;
}

export type ChargeResult = { status: "succeeded"; reference: string } | { status: "declined"; reason: string };

/**
 * Where the money is taken. Both calls are idempotent by payment id, so a retry after a timeout
 * or a crash can never charge or refund twice. Each call gives up when `signal` aborts.
 */
export interface PaymentProvider {
  charge(charge: Charge, signal: AbortSignal): Promise<ChargeResult>;
  refund(paymentId: string, signal: AbortSignal): Promise<void>;
}

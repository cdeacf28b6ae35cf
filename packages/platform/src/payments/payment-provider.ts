export interface Charge {
  /** Names the payment; charging the same id again answers the first result and charges nothing. */
  paymentId: string;
  /** Integer minor units. */
  amount: number;
  currency: string;
  /**
   * How the customer pays, as the provider names it (Stripe: a PaymentMethod id that Stripe.js
   * made in the browser). A provider that needs none ignores it.
   */
  paymentMethod?: string;
}

/** A payment to give back: the charge it was, and the provider's reference once it is known. */
export interface Refund extends Charge {
  reference: string | null;
}

export type ChargeResult =
  | { status: "succeeded"; reference: string }
  | { status: "declined"; reason: string }
  /** Accepted but not settled yet (a bank debit): the outcome arrives later, as a notice. */
  | { status: "processing" };

/** A payment as the provider's records show it. */
export interface FoundPayment {
  /** The provider's reference of it (`ChargeResult.reference`). */
  reference: string;
  /** The payment it belongs to (`Charge.paymentId`). */
  paymentId: string;
  amount: number;
  /** Upper case, as charged. */
  currency: string;
  /** How much of it was given back, in the same minor units. */
  amountRefunded: number;
  /**
   * `succeeded`: the money is taken. `declined`: nothing is taken, and nothing can be without the
   * payment being confirmed anew. `processing`: not settled yet.
   */
  status: ChargeResult["status"];
}

/** What the provider tells of a payment by itself, later (a webhook): a settled charge. */
export interface PaymentNotice {
  /** The provider's id of the notice; a notice may be sent more than once. */
  eventId: string;
  paymentId: string;
  result: Exclude<ChargeResult, { status: "processing" }>;
}

/** A notice whose signature does not verify, or that cannot be read: it is answered 400. */
export class PaymentNoticeRefused extends Error {
  override name = "PaymentNoticeRefused";
}

/** Reads the notices a provider sends to the server (its webhooks), verifying their signature. */
export interface PaymentNotices {
  /** The path the provider posts its notices to. */
  path: string;
  /** The header that carries the signature. */
  signatureHeader: string;
  /**
   * The notice in `payload` (the raw body, as signed), or null when it tells nothing about a
   * charge this shop made; throws PaymentNoticeRefused when its signature does not verify.
   */
  read(payload: Buffer, signature: string | undefined): PaymentNotice | null;
}

/**
 * Where the money is taken. Charges and refunds are idempotent by payment id, so a retry after a
 * timeout or a crash can never charge or refund twice. Each call gives up when `signal` aborts.
 */
export interface PaymentProvider {
  charge(charge: Charge, signal: AbortSignal): Promise<ChargeResult>;
  /** Gives back what a charge of this payment took; nothing when it took nothing. */
  refund(refund: Refund, signal: AbortSignal): Promise<void>;
  /** The payment the provider knows by `reference` (`ChargeResult.reference`), or null. */
  find(reference: string, signal: AbortSignal): Promise<FoundPayment | null>;
  /**
   * Every payment the provider holds for `paymentId`, whatever became of it; a payment that was
   * only ever declined may be left out. For a payment whose references were all lost.
   */
  findByPaymentId(paymentId: string, signal: AbortSignal): Promise<FoundPayment[]>;
  /**
   * Makes sure the payment known by `reference` takes nothing from now on: one that took nothing
   * but could still be confirmed is cancelled; one that took money or is settling is left as it
   * is. Resolves with the payment as it is then, or null for a reference the provider does not hold.
   */
  cancel(reference: string, signal: AbortSignal): Promise<FoundPayment | null>;
  /** How the provider's notices are read; none for a provider that answers every charge at once. */
  notices?: PaymentNotices;
}

import type Stripe from "stripe";
import {
  type Charge,
  type ChargeResult,
  type FoundPayment,
  type PaymentNotice,
  PaymentNoticeRefused,
  type PaymentProvider,
} from "./payment-provider";
import { stripeLibrary } from "./stripe-library";

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** Where the API is served instead of Stripe's own host (a local stand-in in tests). */
  apiBase: URL | null;
  /** How long one API request may take. */
  timeoutMs: number;
}

export const STRIPE_WEBHOOK_PATH = "/webhooks/stripe";

/** The metadata key of a PaymentIntent that names the payment (the order id). */
const PAYMENT_ID_KEY = "payment_id";

/** A PaymentIntent in these states has taken nothing and can still be cancelled. */
const CANCELLABLE = new Set<Stripe.PaymentIntent.Status>([
  "requires_payment_method",
  "requires_confirmation",
  "requires_action",
  "requires_capture",
]);

/**
 * Payments through Stripe's PaymentIntents. Every request of the payment job that changes
 * something carries an idempotency key made from the payment id (the order id), so a retried job
 * replays Stripe's first answer instead of charging, refunding or cancelling twice. The outcome
 * of a payment that settles later (a bank debit) arrives as a webhook, read by `notices`.
 */
export async function createStripePaymentProvider(settings: StripeSettings): Promise<PaymentProvider> {
  const StripeSdk = await stripeLibrary();
  const stripe = new StripeSdk(settings.secretKey, {
    // The job queue retries, with backoff and the same idempotency keys; two retry loops would
    // only hide a failing provider from the dead letters for longer.
    maxNetworkRetries: 0,
    timeout: settings.timeoutMs,
    telemetry: false,
    ...(settings.apiBase && {
      host: settings.apiBase.hostname,
      port: settings.apiBase.port || (settings.apiBase.protocol === "http:" ? 80 : 443),
      protocol: settings.apiBase.protocol === "http:" ? "http" : "https",
    }),
  });

  /** A request Stripe refused for the reason `code` names. */
  const refusedAs = (error: unknown, code: string) =>
    error instanceof StripeSdk.errors.StripeInvalidRequestError && error.code === code;

  /**
   * A PaymentIntent as it is now, read with its charge, which tells what was given back: a
   * refunded intent stays `succeeded`.
   */
  const currentIntent = (intentId: string) => stripe.paymentIntents.retrieve(intentId, { expand: ["latest_charge"] });
  const currentPayment = async (intentId: string) => foundPaymentOf(await currentIntent(intentId));

  /** The payment's PaymentIntent: made on the first call, Stripe's first answer on every later one. */
  const intentOf = (payment: Charge) =>
    stripe.paymentIntents.create(
      {
        amount: payment.amount,
        currency: payment.currency.toLowerCase(),
        metadata: { [PAYMENT_ID_KEY]: payment.paymentId },
        automatic_payment_methods: { enabled: true, allow_redirects: "never" },
      },
      { idempotencyKey: `${payment.paymentId}:create` },
    );

  return {
    async charge(charge, signal) {
      return untilAborted(signal, async (): Promise<ChargeResult> => {
        if (!charge.paymentMethod) return { status: "declined", reason: "No payment method was given" };
        const intent = await intentOf(charge);
        try {
          const confirmed = await stripe.paymentIntents.confirm(
            intent.id,
            // With no customer present to authenticate, a card that asks for it is declined.
            { payment_method: charge.paymentMethod, error_on_requires_action: true },
            { idempotencyKey: `${charge.paymentId}:confirm` },
          );
          return resultOf(confirmed);
        } catch (error) {
          if (error instanceof StripeSdk.errors.StripeCardError) {
            return { status: "declined", reason: error.message || "The card was declined" };
          }
          // Past confirming: cancelled meanwhile (a payment settled by hand as taking nothing,
          // or refunded before it was confirmed), it is declined, not retried for good.
          if (refusedAs(error, "payment_intent_unexpected_state")) {
            return resultOf(await stripe.paymentIntents.retrieve(intent.id));
          }
          throw error;
        }
      });
    },

    async refund(refund, signal) {
      await untilAborted(signal, async () => {
        // Without a reference, the create request is replayed to find the PaymentIntent (its answer
        // is the intent as it was made, hence the retrieve); Stripe keeps idempotent answers for a
        // day, and the reference finds a payment older than that.
        const intent = await stripe.paymentIntents.retrieve(refund.reference ?? (await intentOf(refund)).id);
        if (intent.status === "succeeded") {
          try {
            await stripe.refunds.create(
              { payment_intent: intent.id },
              { idempotencyKey: `${refund.paymentId}:refund` },
            );
          } catch (error) {
            // Refunded already: from the dashboard, or by this key once Stripe forgot its answer.
            if (!refusedAs(error, "charge_already_refunded")) throw error;
          }
        } else if (CANCELLABLE.has(intent.status)) {
          // Nothing was taken; cancelled, so that nothing can be taken later either.
          await stripe.paymentIntents.cancel(intent.id, {}, { idempotencyKey: `${refund.paymentId}:cancel` });
        } else if (intent.status === "processing") {
          throw new Error("The payment is still processing; it can be refunded once it settles");
        }
      });
    },

    async find(reference, signal) {
      return untilAborted(signal, async (): Promise<FoundPayment | null> => {
        try {
          return await currentPayment(reference);
        } catch (error) {
          if (refusedAs(error, "resource_missing")) return null;
          throw error;
        }
      });
    },

    async findByPaymentId(paymentId, signal) {
      return untilAborted(signal, async (): Promise<FoundPayment[]> => {
        // Stripe's search index finds a new PaymentIntent within about a minute (longer while
        // Stripe has trouble) and may show an older status: it says which intents there are,
        // and each is then read as it is now.
        const intents = await stripe.paymentIntents
          .search({ query: `metadata['${PAYMENT_ID_KEY}']:'${searchText(paymentId)}'`, limit: 100 })
          .autoPagingToArray({ limit: 1_000 });
        const found = await Promise.all(intents.map(({ id }) => currentPayment(id)));
        return found.flatMap((payment) => payment ?? []);
      });
    },

    async cancel(reference, signal) {
      return untilAborted(signal, async (): Promise<FoundPayment | null> => {
        try {
          // Without an idempotency key: Stripe would replay a refusal kept under it for a day,
          // when the intent may have become cancellable again (a debit that failed at the bank).
          // A cancel is safe to repeat, since Stripe refuses to cancel an intent twice.
          await stripe.paymentIntents.cancel(reference);
        } catch (error) {
          if (refusedAs(error, "resource_missing")) return null;
          // Cancelled already, or past cancelling: taken, or settling at the bank.
          if (!refusedAs(error, "payment_intent_unexpected_state")) throw error;
        }
        const intent = await currentIntent(reference);
        if (CANCELLABLE.has(intent.status)) throw new Error(`PaymentIntent ${reference} is still ${intent.status}`);
        return foundPaymentOf(intent);
      });
    },

    notices: {
      path: STRIPE_WEBHOOK_PATH,
      signatureHeader: "stripe-signature",
      read(payload, signature): PaymentNotice | null {
        if (!signature) throw new PaymentNoticeRefused("The Stripe-Signature header is missing");
        let event: Stripe.Event;
        try {
          event = stripe.webhooks.constructEvent(payload, signature, settings.webhookSecret);
        } catch (error) {
          throw new PaymentNoticeRefused(
            error instanceof StripeSdk.errors.StripeSignatureVerificationError
              ? "The Stripe-Signature does not match the payload"
              : "The payload is not a Stripe event",
          );
        }
        if (event.type !== "payment_intent.succeeded" && event.type !== "payment_intent.payment_failed") return null;
        const intent = event.data.object;
        const paymentId = intent.metadata?.[PAYMENT_ID_KEY];
        if (!paymentId) return null;
        // The event says what happened then; the intent it carries may have moved on since.
        const result: PaymentNotice["result"] =
          event.type === "payment_intent.succeeded" ? { status: "succeeded", reference: intent.id } : declined(intent);
        return { eventId: event.id, paymentId, result };
      },
    },
  };
}

/** The payment a PaymentIntent is, with its latest charge expanded; null for one this shop did not make. */
function foundPaymentOf(intent: Stripe.PaymentIntent): FoundPayment | null {
  const paymentId = intent.metadata?.[PAYMENT_ID_KEY];
  if (!paymentId) return null;
  const charge = typeof intent.latest_charge === "object" ? intent.latest_charge : null;
  return {
    reference: intent.id,
    paymentId,
    amount: intent.amount,
    currency: intent.currency.toUpperCase(),
    amountRefunded: charge?.amount_refunded ?? 0,
    status: foundStatusOf(intent),
  };
}

/** A value as a quoted string of Stripe's search query language holds it. */
function searchText(value: string): string {
  return value.replace(/[\\']/g, (character) => `\\${character}`);
}

/**
 * A PaymentIntent that was never confirmed, or whose confirmation failed, took nothing, and takes
 * nothing unless it is confirmed anew; one that waits for a capture or an authentication may
 * still take the money.
 */
function foundStatusOf(intent: Stripe.PaymentIntent): FoundPayment["status"] {
  if (intent.status === "succeeded") return "succeeded";
  if (
    intent.status === "canceled" ||
    intent.status === "requires_payment_method" ||
    intent.status === "requires_confirmation"
  ) {
    return "declined";
  }
  return "processing";
}

function resultOf(intent: Stripe.PaymentIntent): ChargeResult {
  if (intent.status === "succeeded") return { status: "succeeded", reference: intent.id };
  if (intent.status === "processing") return { status: "processing" };
  return declined(intent);
}

function declined(intent: Stripe.PaymentIntent): ChargeResult & { status: "declined" } {
  if (intent.status === "canceled") return { status: "declined", reason: "The payment was cancelled" };
  return { status: "declined", reason: intent.last_payment_error?.message ?? "The payment was declined" };
}

/** The SDK takes no abort signal: the caller stops waiting, and the idempotency keys make a retry safe. */
function untilAborted<T>(signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    call()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener("abort", abort));
  });
}

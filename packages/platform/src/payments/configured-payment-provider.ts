import type { Config } from "@seed/config";
import { createInProcessPaymentProvider } from "./in-process";
import type { PaymentProvider } from "./payment-provider";
import { createStripePaymentProvider } from "./stripe";

/** The provider the configuration asks for: Stripe when PAYMENT_PROVIDER=stripe, the in-process one otherwise. */
export async function createConfiguredPaymentProvider(settings: Config["payments"]): Promise<PaymentProvider> {
  if (settings.stripe) return createStripePaymentProvider({ ...settings.stripe, timeoutMs: settings.timeoutMs });
  return createInProcessPaymentProvider();
}

import type Stripe from "stripe";

/**
 * Stripe's SDK, loaded when Stripe is the configured provider rather than at every start-up: it
 * held about 3 MiB of every server's memory, Stripe configured or not.
 */
export async function stripeLibrary(): Promise<typeof Stripe> {
  return (await import("stripe")).default;
}

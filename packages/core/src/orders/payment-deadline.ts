import { AppError, type Logger } from "@seed/platform";

/**
 * Runs a call to the payment provider with a deadline. Whatever went wrong, the caller is told
 * only that the payment could not be confirmed, and that a retry is safe: provider calls are
 * idempotent by payment id.
 */
export async function withPaymentDeadline<T>(
  deps: { paymentTimeoutMs: number; log: Logger },
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  try {
    return await call(AbortSignal.timeout(deps.paymentTimeoutMs));
  } catch (error) {
    deps.log.warn({ err: error }, "payment provider call failed");
    throw new AppError(
      "UPSTREAM_UNAVAILABLE",
      "The payment provider did not answer in time; retrying is safe, as nothing is charged or refunded twice",
    );
  }
}

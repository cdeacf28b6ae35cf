import type { PaymentNotice } from "@seed/platform";
import { z } from "zod";
import type { ServiceDependencies } from "../dependencies";
import { recordPaymentResult } from "./payment-settling";
import { queuePayment } from "./process-payment-job";

const orderIdSchema = z.uuid();

/**
 * Records what the payment provider tells by itself (a webhook): a payment that settled after
 * its charge was answered. Each notice may come more than once and in any order; only the first
 * outcome of a payment counts. A notice about no order of this shop is ignored.
 */
export async function receivePaymentNotice(
  deps: ServiceDependencies<"db" | "events" | "jobs" | "payments" | "paymentTimeoutMs">,
  notice: PaymentNotice,
): Promise<void> {
  const log = { eventId: notice.eventId, paymentId: notice.paymentId, result: notice.result.status };
  const order = orderIdSchema.safeParse(notice.paymentId).success
    ? await deps.db.query.orders.findFirst({ where: (orders, { eq }) => eq(orders.id, notice.paymentId) })
    : undefined;
  if (!order) {
    deps.log.warn(log, "payment notice about no order of this shop; ignored");
    return;
  }
  const recorded = await recordPaymentResult(deps, order.id, notice.result);
  deps.log.info({ ...log, recorded }, "payment notice received");
  // The refund is left to the payment job, which retries it with backoff should the provider fail.
  if (recorded === "refund due") await queuePayment(deps.jobs, order.id);
}

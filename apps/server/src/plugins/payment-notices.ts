import type { ApiDependencies } from "@seed/api";
import { receivePaymentNotice } from "@seed/core";
import { PaymentNoticeRefused, type PaymentNotices } from "@seed/platform";
import type { FastifyInstance } from "fastify";
import { refuse } from "./error-responses";

/**
 * The route the payment provider posts its notices to (Stripe's webhooks). The signature covers
 * the exact bytes sent, so this route alone reads its body raw instead of as JSON. A notice that
 * does not verify is refused with 400; one that fails to be recorded is answered 500, so that the
 * provider sends it again later.
 */
export async function paymentNotices(
  app: FastifyInstance,
  { notices, deps }: { notices: PaymentNotices; deps: ApiDependencies },
): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  app.post(notices.path, async (req, reply) => {
    const signature = req.headers[notices.signatureHeader];
    let notice;
    try {
      notice = notices.read(req.body as Buffer, typeof signature === "string" ? signature : undefined);
    } catch (error) {
      if (error instanceof PaymentNoticeRefused) return refuse(req, reply, 400, error.message);
      throw error;
    }
    if (notice) await receivePaymentNotice({ ...deps, log: req.log }, notice);
    return { received: true };
  });
}

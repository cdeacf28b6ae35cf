import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Charge,
  type ChargeResult,
  createInProcessPaymentProvider,
  createStripePaymentProvider,
  PaymentNoticeRefused,
  type PaymentProvider,
} from "../src";
import { startStripeStandIn, type StripeStandIn, testPaymentMethods } from "./stripe-stand-in";

const signal = () => AbortSignal.timeout(5_000);

/** One implementation, with what a test needs to tell what it did. */
interface Subject {
  provider: PaymentProvider;
  /** A charge that the provider takes, and one that it declines. */
  accepted(charge: Charge): Promise<ChargeResult>;
  declined(charge: Charge): Promise<ChargeResult>;
  timesCharged(paymentId: string): number;
  timesRefunded(paymentId: string): number;
}

function inProcess(): Subject {
  const provider = createInProcessPaymentProvider();
  const charges = new Map<string, number>();
  const counted = async (charge: Charge) => {
    const before = provider.charged;
    const result = await provider.charge(charge, signal());
    charges.set(charge.paymentId, (charges.get(charge.paymentId) ?? 0) + provider.charged - before);
    return result;
  };
  const refunds = new Map<string, number>();
  const refund = provider.refund.bind(provider);
  return {
    provider: {
      charge: (charge) => counted(charge),
      async refund(payment, abort) {
        const before = provider.refunded;
        await refund(payment, abort);
        refunds.set(payment.paymentId, (refunds.get(payment.paymentId) ?? 0) + provider.refunded - before);
      },
      find: provider.find.bind(provider),
      findByPaymentId: provider.findByPaymentId.bind(provider),
      cancel: provider.cancel.bind(provider),
    },
    accepted: counted,
    async declined(charge) {
      provider.behaveAs("decline");
      try {
        return await counted(charge);
      } finally {
        provider.behaveAs("succeed");
      }
    },
    timesCharged: (paymentId) => charges.get(paymentId) ?? 0,
    timesRefunded: (paymentId) => refunds.get(paymentId) ?? 0,
  };
}

let stripe: StripeStandIn;
beforeAll(async () => {
  stripe = await startStripeStandIn();
});
afterAll(() => stripe?.close());

function stripeProvider(): Promise<PaymentProvider> {
  return createStripePaymentProvider({
    secretKey: stripe.secretKey,
    webhookSecret: stripe.webhookSecret,
    apiBase: new URL(stripe.url),
    timeoutMs: 5_000,
  });
}

async function throughStripe(): Promise<Subject> {
  const provider = await stripeProvider();
  const intentOf = (paymentId: string) => stripe.intentFor(paymentId)?.id;
  return {
    provider,
    accepted: (charge) => provider.charge({ ...charge, paymentMethod: testPaymentMethods.visa }, signal()),
    declined: (charge) => provider.charge({ ...charge, paymentMethod: testPaymentMethods.declined }, signal()),
    timesCharged: (paymentId) => stripe.charged.filter((id) => id === intentOf(paymentId)).length,
    timesRefunded: (paymentId) => stripe.refunds.filter((id) => id === intentOf(paymentId)).length,
  };
}

const newCharge = (): Charge => ({ paymentId: randomUUID(), amount: 4_500, currency: "EUR" });
const refundOf = (charge: Charge, reference: string | null = null) => ({ ...charge, reference });

describe.each([
  ["in-process", inProcess],
  ["Stripe", throughStripe],
] as const)("the %s payment provider", (_name, subjectOf) => {
  it("takes a payment once however often it is charged, and answers each time as the first", async () => {
    const subject = await subjectOf();
    const charge = newCharge();
    const first = await subject.accepted(charge);
    expect(first).toMatchObject({ status: "succeeded", reference: expect.any(String) });
    expect(await subject.accepted(charge)).toEqual(first);
    expect(subject.timesCharged(charge.paymentId)).toBe(1);
  });

  it("declines a refused payment, takes nothing, and keeps declining it", async () => {
    const subject = await subjectOf();
    const charge = newCharge();
    expect(await subject.declined(charge)).toMatchObject({ status: "declined", reason: expect.any(String) });
    expect(await subject.declined(charge)).toMatchObject({ status: "declined" });
    expect(subject.timesCharged(charge.paymentId)).toBe(0);
  });

  it("refunds a taken payment once, however often it is asked to", async () => {
    const subject = await subjectOf();
    const charge = newCharge();
    const result = await subject.accepted(charge);
    const reference = result.status === "succeeded" ? result.reference : null;
    await subject.provider.refund(refundOf(charge, reference), signal());
    await subject.provider.refund(refundOf(charge, reference), signal());
    expect(subject.timesRefunded(charge.paymentId)).toBe(1);
  });

  it("finds a taken payment to refund by its id alone, when its answer was lost", async () => {
    const subject = await subjectOf();
    const charge = newCharge();
    await subject.accepted(charge);
    await subject.provider.refund(refundOf(charge), signal());
    expect(subject.timesRefunded(charge.paymentId)).toBe(1);
  });

  it("finds a taken payment by its reference and by its payment id, with what was given back, and none it never took", async () => {
    const subject = await subjectOf();
    const charge = newCharge();
    const result = await subject.accepted(charge);
    const reference = result.status === "succeeded" ? result.reference : "";
    const found = {
      reference,
      paymentId: charge.paymentId,
      amount: 4_500,
      currency: "EUR",
      amountRefunded: 0,
      status: "succeeded",
    };
    expect(await subject.provider.find(reference, signal())).toEqual(found);
    expect(await subject.provider.findByPaymentId(charge.paymentId, signal())).toEqual([found]);
    expect(await subject.provider.find("pi_0000000000000000", signal())).toBeNull();
    expect(await subject.provider.findByPaymentId(newCharge().paymentId, signal())).toEqual([]);
    // Refunded, it is still a payment that succeeded, and says what went back.
    await subject.provider.refund(refundOf(charge, reference), signal());
    const refunded = { ...found, amountRefunded: 4_500 };
    expect(await subject.provider.find(reference, signal())).toEqual(refunded);
    expect(await subject.provider.findByPaymentId(charge.paymentId, signal())).toEqual([refunded]);
  });

  it("leaves a taken payment as it is when asked to cancel it, and holds no payment it never took", async () => {
    const subject = await subjectOf();
    const charge = newCharge();
    const result = await subject.accepted(charge);
    const reference = result.status === "succeeded" ? result.reference : "";
    const found = await subject.provider.find(reference, signal());
    expect(await subject.provider.cancel(reference, signal())).toEqual(found);
    expect(await subject.provider.find(reference, signal())).toMatchObject({ status: "succeeded", amountRefunded: 0 });
    expect(await subject.provider.cancel("pi_0000000000000000", signal())).toBeNull();
  });

  it("refunds nothing for a payment that took nothing", async () => {
    const subject = await subjectOf();
    const charge = newCharge();
    await subject.provider.refund(refundOf(charge), signal());
    expect(subject.timesRefunded(charge.paymentId)).toBe(0);
    expect(subject.timesCharged(charge.paymentId)).toBe(0);
  });
});

describe("the Stripe payment provider", () => {
  it("keys each PaymentIntent by the payment id, and every request that changes one by that id too", async () => {
    const provider = await stripeProvider();
    const charge = newCharge();
    const result = await provider.charge({ ...charge, paymentMethod: testPaymentMethods.visa }, signal());
    const intent = stripe.intentFor(charge.paymentId)!;
    expect(result).toEqual({ status: "succeeded", reference: intent.id });
    expect(intent).toMatchObject({ amount: 4_500, currency: "eur", metadata: { payment_id: charge.paymentId } });
    expect([...stripe.intents.values()].filter((each) => each.metadata.payment_id === charge.paymentId)).toHaveLength(
      1,
    );
  });

  it("fails while Stripe answers 500, then takes the payment once when tried again", async () => {
    const provider = await stripeProvider();
    const charge = { ...newCharge(), paymentMethod: testPaymentMethods.visa };
    stripe.failNext(1);
    await expect(provider.charge(charge, signal())).rejects.toThrow();
    expect(stripe.intentFor(charge.paymentId)).toBeUndefined();
    expect(await provider.charge(charge, signal())).toMatchObject({ status: "succeeded" });
    expect(stripe.charged.filter((id) => id === stripe.intentFor(charge.paymentId)!.id)).toHaveLength(1);
  });

  it("answers a bank debit as processing, and cancels instead of refunding a payment never confirmed", async () => {
    const provider = await stripeProvider();
    const debit = newCharge();
    expect(await provider.charge({ ...debit, paymentMethod: testPaymentMethods.bankDebit }, signal())).toEqual({
      status: "processing",
    });
    await expect(provider.refund(refundOf(debit), signal())).rejects.toThrow(/still processing/);

    const unconfirmed = newCharge();
    expect(await provider.charge(unconfirmed, signal())).toMatchObject({ status: "declined" });
    await provider.refund(refundOf(unconfirmed), signal());
    expect(stripe.intentFor(unconfirmed.paymentId)?.status).toBe("canceled");
    expect(stripe.refunds).not.toContain(stripe.intentFor(unconfirmed.paymentId)?.id);
  });

  it("finds a payment that took nothing as declined, and one still settling as processing", async () => {
    const provider = await stripeProvider();
    const declined = newCharge();
    await provider.charge({ ...declined, paymentMethod: testPaymentMethods.declined }, signal());
    const debit = newCharge();
    await provider.charge({ ...debit, paymentMethod: testPaymentMethods.bankDebit }, signal());
    const found = (charge: Charge) => provider.find(stripe.intentFor(charge.paymentId)!.id, signal());

    expect(await found(declined)).toMatchObject({ paymentId: declined.paymentId, status: "declined" });
    expect(await found(debit)).toMatchObject({ paymentId: debit.paymentId, status: "processing" });
    for (const charge of [declined, debit]) {
      expect(await provider.findByPaymentId(charge.paymentId, signal())).toEqual([await found(charge)]);
    }
    stripe.settle(stripe.intentFor(debit.paymentId)!.id, "succeeded");
    expect(await found(debit)).toMatchObject({ status: "succeeded" });
  });

  it("cancels a payment that took nothing, and leaves one that took money as it is", async () => {
    const provider = await stripeProvider();
    const declined = newCharge();
    await provider.charge({ ...declined, paymentMethod: testPaymentMethods.declined }, signal());
    const intent = stripe.intentFor(declined.paymentId)!;
    expect(intent.status).toBe("requires_payment_method");
    const cancelled = { reference: intent.id, paymentId: declined.paymentId, status: "declined", amountRefunded: 0 };
    expect(await provider.cancel(intent.id, signal())).toMatchObject(cancelled);
    expect(stripe.intentFor(declined.paymentId)?.status).toBe("canceled");
    // Asked again (a settlement retried), it is found as it is, cancelled.
    expect(await provider.cancel(intent.id, signal())).toMatchObject(cancelled);
    // Still settling at the bank, it cannot be cancelled, and is found as it is.
    const settling = newCharge();
    await provider.charge({ ...settling, paymentMethod: testPaymentMethods.bankDebit }, signal());
    const settlingIntent = stripe.intentFor(settling.paymentId)!;
    expect(await provider.cancel(settlingIntent.id, signal())).toMatchObject({ status: "processing" });
    expect(settlingIntent.status).toBe("processing");

    const debit = newCharge();
    await provider.charge({ ...debit, paymentMethod: testPaymentMethods.bankDebit }, signal());
    stripe.settle(stripe.intentFor(debit.paymentId)!.id, "succeeded");
    expect(await provider.cancel(stripe.intentFor(debit.paymentId)!.id, signal())).toMatchObject({
      status: "succeeded",
    });
    expect(stripe.intentFor(debit.paymentId)?.status).toBe("succeeded");
  });

  it("declines a payment whose PaymentIntent was cancelled before it was confirmed", async () => {
    const provider = await stripeProvider();
    const charge = newCharge();
    // Given back before it was charged: the intent is made and cancelled, having taken nothing.
    await provider.refund(refundOf(charge), signal());
    expect(await provider.charge({ ...charge, paymentMethod: testPaymentMethods.visa }, signal())).toEqual({
      status: "declined",
      reason: "The payment was cancelled",
    });
    expect(stripe.intentFor(charge.paymentId)?.status).toBe("canceled");
    expect(stripe.charged).not.toContain(stripe.intentFor(charge.paymentId)?.id);
  });

  it("counts a payment refunded already, from the dashboard, as refunded", async () => {
    const provider = await stripeProvider();
    const charge = newCharge();
    const result = await provider.charge({ ...charge, paymentMethod: testPaymentMethods.visa }, signal());
    const reference = result.status === "succeeded" ? result.reference : null;
    // Refunded from the dashboard, under no key of ours.
    stripe.refunds.push(reference!);
    await provider.refund(refundOf(charge, reference), signal());
    expect(stripe.refunds.filter((id) => id === reference)).toHaveLength(1);
  });

  it("stops waiting when its signal aborts", async () => {
    const provider = await stripeProvider();
    await expect(provider.charge(newCharge(), AbortSignal.abort(new Error("deadline")))).rejects.toThrow("deadline");
  });

  describe("notices", () => {
    const notices = async () => (await stripeProvider()).notices!;

    async function settledDebit() {
      const debit = newCharge();
      await (await stripeProvider()).charge({ ...debit, paymentMethod: testPaymentMethods.bankDebit }, signal());
      return { debit, intent: stripe.intentFor(debit.paymentId)! };
    }

    it("reads a signed notice of a settled payment", async () => {
      const { debit, intent } = await settledDebit();
      const event = stripe.settle(intent.id, "succeeded");
      const { body, signature } = stripe.signed(event);
      expect((await notices()).read(Buffer.from(body), signature)).toEqual({
        eventId: event.id,
        paymentId: debit.paymentId,
        result: { status: "succeeded", reference: intent.id },
      });
    });

    it("reads a failed payment as declined, with the bank's reason", async () => {
      const { debit, intent } = await settledDebit();
      const { body, signature } = stripe.signed(stripe.settle(intent.id, "failed"));
      expect((await notices()).read(Buffer.from(body), signature)).toMatchObject({
        paymentId: debit.paymentId,
        result: { status: "declined", reason: "The debit was refused." },
      });
    });

    it("refuses a notice whose signature does not match, or that has none", async () => {
      const { intent } = await settledDebit();
      const reader = await notices();
      const event = stripe.settle(intent.id, "succeeded");
      const forged = stripe.signed(event, "whsec_someoneelse");
      expect(() => reader.read(Buffer.from(forged.body), forged.signature)).toThrow(PaymentNoticeRefused);
      const genuine = stripe.signed(event);
      const altered = genuine.body.replace(`"amount":4500`, `"amount":1`);
      expect(() => reader.read(Buffer.from(altered), genuine.signature)).toThrow(PaymentNoticeRefused);
      expect(() => reader.read(Buffer.from(genuine.body), undefined)).toThrow(PaymentNoticeRefused);
      const notJson = stripe.signed("{not json");
      expect(() => reader.read(Buffer.from(notJson.body), notJson.signature)).toThrow(PaymentNoticeRefused);
    });

    it("passes over events about anything but a payment of this shop", async () => {
      const { intent } = await settledDebit();
      const other = { ...stripe.eventAbout(intent.id, "payment_intent.succeeded"), type: "customer.created" };
      const signedOther = stripe.signed(other);
      expect((await notices()).read(Buffer.from(signedOther.body), signedOther.signature)).toBeNull();
      const foreign = stripe.eventAbout(intent.id, "payment_intent.succeeded");
      (foreign.data.object as { metadata: object }).metadata = {};
      const signedForeign = stripe.signed(foreign);
      expect((await notices()).read(Buffer.from(signedForeign.body), signedForeign.signature)).toBeNull();
    });
  });
});

export type { Charge, ChargeResult, PaymentProvider } from "./payment-provider";
export { createInProcessPaymentProvider } from "./in-process";
export type { InProcessPaymentProvider, PaymentBehaviour } from "./in-process";

export * from "./configured-payment-provider";
export * from "./in-process";
export * from "./payment-provider";
export * from "./stripe";

export * from "./in-process";
export * from "./payment-provider";

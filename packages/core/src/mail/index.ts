export * from "./mail-delivery";
export * from "./mail-dispatch";
export * from "./mail-jobs";

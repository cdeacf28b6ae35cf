export * from "./export-orders-job";
export * from "./export-schemas";
export * from "./order-exports";

export * from "./order-csv";
export * from "./order-listing";
export * from "./order-placing";
export * from "./order-schemas";
export * from "./order-status";
export * from "./order-view";
export * from "./payment-deadline";

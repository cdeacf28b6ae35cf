export * from "./chain-head";
export * from "./chain-report";
export * from "./seal-audit-job";
export * from "./seal-audit-log";
export * from "./verify-audit-chain";

export * from "./access-token-service";
export * from "./shared-secret";
export * from "./signing-key-set";

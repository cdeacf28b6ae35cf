export * from "./users";
export * from "./refresh-sessions";
export * from "./authorization";
export * from "./audit";
export * from "./oauth-accounts";
export * from "./oidc-login-attempts";
export * from "./email";
export * from "./mfa";

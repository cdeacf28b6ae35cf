export * from "./account-linking";
export * from "./identity";
export * from "./login";
export * from "./login-attempts";
export * from "./providers";

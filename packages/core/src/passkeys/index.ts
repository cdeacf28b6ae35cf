export * from "./passkey-challenges";
export * from "./passkey-listing";
export * from "./passkey-management";
export * from "./passkey-policy";
export * from "./passkey-registration";
export * from "./passkey-schemas";
export * from "./passkey-sign-in";
export * from "./passkey-step-up";

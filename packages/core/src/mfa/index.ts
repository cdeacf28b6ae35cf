export * from "./attempt-throttle";
export * from "./challenges";
export * from "./factors";
export * from "./recovery-codes";
export * from "./second-factor";
export * from "./sign-in";
export * from "./totp";
export * from "./unclaimed-factors";

export * from "./clean-up-expired-job";
export * from "./dead-letters";
export * from "./expired-records";

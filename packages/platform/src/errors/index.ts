export * from "./app-error";
export * from "./infrastructure-failure";

export * from "./shutdown";
export * from "./timer-limits";

export * from "./audit";
export * from "./security-events";

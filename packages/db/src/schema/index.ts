export * from "./users";
export * from "./refresh-sessions";

export * from "./live-session";
export * from "./session-cache";
export * from "./session-events";
export * from "./session-invalidations";
export * from "./session-revocation";
export * from "./sessions";

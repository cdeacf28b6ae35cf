export * from "./permission-cache";
export * from "./permission-cache-in-process";
export * from "./permission-cache-redis";
export * from "./invalidated-cache";
export * from "./growing-lru-cache";

export * from "./redis-script";

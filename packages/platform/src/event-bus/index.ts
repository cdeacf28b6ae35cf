export * from "./event-bus";
export * from "./event-ids";
export * from "./in-process";
export * from "./local-channels";
export * from "./measured";
export * from "./pulled";
export * from "./redis";

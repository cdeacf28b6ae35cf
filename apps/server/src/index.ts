export { createServer } from "./server";
export type { Server } from "./server";
export type { Resources, ResourceOverrides } from "./resources";
export type { ServerOptions } from "./server";

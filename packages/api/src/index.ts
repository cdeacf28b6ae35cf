import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./root";

export { appRouter, createCaller } from "./root";
export type { AppRouter } from "./root";
export { createContext, createContextInner } from "./context";
export type { Context, CookieJar, CookieOptions, Headers, TransportInfo } from "./context";
export type { ApiDependencies } from "./dependencies";
export { createAccessTokenService } from "./services/access-tokens";
export type { AccessTokenService } from "./services/access-tokens";
export { createInProcessEventBus, createRedisEventBus } from "./events";
export type { EventBus, SessionEvent } from "./events";
export { AppError } from "./errors";
export type { Logger } from "./logger";
export type { Permission } from "./authorization";
export { router, publicProcedure, protectedProcedure, requireRole, requirePermission } from "./trpc";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

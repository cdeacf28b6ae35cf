import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./root";

export { appRouter, createCaller } from "./root";
export { restRouter } from "./rest-router";
export type { AppRouter } from "./root";
export { accessMatrix, describeAccess } from "./access-matrix";
export { procedureCatalog } from "./procedure-catalog";
export type { DeclaredProcedure, ProcedurePath } from "./procedure-catalog";
export type { AccessRule, ProcedureMeta } from "./procedure-meta";
export { CREDENTIAL_PROCEDURES, SECRET_OUTPUT_PROCEDURES } from "./credential-procedures";
export { GENERATE_COMMAND, generatedDocuments, inventoryOf } from "./generated-documents";
export type { GeneratedDocument } from "./generated-documents";
export { ACCESS_COOKIE, REFRESH_COOKIE, createContext, createContextInner, noCookies } from "./context";
export type { ApiDependencies } from "./dependencies";
export type { Context, CookieJar, CookieOptions, Headers, TransportInfo } from "./context";
export type { Transport } from "./transport";
export { isLiveFeed, liveEvents, resumeInput } from "./live";
export type { LiveConnection, LiveEventsOptions, LiveFeed, LiveReceiver } from "./live";
export type { Notification } from "./routers/notifications";
export type { ProcedureCall, ProcedureInstrumentation } from "./instrumentation";
export {
  router,
  publicProcedure,
  protectedProcedure,
  requirePermission,
  requireOwnership,
  toTRPCError,
  limitUsage,
} from "./trpc";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export { createOpenApiDocument, REST_PREFIX } from "./openapi";

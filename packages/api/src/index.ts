import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./root";

export { appRouter, createCaller } from "./root";
export { createSystemCaller } from "./system-caller";
export type { SystemPrincipal } from "./system-caller";
export { restResponseMeta, restRouter } from "./rest-router";
export type { AppRouter } from "./root";
export { accessMatrix, describeAccess } from "./access-matrix";
export { procedureCatalog } from "./procedure-catalog";
export type { DeclaredProcedure, DeclaredRestRoute, ProcedurePath } from "./procedure-catalog";
export type { AccessRule, ProcedureMeta, RestRoute, RestSuccessStatus } from "./procedure-meta";
export { CREDENTIAL_PROCEDURES, SECRET_OUTPUT_PROCEDURES } from "./credential-procedures";
// The documents themselves are made by tooling (`@seed/api/generated-documents`), out of the server's way.
export { GENERATE_COMMAND } from "./generated-documents/generated-document";
export type { GeneratedDocument } from "./generated-documents/generated-document";
export { inventoryOf } from "./generated-documents/inventory";
export { ACCESS_COOKIE, REFRESH_COOKIE, createContext, createContextInner, noCookies } from "./context";
export type { ApiDependencies } from "./dependencies";
export type { Context, CookieJar, CookieOptions, Headers, TransportInfo } from "./context";
export type { Transport } from "./transport";
export { isLiveFeed, liveEvents, resumeInput } from "./live";
export type { LiveConnection, LiveEventsOptions, LiveFeed, LiveReceiver } from "./live";
export type { Notification } from "./routers/notifications";
export { runAsIs } from "./instrumentation";
export type { CallMeasurement, ProcedureCall, ProcedureInstrumentation } from "./instrumentation";
export {
  router,
  publicProcedure,
  protectedProcedure,
  sessionProcedure,
  requirePermission,
  requireOwnership,
} from "./trpc";
export { toTRPCError } from "./trpc-errors";
export { limitUsage } from "./middlewares/limit-usage";
export { acceptsApiKeys } from "./middlewares/api-keys";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export { createOpenApiDocument, REST_PREFIX } from "./openapi";

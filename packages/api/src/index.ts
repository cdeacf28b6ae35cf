import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./root";

export { appRouter, createCaller } from "./root";
export { restRouter } from "./rest-router";
export type { AppRouter } from "./root";
export { accessMatrix, describeAccess } from "./access-matrix";
export { procedureCatalog } from "./procedure-catalog";
export type { DeclaredProcedure, ProcedurePath } from "./procedure-catalog";
export type { AccessRule, ProcedureMeta } from "./procedure-meta";
export { CREDENTIAL_PROCEDURES } from "./credential-procedures";
export { GENERATE_COMMAND, generatedDocuments, inventoryOf } from "./generated-documents";
export type { GeneratedDocument } from "./generated-documents";
export { bootstrap } from "./bootstrap";
export { ACCESS_COOKIE, REFRESH_COOKIE, createContext, createContextInner, noCookies } from "./context";
export type { Context, CookieJar, CookieOptions, Headers, Transport, TransportInfo } from "./context";
export type { ApiDependencies } from "./dependencies";
export type { Actor, Principal } from "./actor";
export {
  CLOCK_TOLERANCE_SECONDS,
  createAccessTokenService,
  rotateSigningKey,
  sharedSecretKeys,
  signingKeySet,
} from "./services/access-tokens";
export type { AccessTokenService, KeySource } from "./services/access-tokens";
export { createOidcProviders } from "./services/oidc/providers";
export type { OidcProviders } from "./services/oidc/providers";
export { deriveSealingKey } from "./services/sealing";
export { createSessionCache, defaultSessionCacheOptions, sessionInvalidator } from "./services/session-cache";
export type { SessionCache, SessionCacheOptions, SessionInvalidator } from "./services/session-cache";
export {
  createInProcessEventBus,
  createRedisEventBus,
  measuredEventBus,
  productChangesChannel,
  userOrdersChannel,
} from "./events";
export type {
  EventBus,
  EventBusObserver,
  EventBusOptions,
  InProcessEventBusOptions,
  OrderStatusChange,
  ProductChange,
  SessionEvent,
  TrackedEvent,
} from "./events";
export { isLiveFeed, liveEvents, resumeInput } from "./live";
export type { LiveConnection, LiveEventsOptions, LiveFeed, LiveReceiver } from "./live";
export type { Notification } from "./routers/notifications";
export {
  createInProcessPermissionCache,
  createRedisPermissionCache,
  permissionCatalog,
  roleCatalog,
} from "./authorization";
export type { Permission, PermissionCache, RoleName } from "./authorization";
export {
  createInProcessConcurrencyLimiter,
  createInProcessLoginThrottle,
  createInProcessUsageLimiter,
  createRedisConcurrencyLimiter,
  createRedisLoginThrottle,
  createRedisUsageLimiter,
} from "./throttling";
export type { ConcurrencyLimiter, LoginThrottle, UsageLimiter } from "./throttling";
export { createConfiguredMailer, createOutboxMailer, createQueuedMailer, createSmtpMailer } from "./mail";
export { stopOnSignals } from "./shutdown";
export { createBullJobQueue, createInProcessJobQueue } from "./jobs";
export type {
  DeadLetter,
  JobCounts,
  JobDependencies,
  JobName,
  JobPayload,
  JobQueue,
  JobSettings,
  JobStatus,
} from "./jobs";
export type { ProcedureCall, ProcedureInstrumentation } from "./instrumentation";
export { deleteExpiredRecords, expiringRecords } from "./services/expired-records";
export { findUserByEmail, makeAdmin } from "./services/admin-accounts";
export type { MakeAdminOutcome } from "./services/admin-accounts";
export { revokeAllSessions } from "./services/sessions";
export { systemActor } from "./actor";
export { emailSchema, newPasswordSchema } from "./validators";
export { textSchema } from "./schemas/text";
export type { ExpiredRecordCounts, ExpiringRecord } from "./services/expired-records";
export type { Mailer, MailMessage } from "./mail";
export { configurePasswordHashing } from "./services/passwords";
export { createInProcessPaymentProvider } from "./payments";
export { DEFAULT_DEMO_SIZE, seedDemoData } from "./demo";
export type { DemoDataSize } from "./demo";
export type { InProcessPaymentProvider, PaymentBehaviour, PaymentProvider } from "./payments";
export { AppError } from "./errors";
export type { Logger } from "./logger";
export {
  router,
  publicProcedure,
  protectedProcedure,
  requirePermission,
  requireOwnership,
  toTRPCError,
  limitUsage,
} from "./trpc";
export { isInfrastructureFailure } from "./infrastructure-failure";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export { createOpenApiDocument, REST_PREFIX } from "./openapi";

import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./root";

export { appRouter, createCaller } from "./root";
export type { AppRouter } from "./root";
export { accessMatrix } from "./access-matrix";
export type { AccessRule, ProcedurePath } from "./access-matrix";
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
export { createInProcessEventBus, createRedisEventBus } from "./events";
export type { EventBus, SessionEvent } from "./events";
export {
  createInProcessPermissionCache,
  createRedisPermissionCache,
  permissionCatalog,
  roleCatalog,
} from "./authorization";
export type { Permission, PermissionCache, RoleName } from "./authorization";
export {
  createInProcessLoginThrottle,
  createInProcessUsageLimiter,
  createRedisLoginThrottle,
  createRedisUsageLimiter,
} from "./throttling";
export type { LoginThrottle, UsageLimiter } from "./throttling";
export { createOutboxMailer, createSmtpMailer } from "./mail";
export type { Mailer, MailMessage } from "./mail";
export { configurePasswordHashing } from "./services/passwords";
export { createInProcessPaymentProvider } from "./payments";
export type { InProcessPaymentProvider, PaymentBehaviour, PaymentProvider } from "./payments";
export { AppError } from "./errors";
export type { Logger } from "./logger";
export {
  router,
  publicProcedure,
  protectedProcedure,
  requireRole,
  requirePermission,
  requireAllPermissions,
  requireOwnership,
  limitUsage,
} from "./trpc";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export { createOpenApiDocument, REST_PREFIX } from "./openapi";

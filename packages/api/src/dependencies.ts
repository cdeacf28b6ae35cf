import type { Database } from "@seed/db";
import type { PermissionCache } from "./authorization";
import type { EventBus } from "./events";
import type { ProcedureInstrumentation } from "./instrumentation";
import type { JobQueue } from "./jobs";
import type { Mailer } from "./mail";
import type { PaymentProvider } from "./payments";
import type { AccessTokenService } from "./services/access-tokens";
import type { SessionCache } from "./services/session-cache";
import type { LoginThrottle, UsageBudgetPolicy, UsageLimiter } from "./throttling";
import type { OidcProviders } from "./services/oidc/providers";

/** What the api is built from; made once at start-up by the server (or a test, or a worker). */
export interface ApiDependencies {
  db: Database;
  accessTokens: AccessTokenService;
  events: EventBus;
  permissionCache: PermissionCache;
  /** The sessions recently found live; invalidated through `events`. */
  sessionCache: SessionCache;
  loginThrottle: LoginThrottle;
  usageLimiter: UsageLimiter;
  /** How many orders a user, and an address, may place per window. */
  orderPlacingBudget: UsageBudgetPolicy;
  mailer: Mailer;
  /** The web app's URL, for links in emails. */
  appUrl: string;
  refreshTokenTtlSeconds: number;
  /** Whether cookies carry the Secure flag; only a plain-http localhost setup turns it off. */
  cookieSecure: boolean;
  /** The identity providers of OIDC_PROVIDERS; none when it is unset. */
  oidcProviders: OidcProviders;
  /** Seals TOTP secrets at rest (AES-256-GCM); derived from the server's secret. */
  mfaSealingKey: Uint8Array;
  /** Background jobs: queued by procedures, run by a worker. */
  jobs: JobQueue;
  /** Metrics and tracing of procedure calls, when the host process collects them. */
  instrumentation?: ProcedureInstrumentation;
  payments: PaymentProvider;
  /** How long a call to the payment provider may take before the caller is told to retry. */
  paymentTimeoutMs: number;
}

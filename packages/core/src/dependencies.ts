import type { Database } from "@seed/db";
import type {
  EventBus,
  JobQueue,
  Logger,
  LoginThrottle,
  Mailer,
  MailSender,
  PaymentProvider,
  PermissionCache,
  UsageBudgetPolicy,
  UsageLimiter,
} from "@seed/platform";
import type { AccessTokenService } from "./auth/access-tokens/access-token-service";
import type { SessionCache } from "./sessions/session-cache";
import type { OidcProviders } from "./oidc/providers";
import type { ApiKeyCache } from "./api-keys/api-key-cache";
import type { ApiKeyPolicy } from "./api-keys/api-key-policy";
import type { PasskeyPolicy } from "./passkeys/passkey-policy";
import type { WebhookSettings } from "./webhooks/webhook-settings";

/**
 * What the domain works with; made once at start-up by the server (or a test, or a worker).
 * A service names the part it needs as a `Pick` of it.
 */
export interface Dependencies {
  db: Database;
  accessTokens: AccessTokenService;
  events: EventBus;
  permissionCache: PermissionCache;
  /** The sessions recently found live; invalidated through `events`. */
  sessionCache: SessionCache;
  /** The API keys recently found usable; invalidated through `events`. */
  apiKeyCache: ApiKeyCache;
  /** Lifetimes, numbers and rate limits of API keys, from the configuration. */
  apiKeyPolicy: ApiKeyPolicy;
  loginThrottle: LoginThrottle;
  usageLimiter: UsageLimiter;
  /** How many orders a user, and an address, may place per window. */
  orderPlacingBudget: UsageBudgetPolicy;
  /** Takes mail from requests into the outbox. */
  mailer: Mailer;
  /** Sends the outbox's mail, from the jobs; none without an SMTP server. */
  mailSender: MailSender | null;
  /** The web app's URL, for links in emails. */
  appUrl: string;
  refreshTokenTtlSeconds: number;
  /** Whether cookies carry the Secure flag; only a plain-http localhost setup turns it off. */
  cookieSecure: boolean;
  /** The identity providers of OIDC_PROVIDERS; none when it is unset. */
  oidcProviders: OidcProviders;
  /** The relying party and origins of passkeys, and the step-up their changes take. */
  passkeyPolicy: PasskeyPolicy;
  /** Seals TOTP secrets at rest (AES-256-GCM); derived from the server's secret. */
  mfaSealingKey: Uint8Array;
  /**
   * Background jobs: queued by procedures, run by a worker. Each payload is checked against its
   * job's definition when it is queued; the catalogue is not named here, as its jobs use the
   * services that name these dependencies.
   */
  jobs: JobQueue;
  payments: PaymentProvider;
  /** How long a call to the payment provider may take before the caller is told to retry. */
  paymentTimeoutMs: number;
  /** How webhooks reach their endpoints, how they are signed and retried. */
  webhooks: WebhookSettings;
}

/**
 * What a service function is given, its first parameter: the part of the dependencies it uses,
 * and the log of the call it serves.
 */
export type ServiceDependencies<TNeeds extends keyof Dependencies> = Pick<Dependencies, TNeeds> & { log: Logger };

import { randomBytes } from "node:crypto";
import { envSchema, type Env } from "./env-schema";
import type { OidcProviderSettings } from "./oidc-providers";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface Config {
  env: Env["NODE_ENV"];
  host: string;
  port: number;
  logLevel: Env["LOG_LEVEL"];
  database: { url: string | undefined; dataDir: string };
  redis: { url: string | undefined; keyPrefix: string };
  auth: {
    jwtSecret: Uint8Array;
    /** True when no JWT_SECRET was given and a random one was made for this process only. */
    jwtSecretIsEphemeral: boolean;
    /**
     * EdDSA: a rotating set of key pairs in the database, public keys at /.well-known/jwks.json.
     * HS256: JWT_SECRET signs; only holders of the secret can verify.
     */
    algorithm: "EdDSA" | "HS256";
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    /** The argon2id cost of new password hashes. */
    passwordHashing: { memoryKiB: number; passes: number; lanes: number };
  };
  mail: {
    /** Where links in emails point: the web app that opens them. */
    appUrl: string;
    /** Send through this SMTP server; unset, mail only goes to the outbox table and the log. */
    smtpUrl: string | undefined;
    from: string;
  };
  /** The directory of the built web app, served at / when it exists; relative paths start at the working directory. */
  webAppDir: string;
  /** The first admin, created or promoted at start-up when no admin exists yet. */
  firstAdmin: { email: string; password: string } | null;
  /** Sign-in through OpenID Connect providers; null when none is configured. */
  oidc: { providers: OidcProviderSettings[]; redirectUri: string } | null;
  http: {
    corsOrigins: string[];
    cookieSecure: boolean;
    trustProxy: false | number | string[];
    bodyLimitBytes: number;
    maxBatchSize: number;
  };
  rateLimit: { max: number; authMax: number; windowMs: number; ordersPerUser: number };
  /** Personal API keys: the longest lifetime, how many a user may hold, calls per key per rate-limit window. */
  apiKeys: { maxLifetimeDays: number; maxPerUser: number; rateLimitMax: number };
  /**
   * Passkeys: the relying party (the domain passkeys are bound to, and the name authenticators
   * show), the origins whose pages may use them, and how recent a sign-in adding or removing one takes.
   */
  passkeys: { rpId: string; rpName: string; origins: string[]; recentSignInMs: number };
  shutdownTimeoutMs: number;
  /** `/metrics` is served only when a token is set, and only to requests bearing it. */
  metrics: { token: string | null };
  /** Spans go to this OTLP/HTTP endpoint; null turns tracing off. */
  tracing: { endpoint: string | null; serviceName: string };
  jobs: {
    /** Whether the server process also works on jobs; off when `apps/worker` runs them. */
    runInServer: boolean;
    concurrency: number;
    attempts: number;
    /** The first retry waits this long; each later one twice as long as the one before. */
    backoffMs: number;
    /** A job whose worker stops renewing its lock for this long is handed to another worker. */
    stalledAfterMs: number;
    cleanupCron: string;
    /** When the audit log's new rows are sealed into its hash chain (and its head is logged). */
    auditSealCron: string;
    /** When the webhook outbox is swept, besides right after each commit that writes to it. */
    webhookDispatchCron: string;
    /** When the mail outbox is swept for messages to send, besides right after each one is written. */
    mailDispatchCron: string;
    /** When payments whose job was lost are queued again, besides when a worker starts. */
    paymentRecoveryCron: string;
  };
  /** Outgoing webhooks: how they are sent, and how often a failing one is tried again. */
  webhooks: {
    /** Lets endpoints be on private, loopback and link-local addresses: development only. */
    allowPrivateNetworks: boolean;
    timeoutMs: number;
    maxResponseBytes: number;
    attempts: number;
    /** The first retry waits this long; each later one twice as long as the one before. */
    backoffMs: number;
  };
  payments: {
    /** How long one call to the payment provider may take before the caller is told to retry. */
    timeoutMs: number;
    /** Payments through Stripe; null for the in-process provider, which accepts every charge. */
    stripe: { secretKey: string; webhookSecret: string; apiBase: URL | null } | null;
  };
  /** Live updates: how events are kept for resuming, and what one client may hold. */
  live: {
    retentionMs: number;
    /** Events kept for resuming by the embedded (in-process) bus, across channels. */
    ringSize: number;
    /** Events that may wait for one subscriber before it is ended. */
    maxQueuedEvents: number;
    pingIntervalMs: number;
    pongWaitMs: number;
    /** A socket with no subscription for this long is closed. */
    idleTimeoutMs: number;
    maxSubscriptionsPerConnection: number;
    /** Sockets one user may hold open on one instance. */
    maxConnectionsPerUser: number;
    /** Sockets and event streams one client address may hold open at once, across instances. */
    maxConnectionsPerAddress: number;
    /** Sockets and event streams one client address may open per minute, across instances. */
    maxNewConnectionsPerAddressPerMinute: number;
    /** Subscriptions one client address may hold open at once, on all its connections, across instances. */
    maxSubscriptionsPerAddress: number;
    maxMessageBytes: number;
    /** Bytes waiting to be sent on one socket before its subscriptions are ended as too slow. */
    maxBufferedBytes: number;
  };
}

// What copied examples and templates leave in place of a secret.
const PLACEHOLDER =
  /change[-_ ]?(?:me|it|this)|replace[-_ ]?(?:me|this)|placeholder|example|your[-_ ]|secret|password|<|>/i;

/** A value few characters long in effect, or one a template left in place of a random one. */
function isPredictable(value: string): boolean {
  return new Set(value).size < 8 || PLACEHOLDER.test(value);
}

/**
 * Reads the environment once. Any missing or malformed variable throws a ConfigError whose
 * message is a single line naming every offending variable, never echoing its value (it may
 * be a secret).
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
  }
  const env = parsed.data;

  if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
    const missing = env.ADMIN_EMAIL ? "ADMIN_PASSWORD" : "ADMIN_EMAIL";
    throw new ConfigError(`Invalid configuration: ${missing}: required when the other ADMIN_ variable is set`);
  }

  if (env.OIDC_PROVIDERS.length > 0 && !env.OIDC_REDIRECT_URI) {
    throw new ConfigError("Invalid configuration: OIDC_REDIRECT_URI: required when OIDC_PROVIDERS is set");
  }

  // Without Redis the jobs live in the server's memory: no other process could ever run them.
  if (!env.JOBS_RUN_IN_SERVER && !env.REDIS_URL) {
    throw new ConfigError("Invalid configuration: JOBS_RUN_IN_SERVER: can only be false when REDIS_URL is set");
  }

  const stripe = stripeSettings(env);
  const passkeys = passkeySettings(env);

  if (env.NODE_ENV === "production") {
    // A test key takes no money: a shop running on one would hand out goods for nothing.
    if (stripe && /^(sk|rk)_test_/.test(stripe.secretKey)) {
      throw new ConfigError("Invalid configuration: STRIPE_SECRET_KEY: a test key cannot be used in production");
    }
    if (!env.JWT_SECRET) throw new ConfigError("Invalid configuration: JWT_SECRET: required in production");
    for (const [name, value] of [
      ["JWT_SECRET", env.JWT_SECRET],
      ["METRICS_TOKEN", env.METRICS_TOKEN],
    ] as const) {
      if (value !== undefined && isPredictable(value)) {
        throw new ConfigError(`Invalid configuration: ${name}: too predictable, use a random value`);
      }
    }
    if (!env.COOKIE_SECURE) {
      throw new ConfigError("Invalid configuration: COOKIE_SECURE: cannot be false in production");
    }
    // A page served over plain http could be anyone's on the path, and so could its passkey
    // ceremonies; browsers make an exception for localhost only, and so does this.
    const plain = passkeys.origins.filter((origin) => !origin.startsWith("https://") && !isLocalhost(origin));
    if (plain.length > 0) {
      throw new ConfigError(
        `Invalid configuration: WEBAUTHN_ORIGINS: ${plain.join(", ")} must be https in production (set APP_URL, or WEBAUTHN_ORIGINS)`,
      );
    }
    // Webhook URLs are chosen by people: inside addresses would let them reach the server's network.
    if (env.WEBHOOK_ALLOW_PRIVATE_NETWORKS) {
      throw new ConfigError("Invalid configuration: WEBHOOK_ALLOW_PRIVATE_NETWORKS: cannot be true in production");
    }
  }

  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    database: { url: env.DATABASE_URL, dataDir: env.DATA_DIR },
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
    auth: {
      jwtSecret: env.JWT_SECRET ? new TextEncoder().encode(env.JWT_SECRET) : randomBytes(32),
      jwtSecretIsEphemeral: !env.JWT_SECRET,
      algorithm: env.JWT_ALGORITHM,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
      passwordHashing: { memoryKiB: env.ARGON2_MEMORY_KIB, passes: env.ARGON2_PASSES, lanes: env.ARGON2_LANES },
    },
    mail: { appUrl: env.APP_URL.replace(/\/$/, ""), smtpUrl: env.SMTP_URL, from: env.MAIL_FROM },
    webAppDir: env.WEB_APP_DIR,
    firstAdmin: env.ADMIN_EMAIL && env.ADMIN_PASSWORD ? { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD } : null,
    oidc:
      env.OIDC_PROVIDERS.length > 0 && env.OIDC_REDIRECT_URI
        ? { providers: env.OIDC_PROVIDERS, redirectUri: env.OIDC_REDIRECT_URI }
        : null,
    http: {
      corsOrigins: env.CORS_ORIGINS,
      cookieSecure: env.COOKIE_SECURE,
      trustProxy: env.TRUST_PROXY,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      maxBatchSize: env.MAX_BATCH_SIZE,
    },
    rateLimit: {
      max: env.RATE_LIMIT_MAX,
      authMax: env.AUTH_RATE_LIMIT_MAX,
      windowMs: env.RATE_LIMIT_WINDOW_MS,
      ordersPerUser: env.ORDER_RATE_LIMIT_MAX,
    },
    apiKeys: {
      maxLifetimeDays: env.API_KEY_MAX_LIFETIME_DAYS,
      maxPerUser: env.API_KEY_MAX_PER_USER,
      rateLimitMax: env.API_KEY_RATE_LIMIT_MAX,
    },
    passkeys,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    metrics: { token: env.METRICS_TOKEN ?? null },
    tracing: { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT ?? null, serviceName: env.OTEL_SERVICE_NAME },
    jobs: {
      runInServer: env.JOBS_RUN_IN_SERVER,
      concurrency: env.JOB_CONCURRENCY,
      attempts: env.JOB_ATTEMPTS,
      backoffMs: env.JOB_BACKOFF_MS,
      stalledAfterMs: env.JOB_STALLED_AFTER_MS,
      cleanupCron: env.CLEANUP_CRON,
      auditSealCron: env.AUDIT_SEAL_CRON,
      webhookDispatchCron: env.WEBHOOK_DISPATCH_CRON,
      mailDispatchCron: env.MAIL_DISPATCH_CRON,
      paymentRecoveryCron: env.PAYMENT_RECOVERY_CRON,
    },
    webhooks: {
      allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      maxResponseBytes: env.WEBHOOK_MAX_RESPONSE_BYTES,
      attempts: env.WEBHOOK_ATTEMPTS,
      backoffMs: env.WEBHOOK_BACKOFF_MS,
    },
    payments: { timeoutMs: env.PAYMENT_TIMEOUT_MS, stripe },
    live: {
      retentionMs: env.EVENT_RETENTION_SECONDS * 1000,
      ringSize: env.EVENT_RING_SIZE,
      maxQueuedEvents: env.SUBSCRIPTION_QUEUE_LIMIT,
      pingIntervalMs: env.WS_PING_INTERVAL_MS,
      pongWaitMs: env.WS_PONG_WAIT_MS,
      idleTimeoutMs: env.WS_IDLE_TIMEOUT_MS,
      maxSubscriptionsPerConnection: env.WS_MAX_SUBSCRIPTIONS,
      maxConnectionsPerUser: env.WS_MAX_CONNECTIONS_PER_USER,
      maxConnectionsPerAddress: env.LIVE_MAX_CONNECTIONS_PER_ADDRESS,
      maxNewConnectionsPerAddressPerMinute: env.LIVE_MAX_NEW_CONNECTIONS_PER_ADDRESS_PER_MINUTE,
      maxSubscriptionsPerAddress: env.LIVE_MAX_SUBSCRIPTIONS_PER_ADDRESS,
      maxMessageBytes: env.WS_MAX_MESSAGE_BYTES,
      maxBufferedBytes: env.WS_MAX_BUFFERED_BYTES,
    },
  };
}

/** The Stripe settings when PAYMENT_PROVIDER=stripe, each of which is then required. */
function stripeSettings(env: Env): Config["payments"]["stripe"] {
  const given = ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"] as const;
  if (env.PAYMENT_PROVIDER !== "stripe") {
    const stray = given.filter((name) => env[name] !== undefined);
    if (stray.length > 0) {
      throw new ConfigError(`Invalid configuration: ${stray.join(", ")}: only read when PAYMENT_PROVIDER=stripe`);
    }
    return null;
  }
  if (!env.STRIPE_SECRET_KEY || !env.STRIPE_WEBHOOK_SECRET) {
    const missing = given.slice(0, 2).filter((name) => !env[name]);
    throw new ConfigError(`Invalid configuration: ${missing.join(", ")}: required when PAYMENT_PROVIDER=stripe`);
  }
  return {
    secretKey: env.STRIPE_SECRET_KEY,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET,
    apiBase: env.STRIPE_API_BASE ? new URL(env.STRIPE_API_BASE) : null,
  };
}

const isLocalhost = (origin: string) => new URL(origin).hostname === "localhost";

/**
 * The relying party and origins of passkeys, APP_URL's unless set. Each origin must be on the
 * relying party id's domain (that domain or below it): a browser refuses the ceremony otherwise,
 * so such a setting is a mistake to point out at start-up, not in front of a user.
 */
function passkeySettings(env: Env): Config["passkeys"] {
  const appUrl = new URL(env.APP_URL);
  const rpId = env.WEBAUTHN_RP_ID ?? appUrl.hostname;
  const origins = (env.WEBAUTHN_ORIGINS ?? [appUrl.origin]).map((origin) => new URL(origin).origin);
  const outside = origins.filter((origin) => {
    const host = new URL(origin).hostname;
    return host !== rpId && !host.endsWith(`.${rpId}`);
  });
  if (outside.length > 0) {
    throw new ConfigError(
      `Invalid configuration: WEBAUTHN_ORIGINS: ${outside.join(", ")} not on the domain of WEBAUTHN_RP_ID (${rpId})`,
    );
  }
  return {
    rpId,
    rpName: env.WEBAUTHN_RP_NAME,
    origins,
    recentSignInMs: env.WEBAUTHN_RECENT_SIGN_IN_MINUTES * 60_000,
  };
}

import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import { oidcProvidersSchema, secureUrl } from "./oidc-providers";

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const boolean = z
  .enum(["true", "false", "1", "0"], { message: "expected true or false" })
  .transform((value) => value === "true" || value === "1");

const commaSeparatedOrigins = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/, message: "expected a comma-separated list of http(s) origins" })));

/**
 * Which proxies may speak for the client in X-Forwarded-For: none, the last N hops, or the listed
 * addresses and ranges. "true" is refused: trusting every hop lets any client pick its own IP.
 */
const trustedProxies = z
  .string()
  .refine(
    (value) => value !== "true",
    "trusting every hop lets clients forge their address; give the number of proxies or their addresses",
  )
  .transform((value): false | number | string[] => {
    if (value === "false" || value === "0") return false;
    if (/^\d+$/.test(value)) return Number(value);
    return value
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
  })
  .refine(
    (value) => !Array.isArray(value) || value.every((entry) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry)),
    "expected false, a number of proxies, or comma-separated addresses and CIDR ranges",
  );

const cronPattern = z.string().refine((value) => {
  try {
    CronExpressionParser.parse(value);
    return true;
  } catch {
    return false;
  }
}, "expected a cron pattern such as '0 3 * * *'");

/**
 * Every environment variable the server reads. `.env.example` documents each one;
 * a test keeps the two lists identical.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: integer(0, 65_535).default(3000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, message: "expected a postgres:// URL" }).optional(),
  DATA_DIR: z.string().min(1).default(".data/pglite"),
  REDIS_URL: z.url({ protocol: /^rediss?$/, message: "expected a redis:// URL" }).optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/, "expected letters, digits, '_', ':', '.' or '-'")
    .default("seed:"),

  JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  JWT_ALGORITHM: z.enum(["EdDSA", "HS256"]).default("EdDSA"),
  JWT_ISSUER: z.string().min(1).default("seed"),
  JWT_AUDIENCE: z.string().min(1).default("seed-api"),
  ACCESS_TOKEN_TTL_SECONDS: integer(30, 3600).default(900),
  REFRESH_TOKEN_TTL_SECONDS: integer(300, 90 * 24 * 3600).default(30 * 24 * 3600),

  ARGON2_MEMORY_KIB: integer(19_456, 4 * 1024 * 1024).default(19_456),
  ARGON2_PASSES: integer(2, 20).default(2),
  ARGON2_LANES: integer(1, 16).default(1),

  ADMIN_EMAIL: z.email({ message: "expected an email address" }).optional(),
  ADMIN_PASSWORD: z.string().min(12, "must be at least 12 characters").max(128).optional(),

  OIDC_PROVIDERS: oidcProvidersSchema.default([]),
  // The provider sends the browser back here with the code and state; it is compared exactly,
  // so it carries no query or fragment of its own.
  OIDC_REDIRECT_URI: secureUrl.refine((value) => !/[?#]/.test(value), "must have no query or fragment").optional(),

  APP_URL: z
    .url({ protocol: /^https?$/, message: "expected the http(s) URL of the web app" })
    .default("http://localhost:3000"),
  SMTP_URL: z.url({ protocol: /^smtps?$/, message: "expected an smtp:// or smtps:// URL" }).optional(),
  MAIL_FROM: z.string().min(3).default("Seed <no-reply@localhost>"),
  MAIL_DISPATCH_CRON: cronPattern.default("* * * * *"),
  /** The built web app (apps/web/dist); served at / when it holds an index.html. */
  WEB_APP_DIR: z.string().min(1).default("apps/web/dist"),

  CORS_ORIGINS: commaSeparatedOrigins.default([]),
  COOKIE_SECURE: boolean.default(true),
  TRUST_PROXY: trustedProxies.default(false),
  BODY_LIMIT_BYTES: integer(1024, 50 * 1024 * 1024).default(1024 * 1024),
  MAX_BATCH_SIZE: integer(1, 100).default(20),

  RATE_LIMIT_MAX: integer(1, 1_000_000).default(600),
  AUTH_RATE_LIMIT_MAX: integer(1, 10_000).default(20),
  ORDER_RATE_LIMIT_MAX: integer(1, 1_000_000).default(30),
  RATE_LIMIT_WINDOW_MS: integer(1000, 3_600_000).default(60_000),

  API_KEY_MAX_LIFETIME_DAYS: integer(1, 3650).default(90),
  API_KEY_MAX_PER_USER: integer(1, 1000).default(25),
  API_KEY_RATE_LIMIT_MAX: integer(1, 1_000_000).default(600),

  /** Unset: the host of APP_URL. Passkeys are bound to it: changing it later orphans them all. */
  WEBAUTHN_RP_ID: z
    .string()
    .regex(/^[a-z0-9.-]+$/, "expected a domain name such as example.com, without scheme or port")
    .optional(),
  WEBAUTHN_RP_NAME: z.string().min(1).max(64).default("Seed"),
  /** Unset: the origin of APP_URL. */
  WEBAUTHN_ORIGINS: commaSeparatedOrigins.optional(),
  WEBAUTHN_RECENT_SIGN_IN_MINUTES: integer(1, 24 * 60).default(10),

  SHUTDOWN_TIMEOUT_MS: integer(0, 120_000).default(10_000),

  METRICS_TOKEN: z.string().min(32, "must be at least 32 characters").optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, message: "expected an http(s) URL" }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default("seed"),

  JOBS_RUN_IN_SERVER: boolean.default(true),
  JOB_CONCURRENCY: integer(1, 100).default(4),
  JOB_ATTEMPTS: integer(1, 25).default(5),
  JOB_BACKOFF_MS: integer(10, 3_600_000).default(5_000),
  JOB_STALLED_AFTER_MS: integer(1000, 600_000).default(30_000),
  CLEANUP_CRON: cronPattern.default("0 3 * * *"),
  AUDIT_SEAL_CRON: cronPattern.default("* * * * *"),

  WEBHOOK_ALLOW_PRIVATE_NETWORKS: boolean.default(false),
  WEBHOOK_TIMEOUT_MS: integer(100, 60_000).default(10_000),
  WEBHOOK_MAX_RESPONSE_BYTES: integer(1024, 10 * 1024 * 1024).default(64 * 1024),
  WEBHOOK_ATTEMPTS: integer(1, 25).default(8),
  WEBHOOK_BACKOFF_MS: integer(10, 3_600_000).default(30_000),
  WEBHOOK_DISPATCH_CRON: cronPattern.default("* * * * *"),

  PAYMENT_TIMEOUT_MS: integer(100, 120_000).default(10_000),
  PAYMENT_PROVIDER: z.enum(["in-process", "stripe"]).default("in-process"),
  PAYMENT_RECOVERY_CRON: cronPattern.default("*/5 * * * *"),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, "expected a Stripe secret key (sk_live_..., sk_test_... or rk_...)")
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9_]+$/, "expected the signing secret of a Stripe webhook endpoint (whsec_...)")
    .optional(),
  /** Where the Stripe API is served instead of api.stripe.com: a local stand-in, in tests. */
  STRIPE_API_BASE: z
    .url({ protocol: /^https?$/, message: "expected the http(s) URL of a Stripe API" })
    .refine((value) => /^https?:\/\/[^/]+\/?$/.test(value), "expected an origin, with no path")
    .optional(),
  EVENT_RETENTION_SECONDS: integer(10, 7 * 24 * 3600).default(300),
  EVENT_RING_SIZE: integer(100, 1_000_000).default(10_000),
  SUBSCRIPTION_QUEUE_LIMIT: integer(10, 100_000).default(1000),
  WS_PING_INTERVAL_MS: integer(1000, 600_000).default(30_000),
  WS_PONG_WAIT_MS: integer(500, 60_000).default(5000),
  WS_IDLE_TIMEOUT_MS: integer(1000, 3_600_000).default(300_000),
  WS_MAX_SUBSCRIPTIONS: integer(1, 1000).default(50),
  WS_MAX_CONNECTIONS_PER_USER: integer(1, 1000).default(10),
  LIVE_MAX_CONNECTIONS_PER_ADDRESS: integer(1, 100_000).default(100),
  LIVE_MAX_NEW_CONNECTIONS_PER_ADDRESS_PER_MINUTE: integer(1, 1_000_000).default(300),
  LIVE_MAX_SUBSCRIPTIONS_PER_ADDRESS: integer(1, 1_000_000).default(2000),
  WS_MAX_MESSAGE_BYTES: integer(1024, 16 * 1024 * 1024).default(65_536),
  WS_MAX_BUFFERED_BYTES: integer(16_384, 256 * 1024 * 1024).default(4 * 1024 * 1024),
});

export type Env = z.infer<typeof envSchema>;

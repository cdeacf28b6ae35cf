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
  rateLimit: { max: number; authMax: number; windowMs: number };
  shutdownTimeoutMs: number;
  payments: { timeoutMs: number };
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

  if (env.NODE_ENV === "production") {
    if (!env.JWT_SECRET) throw new ConfigError("Invalid configuration: JWT_SECRET: required in production");
    if (new Set(env.JWT_SECRET).size < 8) {
      throw new ConfigError("Invalid configuration: JWT_SECRET: too predictable, use a random value");
    }
    if (!env.COOKIE_SECURE) {
      throw new ConfigError("Invalid configuration: COOKIE_SECURE: cannot be false in production");
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
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    payments: { timeoutMs: env.PAYMENT_TIMEOUT_MS },
  };
}

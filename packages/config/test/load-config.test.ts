import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, envSchema, loadConfig } from "../src";

const strongSecret = "k3J9x!Qz7#vL2mP8sR5tW1yB4nC6dF0g";

describe("loadConfig", () => {
  it("starts on safe defaults when nothing is set", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: "development",
      host: "127.0.0.1",
      port: 3000,
      database: { url: undefined, dataDir: ".data/pglite" },
      redis: { url: undefined },
      http: { corsOrigins: [], cookieSecure: true, trustProxy: false },
    });
    expect(config.auth.jwtSecretIsEphemeral).toBe(true);
    expect(config.auth.jwtSecret).toHaveLength(32);
  });

  it("reads and converts every kind of value", () => {
    const config = loadConfig({
      PORT: "8080",
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/app",
      REDIS_URL: "redis://127.0.0.1:6379",
      CORS_ORIGINS: "https://app.example.com, http://localhost:5173",
      COOKIE_SECURE: "false",
      JWT_SECRET: strongSecret,
    });
    expect(config.port).toBe(8080);
    expect(config.http.corsOrigins).toEqual(["https://app.example.com", "http://localhost:5173"]);
    expect(config.http.cookieSecure).toBe(false);
    expect(config.auth.jwtSecretIsEphemeral).toBe(false);
    expect(new TextDecoder().decode(config.auth.jwtSecret)).toBe(strongSecret);
  });

  it.each([
    ["false", false],
    ["1", 1],
    ["10.0.0.0/8, 192.168.1.7", ["10.0.0.0/8", "192.168.1.7"]],
  ])("reads TRUST_PROXY=%s as %j", (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).http.trustProxy).toEqual(expected);
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: "" })).toMatchObject({ port: 3000, database: { url: undefined } });
  });

  it.each([
    ["PORT", "not-a-number"],
    ["PORT", "70000"],
    ["DATABASE_URL", "mysql://localhost/app"],
    ["REDIS_URL", "http://localhost"],
    ["COOKIE_SECURE", "yes"],
    ["CORS_ORIGINS", "javascript:alert(1)"],
    ["LOG_LEVEL", "loud"],
    ["TRUST_PROXY", "true"],
    ["ARGON2_MEMORY_KIB", "4096"],
    ["ARGON2_PASSES", "1"],
    ["TRUST_PROXY", "proxy.internal"],
    ["ADMIN_EMAIL", "not-an-email"],
  ])("refuses %s=%s with one line naming the variable", (name, value) => {
    const attempt = () => loadConfig({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^Invalid configuration: ${name}`));
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("never repeats a secret's value in its error", () => {
    expect(() => loadConfig({ JWT_SECRET: "short-secret-value" })).toThrow(/JWT_SECRET: must be at least 32/);
    try {
      loadConfig({ JWT_SECRET: "short-secret-value" });
    } catch (error) {
      expect((error as Error).message).not.toContain("short-secret-value");
    }
  });

  it("wants the first admin's email and password together", () => {
    expect(() => loadConfig({ ADMIN_EMAIL: "root@example.com" })).toThrow(/^Invalid configuration: ADMIN_PASSWORD: /);
    expect(loadConfig({ ADMIN_EMAIL: "root@example.com", ADMIN_PASSWORD: "long enough secret" }).firstAdmin).toEqual({
      email: "root@example.com",
      password: "long enough secret",
    });
  });

  it("keeps metrics and tracing off until they are configured", () => {
    const config = loadConfig({});
    expect(config.metrics).toEqual({ token: null });
    expect(config.tracing.endpoint).toBeNull();
    expect(() => loadConfig({ METRICS_TOKEN: "short" })).toThrow(/^Invalid configuration: METRICS_TOKEN: /);
  });

  it("refuses a malformed clean-up schedule", () => {
    expect(loadConfig({}).jobs.cleanupCron).toBe("0 3 * * *");
    expect(() => loadConfig({ CLEANUP_CRON: "every night" })).toThrow(/CLEANUP_CRON: expected a cron pattern/);
  });

  it("refuses to leave jobs to workers that could not reach them without Redis", () => {
    expect(() => loadConfig({ JOBS_RUN_IN_SERVER: "false" })).toThrow(/JOBS_RUN_IN_SERVER: can only be false/);
    const config = loadConfig({ JOBS_RUN_IN_SERVER: "false", REDIS_URL: "redis://127.0.0.1:6379" });
    expect(config.jobs.runInServer).toBe(false);
  });

  describe("payments", () => {
    const stripe = {
      PAYMENT_PROVIDER: "stripe",
      STRIPE_SECRET_KEY: "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
      STRIPE_WEBHOOK_SECRET: "whsec_5f1b2c3d4e5f6a7b8c9d0e1f",
    };

    it("takes payments in process unless Stripe is chosen", () => {
      expect(loadConfig({}).payments).toEqual({ timeoutMs: 10_000, stripe: null });
    });

    it("reads the Stripe keys, and the address of a stand-in API", () => {
      const config = loadConfig({ ...stripe, STRIPE_API_BASE: "http://127.0.0.1:12111" });
      expect(config.payments.stripe).toEqual({
        secretKey: stripe.STRIPE_SECRET_KEY,
        webhookSecret: stripe.STRIPE_WEBHOOK_SECRET,
        apiBase: new URL("http://127.0.0.1:12111"),
      });
    });

    it.each(["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"])("requires %s with PAYMENT_PROVIDER=stripe", (name) => {
      expect(() => loadConfig({ ...stripe, [name]: undefined })).toThrow(
        new RegExp(`^Invalid configuration: ${name}: required when PAYMENT_PROVIDER=stripe`),
      );
    });

    it("refuses Stripe keys that the in-process provider would silently ignore", () => {
      const { PAYMENT_PROVIDER: _, ...keysOnly } = stripe;
      expect(() => loadConfig(keysOnly)).toThrow(/STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET: only read when/);
    });

    it.each([
      ["STRIPE_SECRET_KEY", "pk_test_4eC39HqLyjWDarjtT1zdp7dc"],
      ["STRIPE_WEBHOOK_SECRET", "4eC39HqLyjWDarjtT1zdp7dc"],
      ["STRIPE_API_BASE", "http://127.0.0.1:12111/v1"],
      ["PAYMENT_PROVIDER", "paypal"],
    ])("refuses %s=%s without repeating it", (name, value) => {
      expect(() => loadConfig({ ...stripe, [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name}: `));
      try {
        loadConfig({ ...stripe, [name]: value });
      } catch (error) {
        expect((error as Error).message).not.toContain(value);
      }
    });
  });

  describe("in production", () => {
    it("requires a JWT secret", () => {
      expect(() => loadConfig({ NODE_ENV: "production" })).toThrow("JWT_SECRET: required in production");
    });

    it("refuses a long but predictable secret", () => {
      expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: "a".repeat(40) })).toThrow(/too predictable/);
    });

    it.each([
      "change-me-to-48-random-bytes-in-base64url-000000",
      "replace_this_with_a_long_random_string_0123456789",
      "<a long random value from openssl rand -base64 48>",
      "my-super-secret-jwt-key-for-production-use-2026",
    ])("refuses a secret a template left in place: %s", (placeholder) => {
      expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: placeholder })).toThrow(
        "JWT_SECRET: too predictable",
      );
      expect(() =>
        loadConfig({ NODE_ENV: "production", JWT_SECRET: strongSecret, METRICS_TOKEN: placeholder }),
      ).toThrow("METRICS_TOKEN: too predictable");
    });

    it("refuses cookies without the Secure flag", () => {
      expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: strongSecret, COOKIE_SECURE: "false" })).toThrow(
        /COOKIE_SECURE/,
      );
    });

    it.each(["sk_test_4eC39HqLyjWDarjtT1zdp7dc", "rk_test_4eC39HqLyjWDarjtT1zdp7dc"])(
      "refuses the Stripe test key %s",
      (key) => {
        const production = { NODE_ENV: "production", JWT_SECRET: strongSecret, PAYMENT_PROVIDER: "stripe" };
        const webhook = { STRIPE_WEBHOOK_SECRET: "whsec_5f1b2c3d4e5f6a7b8c9d0e1f" };
        expect(() => loadConfig({ ...production, ...webhook, STRIPE_SECRET_KEY: key })).toThrow(
          "STRIPE_SECRET_KEY: a test key cannot be used in production",
        );
        const live = loadConfig({ ...production, ...webhook, STRIPE_SECRET_KEY: key.replace("_test_", "_live_") });
        expect(live.payments.stripe?.secretKey).toMatch(/_live_/);
      },
    );

    it("starts with a strong secret", () => {
      expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: strongSecret }).env).toBe("production");
    });

    it("refuses passkey origins on plain http, other than localhost", () => {
      const production = { NODE_ENV: "production", JWT_SECRET: strongSecret };
      expect(() => loadConfig({ ...production, APP_URL: "http://shop.example.com" })).toThrow(
        "WEBAUTHN_ORIGINS: http://shop.example.com must be https in production",
      );
      expect(() =>
        loadConfig({
          ...production,
          WEBAUTHN_RP_ID: "example.com",
          WEBAUTHN_ORIGINS: "https://example.com,http://example.com",
        }),
      ).toThrow("WEBAUTHN_ORIGINS: http://example.com must be https in production");
      expect(loadConfig({ ...production, APP_URL: "https://shop.example.com" }).passkeys.origins).toEqual([
        "https://shop.example.com",
      ]);
    });
  });

  describe("passkeys", () => {
    it("are bound to the web app's host and origin unless told otherwise", () => {
      expect(loadConfig({ APP_URL: "https://shop.example.com/app/" }).passkeys).toEqual({
        rpId: "shop.example.com",
        rpName: "Seed",
        origins: ["https://shop.example.com"],
        recentSignInMs: 10 * 60_000,
      });
      const chosen = loadConfig({
        WEBAUTHN_RP_ID: "example.com",
        WEBAUTHN_RP_NAME: "Example Shop",
        WEBAUTHN_ORIGINS: "https://example.com, https://shop.example.com:8443",
        WEBAUTHN_RECENT_SIGN_IN_MINUTES: "5",
      }).passkeys;
      expect(chosen).toEqual({
        rpId: "example.com",
        rpName: "Example Shop",
        origins: ["https://example.com", "https://shop.example.com:8443"],
        recentSignInMs: 5 * 60_000,
      });
    });

    it("refuses an origin outside the relying party's domain, or a relying party id that is a URL", () => {
      expect(() =>
        loadConfig({ WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "https://example.com,https://badexample.com" }),
      ).toThrow("WEBAUTHN_ORIGINS: https://badexample.com not on the domain of WEBAUTHN_RP_ID (example.com)");
      expect(() => loadConfig({ WEBAUTHN_RP_ID: "https://example.com" })).toThrow(
        /WEBAUTHN_RP_ID: expected a domain name/,
      );
    });
  });

  it("documents exactly the variables it reads in .env.example", () => {
    const example = readFileSync(new URL("../../../.env.example", import.meta.url), "utf8");
    const documented = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);
    expect(new Set(documented)).toEqual(new Set(Object.keys(envSchema.shape)));
  });
});

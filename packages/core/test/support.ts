import {
  type Actor,
  type Dependencies,
  createAccessTokenService,
  createApiKeyCache,
  createOidcProviders,
  createSessionCache,
  deriveSealingKey,
  jobCatalogue,
  type LoginResult,
  type Permission,
  roleCatalog,
  type RoleName,
  sharedSecretKeys,
  type WebhookSettings,
  syncAuthorizationCatalog,
} from "../src";
import { randomBytes } from "node:crypto";
import type { DatabaseDriver } from "@seed/db";
import { createTestDatabase, type TestDatabase } from "@seed/db/testing";
import {
  createBullJobQueue,
  createInProcessEventBus,
  createInProcessJobQueue,
  createInProcessLoginThrottle,
  createInProcessPaymentProvider,
  createInProcessPermissionCache,
  createGuardedHttpClient,
  createOutboxMailer,
  type JobQueue,
  type JobRetries,
  type Logger,
  type OutboundHttpSettings,
  type UsageLimiter,
} from "@seed/platform";

export const tokenOptions = {
  secret: randomBytes(32),
  issuer: "seed-test",
  audience: "seed-test-api",
  ttlSeconds: 300,
};

export interface RecordedLog {
  level: "debug" | "info" | "warn" | "error";
  fields: unknown;
  message: unknown;
}

/** A logger that keeps what it is told, so tests can read security events. */
export function recordingLogger(): Logger & { lines: RecordedLog[] } {
  const lines: RecordedLog[] = [];
  const record =
    (level: RecordedLog["level"]) =>
    (fields: unknown, message?: unknown): void => {
      lines.push({ level, fields, message });
    };
  return { lines, debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
}

/** The tokens of a sign-in that asked for no second factor; fails the test when one was asked for. */
export function tokensOf(result: LoginResult): Extract<LoginResult, { status: "signed-in" }> {
  if (result.status !== "signed-in") throw new Error(`expected to be signed in, but the sign-in is ${result.status}`);
  return result;
}

/** Fast retries, so that a failing job reaches the dead-letter list within a test. */
export const testJobSettings = {
  concurrency: 2,
  attempts: 2,
  backoffMs: 10,
  stalledAfterMs: 5_000,
  cleanupCron: "0 3 * * *",
  auditSealCron: "0 3 * * *",
  webhookDispatchCron: "0 3 * * *",
  mailDispatchCron: "0 3 * * *",
  paymentRecoveryCron: "0 3 * * *",
};

/**
 * Each job queue, to run a test against: in process, and on BullMQ with a key prefix of its own
 * when REDIS_URL is set.
 */
export function jobQueueImplementations(): [
  string,
  (settings?: typeof testJobSettings) => JobQueue | Promise<JobQueue>,
][] {
  const redisUrl = process.env.REDIS_URL;
  const inProcess = (settings = testJobSettings) => createInProcessJobQueue(settings, jobCatalogue);
  if (!redisUrl) return [["in-process", inProcess]];
  const bullMq = (settings = testJobSettings) =>
    createBullJobQueue({
      redisUrl,
      keyPrefix: `seed-test:${randomBytes(4).toString("hex")}:`,
      settings,
      catalogue: jobCatalogue,
      log: recordingLogger(),
    });
  return [
    ["in-process", inProcess],
    ["BullMQ", bullMq],
  ];
}

/**
 * Webhooks with fast retries and a short timeout. Inside addresses are refused as in production;
 * tests that post to a receiver on this machine allow them.
 */
export function testWebhookSettings(
  http: Partial<OutboundHttpSettings> = {},
  retries: JobRetries = { attempts: 3, backoffMs: 10 },
): WebhookSettings {
  const allowPrivateNetworks = http.allowPrivateNetworks ?? false;
  return {
    http: createGuardedHttpClient({
      timeoutMs: 2_000,
      maxResponseBytes: 64 * 1024,
      responsePreviewBytes: 1024,
      ...http,
      allowPrivateNetworks,
    }),
    sealingKey: deriveSealingKey(tokenOptions.secret, "webhook secret"),
    retries,
    urlPolicy: { requireHttps: false, allowPrivateNetworks },
    lostAfterMs: 60_000,
  };
}
const unlimited: UsageLimiter = { consume: async () => null, close: async () => {} };

/** What holders of `roles` and of the direct `grants` may do, from the role catalogue alone. */
export function permissionsFor(roles: readonly RoleName[], grants: readonly Permission[] = []): Set<Permission> {
  return new Set([...roles.flatMap((role) => roleCatalog[role].permissions), ...grants]);
}

export const testActor: Actor = { userId: null, ip: "203.0.113.7", userAgent: "vitest", requestId: "test" };

/** A migrated database of its own, and the domain's dependencies over it, all in-process. */
export async function createTestDomain(driver?: DatabaseDriver): Promise<{
  deps: Dependencies & { log: ReturnType<typeof recordingLogger> };
  database: TestDatabase;
}> {
  const database = await createTestDatabase(driver);
  await syncAuthorizationCatalog(database.connection.db);
  const events = createInProcessEventBus();
  const deps = {
    db: database.connection.db,
    accessTokens: createAccessTokenService(tokenOptions, sharedSecretKeys(tokenOptions.secret)),
    events,
    sessionCache: createSessionCache(events),
    apiKeyCache: createApiKeyCache(events),
    apiKeyPolicy: { maxLifetimeDays: 90, maxKeysPerUser: 25, rateLimit: { max: 1000, windowMs: 60_000 } },
    permissionCache: createInProcessPermissionCache(),
    loginThrottle: createInProcessLoginThrottle(),
    // Unlimited, so that tests may place hundreds of orders; the limits have tests of their own.
    usageLimiter: unlimited,
    orderPlacingBudget: { perUser: 30, perAddress: 120, windowMs: 60_000 },
    mailer: createOutboxMailer(database.connection.db, recordingLogger()),
    mailSender: null,
    appUrl: "https://app.example.com",
    refreshTokenTtlSeconds: 3600,
    cookieSecure: true,
    oidcProviders: createOidcProviders(null),
    mfaSealingKey: deriveSealingKey(tokenOptions.secret, "mfa secret"),
    passkeyPolicy: {
      rpId: "app.example.com",
      rpName: "Seed",
      origins: ["https://app.example.com"],
      recentSignInMs: 10 * 60_000,
    },
    jobs: createInProcessJobQueue(testJobSettings, jobCatalogue),
    // The in-process provider itself, so that tests can make it decline or time out.
    payments: createInProcessPaymentProvider(),
    paymentTimeoutMs: 200,
    webhooks: testWebhookSettings(),
    log: recordingLogger(),
  };
  return { deps, database };
}

export { appErrorOf } from "../../platform/test/support";

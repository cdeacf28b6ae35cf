import {
  type AppJobQueue,
  type ApiKeyCache,
  configuredTokenKeys,
  createApiKeyCache,
  createSessionCache,
  defaultSessionCacheOptions,
  createWebhookSettings,
  jobCatalogue,
  type KeySource,
  type SessionCache,
  type WebhookSettings,
} from "@seed/core";
import {
  type ConcurrencyLimiter,
  createBullJobQueue,
  createConfiguredMail,
  createInProcessConcurrencyLimiter,
  createInProcessEventBus,
  createInProcessJobQueue,
  createConfiguredPaymentProvider,
  createInProcessLoginThrottle,
  createInProcessPermissionCache,
  createInProcessUsageLimiter,
  createRedisConcurrencyLimiter,
  createRedisEventBus,
  createRedisLoginThrottle,
  createRedisPermissionCache,
  createRedisUsageLimiter,
  type EventBus,
  type EventBusObserver,
  type Logger,
  type LoginThrottle,
  type Mailer,
  type MailSender,
  measuredEventBus,
  type PaymentProvider,
  type PermissionCache,
  type UsageLimiter,
} from "@seed/platform";
import type { Config } from "@seed/config";
import { createDatabase, type DatabaseConnection, type QueryObserver } from "@seed/db";
import { Redis } from "ioredis";
import type { LookupFunction } from "node:net";

/** A Redis that accepts the connection but does not answer is treated as away after this long. */
const REDIS_COMMAND_TIMEOUT_MS = 2_000;

/** The stateful parts of a server: the database, Redis when configured, and what sits on them. */
export interface Resources {
  database: DatabaseConnection;
  redis: Redis | null;
  events: EventBus;
  permissionCache: PermissionCache;
  sessionCache: SessionCache;
  apiKeyCache: ApiKeyCache;
  loginThrottle: LoginThrottle;
  usageLimiter: UsageLimiter;
  /** What each client address holds open of the live connections, across instances with Redis. */
  liveLeases: ConcurrencyLimiter;
  /** Takes mail from requests: into the outbox, queued for SMTP when it is configured. */
  mailer: Mailer;
  /** Sends the outbox's mail from the jobs; none without SMTP_URL. */
  mailSender: MailSender | null;
  /** Background jobs: BullMQ with Redis, in this process without. */
  jobs: AppJobQueue;
  /** Takes the money for orders: Stripe when configured, the in-process provider otherwise. */
  payments: PaymentProvider;
  /** What signs and verifies access tokens. */
  tokenKeys: KeySource;
  /** How webhooks are sent: the outgoing client that refuses inside addresses, the secrets' key. */
  webhooks: WebhookSettings;
  close(): Promise<void>;
}

export interface ResourceOverrides {
  /** A database opened by the caller, who stays responsible for closing it. */
  database?: DatabaseConnection;
  /** A payment provider of the caller's; tests pass one they can make fail. */
  payments?: PaymentProvider;
  /** Resolves webhook host names instead of DNS; tests point names at their own addresses. */
  webhookLookup?: LookupFunction;
}

/** What watches the database and the event bus for metrics and tracing. */
export interface ResourceObservers {
  queries: QueryObserver;
  events: EventBusObserver;
}

/**
 * The one place where the embedded or the multi-instance implementation of each store is chosen.
 * Redis, when configured, must answer at start-up: a server that cannot share state with its
 * siblings refuses to start instead of running on quietly.
 */
export async function openResources(
  config: Config,
  log: Logger,
  overrides: ResourceOverrides = {},
  observers?: ResourceObservers,
): Promise<Resources> {
  const opened =
    overrides.database ?? (await createDatabase({ url: config.database.url, dataDir: config.database.dataDir }));
  const ownsDatabase = !overrides.database;
  const database = observers ? opened.observe(observers.queries) : opened;

  let redis: Redis | null = null;
  try {
    if (ownsDatabase) await database.migrate();
    if (config.redis.url) {
      redis = new Redis(config.redis.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 2,
        // While Redis is away a command fails at once instead of waiting in a queue for the
        // next reconnection: every request would otherwise take seconds to be answered 503
        // or to fall back (the rate limiter, the permission cache).
        enableOfflineQueue: false,
        commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
        // Every request counts against the rate limit in Redis: the commands of the requests in
        // one turn of the event loop go out in one write instead of one system call each.
        enableAutoPipelining: true,
      });
      // ioredis reconnects by itself; without a listener its errors would reach stderr unlogged.
      redis.on("error", (error: Error) => log.error({ err: error }, "redis connection error"));
      await redis.connect();
    }
  } catch (error) {
    redis?.disconnect();
    if (ownsDatabase) await database.close();
    throw error;
  }

  const eventOptions = { retentionMs: config.live.retentionMs, maxQueuedEvents: config.live.maxQueuedEvents };
  const bus = redis
    ? createRedisEventBus(redis, config.redis.keyPrefix, eventOptions)
    : createInProcessEventBus({ ...eventOptions, ringSize: config.live.ringSize });
  const events = observers ? measuredEventBus(bus, observers.events) : bus;
  const permissionCache = redis
    ? createRedisPermissionCache(redis, config.redis.keyPrefix)
    : createInProcessPermissionCache();
  const sessionCache = createSessionCache(events, { ...defaultSessionCacheOptions, log });
  const apiKeyCache = createApiKeyCache(events, { ...defaultSessionCacheOptions, log });
  const { mailer, sender: mailSender } = createConfiguredMail(database.db, config.mail, log, events);
  const tokenKeys = await configuredTokenKeys(database.db, config);
  const loginThrottle = redis
    ? createRedisLoginThrottle(redis, config.redis.keyPrefix)
    : createInProcessLoginThrottle();
  const jobs = config.redis.url
    ? await createBullJobQueue({
        redisUrl: config.redis.url,
        keyPrefix: config.redis.keyPrefix,
        settings: config.jobs,
        catalogue: jobCatalogue,
        log,
      })
    : createInProcessJobQueue(config.jobs, jobCatalogue);

  const usageLimiter = redis ? createRedisUsageLimiter(redis, config.redis.keyPrefix) : createInProcessUsageLimiter();
  const webhooks = createWebhookSettings(config, overrides.webhookLookup);
  const liveLeases = redis
    ? createRedisConcurrencyLimiter(redis, config.redis.keyPrefix)
    : createInProcessConcurrencyLimiter();

  return {
    database,
    redis,
    events,
    permissionCache,
    sessionCache,
    apiKeyCache,
    loginThrottle,
    usageLimiter,
    liveLeases,
    mailer,
    mailSender,
    jobs,
    payments: overrides.payments ?? (await createConfiguredPaymentProvider(config.payments)),
    tokenKeys,
    webhooks,
    async close() {
      // Running jobs still use the database, the mail sender and the webhook client, so they finish first.
      await jobs.close();
      await webhooks.http.close();
      mailSender?.close();
      liveLeases.close();
      await sessionCache.close();
      await apiKeyCache.close();
      await usageLimiter.close();
      await events.close();
      await redis?.quit();
      if (ownsDatabase) await database.close();
    },
  };
}

import {
  createWebhookSettings,
  jobCatalogue,
  jobWorker,
  queuePaymentRecovery,
  startMailDispatcher,
  startWebhookDispatcher,
} from "@seed/core";
import {
  createBullJobQueue,
  createConfiguredMail,
  createConfiguredPaymentProvider,
  createRedisEventBus,
  stopOnSignals,
} from "@seed/platform";
import { loadConfigOrExit, loadEnvFileIfPresent } from "@seed/config";
import { createDatabase } from "@seed/db";
import { Redis } from "ioredis";
import { pino } from "pino";

loadEnvFileIfPresent();
const config = loadConfigOrExit();
// A worker shares its jobs through Redis and its data through Postgres; an embedded database
// here would be a different database from the server's.
if (!config.redis.url || !config.database.url) {
  console.error("Invalid configuration: DATABASE_URL and REDIS_URL: both are required to run a worker");
  process.exit(1);
}

const log = pino({ level: config.logLevel, base: { service: "worker" } });
const database = await createDatabase({ url: config.database.url });
// A payment's outcome is announced on the servers' bus, so that their subscribers hear of it.
const redis = new Redis(config.redis.url, { lazyConnect: true });
redis.on("error", (error: Error) => log.error({ err: error }, "redis connection error"));
await redis.connect();
const events = createRedisEventBus(redis, config.redis.keyPrefix, {
  retentionMs: config.live.retentionMs,
  maxQueuedEvents: config.live.maxQueuedEvents,
});
const jobs = await createBullJobQueue({
  redisUrl: config.redis.url,
  keyPrefix: config.redis.keyPrefix,
  settings: config.jobs,
  catalogue: jobCatalogue,
  log,
});
const webhooks = createWebhookSettings(config);
// The servers write mail to the outbox; a worker sends it, when there is an SMTP server to send with.
const { sender: mailSender } = createConfiguredMail(database.db, config.mail, log, events);
const jobDependencies = {
  db: database.db,
  mailSender,
  events,
  payments: await createConfiguredPaymentProvider(config.payments),
  paymentTimeoutMs: config.payments.timeoutMs,
  jobs,
  webhooks,
  log,
};
await jobs.startWorker(jobWorker(jobDependencies));
const stopWebhookDispatcher = await startWebhookDispatcher(jobDependencies);
const stopMailDispatcher = await startMailDispatcher(jobDependencies);
await queuePaymentRecovery(jobs);
log.info({ concurrency: config.jobs.concurrency }, "worker ready");

stopOnSignals(
  async () => {
    await stopWebhookDispatcher();
    await stopMailDispatcher();
    await jobs.close();
    await webhooks.http.close();
    mailSender?.close();
    await events.close();
    await redis.quit();
    await database.close();
  },
  { timeoutMs: config.shutdownTimeoutMs, log },
);
